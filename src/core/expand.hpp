// Escape decoding and $NAME / ${NAME...} expansion for unquoted and double-quoted .env values.
#pragma once

#include <stdexcept>
#include <string_view>

#include "core/lookup.hpp"
#include "core/secure_memory.hpp"

namespace dotenv_run {

// Malformed .env text. The parser adds the source, the line number and the name on the left of
// `=`. The reason is fixed text: never a piece of the value, nor a name referenced inside it.
class SyntaxError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Quoting { kUnquoted, kDoubleQuoted };

// Appends `raw` (a value without its quotes) to `out` with escapes decoded for `quoting` and,
// when `expand` is set, every reference replaced by what `vars` finds. Substituted text is
// never scanned again. Throws SyntaxError for a malformed ${...} and for a failed ${NAME?}.
void expand_value(std::string_view raw, Quoting quoting, bool expand, const Lookup& vars, SecretString& out);

}  // namespace dotenv_run
