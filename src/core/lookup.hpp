// The one way to look up a variable by name: the launcher's environment, a map in tests,
// the variables a .env text has assigned so far.
#pragma once

#include <initializer_list>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace dotenv_run {

class Lookup {
 public:
  virtual ~Lookup() = default;
  virtual std::optional<std::string_view> find(std::string_view name) const = 0;
};

// A Lookup over an ordinary map (tests, small tools); not for secret values.
class MapLookup final : public Lookup {
 public:
  MapLookup() = default;
  MapLookup(std::initializer_list<std::pair<const std::string, std::string>> values);
  explicit MapLookup(const std::map<std::string, std::string>& values);
  std::optional<std::string_view> find(std::string_view name) const override;
  void set(std::string name, std::string value) { values_.insert_or_assign(std::move(name), std::move(value)); }

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

// A process environment (a char** like environ) as a Lookup, without copying it. Names in
// `hidden` are never found: the view .env sources expand against hides the programs' own
// secret variables, so a value like ${DOTENV_CLOUD_TOKEN} cannot carry the token anywhere.
class EnvironLookup final : public Lookup {
 public:
  explicit EnvironLookup(char* const* entries, std::span<const std::string_view> hidden = {})
      : environ_(entries), hidden_(hidden) {}
  std::optional<std::string_view> find(std::string_view name) const override;

 private:
  char* const* environ_;
  std::span<const std::string_view> hidden_;
};

}  // namespace dotenv_run
