// Choosing the quoting of a value: unquoted, single or double quotes, with escapes only where needed.
#include "core/dotenv_quote.hpp"

#include <algorithm>
#include <cstddef>

#include "core/error.hpp"

namespace dotenv_run {

namespace {

// Bytes that mean nothing special in an unquoted value, wherever they stand.
bool is_plain(char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '_':
    case '-':
    case '.':
    case ',':
    case ':':
    case '/':
    case '@':
    case '+':
    case '=':
    case '%':
    case '^':
    case '~': return true;
    default: return false;
  }
}

// Inside single quotes a backslash is literal, except that `\'` is a quote and `\\` is read as a
// pair: so a value without `'` survives unless an odd run of backslashes would escape the closing quote.
bool fits_single_quotes(std::string_view value) {
  if (value.find('\'') != std::string_view::npos || value.find('\r') != std::string_view::npos) return false;
  std::size_t trailing = 0;
  while (trailing < value.size() && value[value.size() - 1 - trailing] == '\\') ++trailing;
  return trailing % 2 == 0;
}

}  // namespace

SecretString quote_value(std::string_view value, std::pmr::memory_resource* mem) {
  if (value.find('\0') != std::string_view::npos) {
    throw Error(kExitDataError, "a value cannot hold a NUL byte");
  }
  SecretString out(mem);
  // Reserved past the small-string buffer, so no byte of the value sits inside the string object.
  out.reserve(std::max<std::size_t>(32, value.size() * 2 + 2));
  if (value.empty()) {
    out.assign("''");
  } else if (std::all_of(value.begin(), value.end(), is_plain)) {
    out.assign(value);
  } else if (fits_single_quotes(value)) {
    out.push_back('\'');
    out.append(value);
    out.push_back('\'');
  } else {
    out.push_back('"');
    for (char c : value) {
      switch (c) {
        case '\\': out.append("\\\\"); break;
        case '"': out.append("\\\""); break;
        case '$': out.append("\\$"); break;
        case '\r': out.append("\\r"); break;
        default: out.push_back(c); break;
      }
    }
    out.push_back('"');
  }
  return out;
}

}  // namespace dotenv_run
