// Writing a value back as .env text that parse_dotenv reads as exactly the same bytes.
#pragma once

#include <memory_resource>
#include <string_view>

#include "core/secure_memory.hpp"

namespace dotenv_run {

// The right-hand side of `NAME=...` that parse_dotenv, with expansion on or off, reads back as
// exactly `value`, whatever bytes it holds (docs/dotenv-format.md section 4). The form that reads
// best is chosen:
//   - unquoted when every byte is a letter, a digit or one of _ - . , : / @ + = % ^ ~
//     (nothing there is an escape, a reference, a comment, a quote or a blank);
//   - 'single quotes' (raw) when the value holds no `'` and no CR and does not end in an odd
//     number of backslashes; newlines and tabs are written as they are (a multi-line value stays
//     multi-line, like a PEM block), as are `$`, `"`, `#`, backslashes and non-UTF-8 bytes;
//   - "double quotes" otherwise, with `\` `"` `$` and CR written as `\\` `\"` `\$` `\r` and
//     everything else, newlines included, as it is.
// The empty value is written ''. A value holding a NUL byte cannot be stored (an environment
// string cannot hold one): Error(kExitDataError), which the caller should turn into a message
// naming the variable (DotenvDocument does). The result lives in `mem`.
SecretString quote_value(std::string_view value, std::pmr::memory_resource* mem);

}  // namespace dotenv_run
