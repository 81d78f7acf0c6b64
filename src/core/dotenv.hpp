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

#include "core/lookup.hpp"
#include "core/secure_memory.hpp"

namespace dotenv_run {

struct Variable {
  SecretString name;
  SecretString value;
};
using Variables = std::pmr::vector<Variable>;

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
