// The .env parser: one decrypted blob or file in, the variables it assigns out (docs/dotenv-format.md).
#pragma once

#include <functional>
#include <initializer_list>
#include <map>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "secure_memory.hpp"

namespace dotenv_run {

struct Variable {
  SecretString name;
  SecretString value;
};
using Variables = std::pmr::vector<Variable>;

// Where ${NAME} and bare KEY lines look when the input has not defined NAME yet.
class Lookup {
 public:
  virtual ~Lookup() = default;
  virtual std::optional<std::string_view> find(std::string_view name) const = 0;
};

// A Lookup over an ordinary map (tests, small tools); not for secret values.
class MapLookup : public Lookup {
 public:
  MapLookup() = default;
  MapLookup(std::initializer_list<std::pair<const std::string, std::string>> values);
  explicit MapLookup(const std::map<std::string, std::string>& values);
  std::optional<std::string_view> find(std::string_view name) const override;

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

struct ParseOptions {
  // false: `$` sequences are kept verbatim (quotes and escapes are still processed, `\$` still gives `$`).
  bool expand = true;
};

// Parses one source; `source` names it in errors ("level project", "file ./x.env").
// Result: one entry per name, in order of first appearance, holding the value of the last
// assignment, all allocated from `mem` (the secret arena). A reference sees the latest value
// assigned earlier in this input, else `env`, else unset; a bare KEY line does the same lookup.
// Malformed input throws Error(kExitDataError, "<source>: line <N>: <reason>"), where N is the
// line the statement starts on and the reason never contains a value.
Variables parse_dotenv(std::string_view text, std::string_view source, const Lookup& env,
                       const ParseOptions& options, std::pmr::memory_resource* mem);

}  // namespace dotenv_run
