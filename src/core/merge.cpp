// Deepest-wins merging across sources, with expansion that sees earlier sources.
#include "core/merge.hpp"

#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>

#include "core/error.hpp"

namespace dotenv_run {

namespace {

// The names merged so far, looked up before the inherited environment.
class MergedLookup final : public Lookup {
 public:
  MergedLookup(const Variables& vars, const std::pmr::unordered_map<SecretString, std::size_t>& index,
               const Lookup& inherited)
      : vars_(vars), index_(index), inherited_(inherited) {}

  std::optional<std::string_view> find(std::string_view name) const override {
    // A transparent lookup would avoid this copy, but pmr strings lack the hash
    // plumbing in libstdc++ 12; the copy lives in the secret arena anyway.
    SecretString key(name, index_.get_allocator().resource());
    if (auto it = index_.find(key); it != index_.end()) return std::string_view(vars_[it->second].value);
    return inherited_.find(name);
  }

 private:
  const Variables& vars_;
  const std::pmr::unordered_map<SecretString, std::size_t>& index_;
  const Lookup& inherited_;
};

}  // namespace

MergeResult merge_sources(std::span<const Source> sources, const Lookup& inherited, const ParseOptions& options,
                          std::pmr::memory_resource* mem) {
  MergeResult result{Variables(mem), {}};
  std::pmr::unordered_map<SecretString, std::size_t> index(mem);
  MergedLookup lookup(result.variables, index, inherited);
  for (const Source& source : sources) {
    Variables parsed = parse_dotenv(source.text, source.name, lookup, options, mem);
    result.counts.push_back(parsed.size());
    // Growing in one step keeps the arena from holding several stale copies of the list.
    result.variables.reserve(result.variables.size() + parsed.size());
    index.reserve(result.variables.size() + parsed.size());
    for (Variable& var : parsed) {
      auto [it, inserted] = index.try_emplace(var.name, result.variables.size());
      if (inserted) {
        result.variables.push_back(std::move(var));
      } else {
        result.variables[it->second].value = std::move(var.value);
      }
    }
  }
  return result;
}

Variables select_variables(Variables merged, const Selection& selection, std::pmr::memory_resource* mem) {
  auto listed = [](const std::vector<std::string>& list, std::string_view name) {
    return std::find(list.begin(), list.end(), name) != list.end();
  };
  for (const std::string& name : selection.only) {
    bool present =
        std::any_of(merged.begin(), merged.end(), [&](const Variable& v) { return std::string_view(v.name) == name; });
    if (!present) throw Error(kExitDataError, fmt::format("--only names {}, which no source defines", name));
  }
  // Filters in place: values are moved, never copied (10,000 values would otherwise
  // cost another arena chunk).
  std::erase_if(merged, [&](const Variable& var) {
    return (!selection.only.empty() && !listed(selection.only, var.name)) || listed(selection.exclude, var.name);
  });
  if (!selection.prefix.empty()) {
    for (Variable& var : merged) {
      SecretString name(mem);
      name.reserve(selection.prefix.size() + var.name.size());
      name.append(selection.prefix).append(var.name);
      var.name = std::move(name);
    }
  }
  return merged;
}

}  // namespace dotenv_run
