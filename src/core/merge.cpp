// Deepest-wins merging across sources, with expansion that sees earlier sources.
#include "core/merge.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "core/error.hpp"

namespace dotenv_run {

MergeResult merge_sources(std::span<const Source> sources, const Lookup& inherited, const ParseOptions& options,
                          std::pmr::memory_resource* mem) {
  // One set of assignments across the sources, as if they were one file: a later source's
  // value replaces an earlier one in place, and no source needs a list or an index of its own.
  std::size_t lines = 0;
  for (const Source& source : sources) lines += count_lines(source.text);
  Assignments assignments(inherited, mem, lines);
  MergeResult result{Variables(mem), {}};
  result.counts.reserve(sources.size());
  for (const Source& source : sources) {
    assignments.next_text();
    parse_dotenv_into(source.text, source.name, options, assignments);
    result.counts.push_back(assignments.assigned());
  }
  result.variables = assignments.take();
  return result;
}

Variables select_variables(Variables merged, const Selection& selection, std::pmr::memory_resource* mem) {
  if (selection.only.empty() && selection.exclude.empty() && selection.prefix.empty()) return merged;
  auto listed = [](const std::vector<std::string>& list, std::string_view name) {
    return std::find(list.begin(), list.end(), name) != list.end();
  };
  for (const std::string& name : selection.only) {
    bool present =
        std::any_of(merged.begin(), merged.end(), [&](const Variable& v) { return std::string_view(v.name) == name; });
    if (!present) throw Error(kExitDataError, fmt::format("--only names {}, which no source defines", name));
  }
  // Filters in place: the variables are views, and only a prefixed name is new.
  std::erase_if(merged, [&](const Variable& var) {
    return (!selection.only.empty() && !listed(selection.only, var.name)) || listed(selection.exclude, var.name);
  });
  if (!selection.prefix.empty()) {
    for (Variable& var : merged) {
      const std::size_t size = selection.prefix.size() + var.name.size();
      char* name = static_cast<char*>(mem->allocate(size, 1));
      std::memcpy(name, selection.prefix.data(), selection.prefix.size());
      std::memcpy(name + selection.prefix.size(), var.name.data(), var.name.size());
      var.name = {name, size};
    }
  }
  return merged;
}

}  // namespace dotenv_run
