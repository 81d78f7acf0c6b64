// Lookups over a map and over a process environment.
#include "core/lookup.hpp"

#include <algorithm>

namespace dotenv_run {

MapLookup::MapLookup(std::initializer_list<std::pair<const std::string, std::string>> values) : values_(values) {}

MapLookup::MapLookup(const std::map<std::string, std::string>& values) : values_(values.begin(), values.end()) {}

std::optional<std::string_view> MapLookup::find(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string_view> EnvironLookup::find(std::string_view name) const {
  if (std::find(hidden_.begin(), hidden_.end(), name) != hidden_.end()) return std::nullopt;
  for (char* const* e = environ_; e && *e; ++e) {
    std::string_view entry(*e);
    if (entry.size() > name.size() && entry[name.size()] == '=' && entry.substr(0, name.size()) == name) {
      return entry.substr(name.size() + 1);
    }
  }
  return std::nullopt;
}

}  // namespace dotenv_run
