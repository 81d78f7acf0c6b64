// The .env parser: one decrypted blob or file in, the variables it assigns out (docs/dotenv-format.md).
#pragma once

#include <cstddef>
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
// Malformed input throws Error(kExitDataError, "<source>: line <N>: [<NAME>: ]<reason>"), where N
// is the line the statement starts on, NAME (for an error in a value) the name on the left of `=`,
// and the reason fixed text: nothing from the right of `=` is ever printed.
Variables parse_dotenv(std::string_view text, std::string_view source, const Lookup& env, const ParseOptions& options,
                       std::pmr::memory_resource* mem);

// Where one statement sits in a text, for editing it without disturbing the rest (core/dotenv_edit).
// Offsets are into the text as given (before the BOM is skipped and CRs are normalised).
struct StatementSpan {
  std::string_view name;        // a view into the text
  std::size_t begin = 0;        // the start of its first line (leading blanks included)
  std::size_t end = 0;          // just past the line break that ends its last line, or the end of the text
  bool assignment = false;      // false for a bare key
  std::size_t value_begin = 0;  // an assignment's value as written: quotes included, the blanks and
  std::size_t value_end = 0;    // comment after it excluded (empty at the line end for `A=`)
};

// The statements of `text` in order, read with the grammar of parse_dotenv with expansion off
// (a malformed ${...} is not checked). Malformed input throws the same Error as parse_dotenv.
// Values are read into `mem` and dropped; the result holds offsets and names only.
std::vector<StatementSpan> locate_statements(std::string_view text, std::string_view source,
                                             std::pmr::memory_resource* mem);

}  // namespace dotenv_run
