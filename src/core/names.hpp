// The characters of variable names, in one place (docs/dotenv-format.md section 3).
#pragma once

#include <string_view>

namespace dotenv_run {

// A letter or '_': what every name starts with.
constexpr bool is_name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
// After the start, a .env key may also hold digits, '.' and '-'.
constexpr bool is_key_char(char c) { return is_name_start(c) || is_digit(c) || c == '.' || c == '-'; }
// A reference ($NAME, ${NAME}) and a shell variable name: letters, digits and '_' only.
constexpr bool is_reference_char(char c) { return is_name_start(c) || is_digit(c); }

// A whole .env key: a name start, then key characters.
constexpr bool is_dotenv_key(std::string_view name) {
  if (name.empty() || !is_name_start(name.front())) return false;
  for (char c : name)
    if (!is_key_char(c)) return false;
  return true;
}

// A name a POSIX shell can assign: a name start, then letters, digits and '_'.
constexpr bool is_shell_name(std::string_view name) {
  if (name.empty() || !is_name_start(name.front())) return false;
  for (char c : name)
    if (!is_reference_char(c)) return false;
  return true;
}

}  // namespace dotenv_run
