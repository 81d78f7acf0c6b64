// A pre-scan that keeps hostile JSON away from RapidJSON, and the in-place parse behind it.
#include "core/json.hpp"

#include <fmt/format.h>
#include <rapidjson/error/en.h>

#include <cctype>
#include <cstring>

#include "core/text.hpp"

namespace dotenv_run {

namespace {

bool is_number_char(char c) {
  return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

}  // namespace

std::optional<std::string> prescan_json(std::string_view text, const JsonLimits& limits) {
  unsigned depth = 0;
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    const char c = text[i];
    if (c == '"') {
      // Skip the string (memchr to each quote; one after an odd run of backslashes is escaped).
      // An unterminated one is left for the parser to report.
      ++i;
      while (true) {
        const void* quote = std::memchr(text.data() + i, '"', n - i);
        if (quote == nullptr) {
          i = n;
          break;
        }
        const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(quote) - text.data());
        std::size_t backslashes = 0;
        while (at - backslashes > i && text[at - backslashes - 1] == '\\') ++backslashes;
        i = at + 1;
        if (backslashes % 2 == 0) break;
      }
    } else if (c == '[' || c == '{') {
      if (++depth > limits.max_depth) return fmt::format("nesting deeper than {} at byte {}", limits.max_depth, i);
      ++i;
    } else if (c == ']' || c == '}') {
      if (depth > 0) --depth;
      ++i;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      const std::size_t start = i;
      std::size_t exponent_digits = 0;
      bool in_exponent = false;
      while (i < n && is_number_char(text[i])) {
        if (text[i] == 'e' || text[i] == 'E')
          in_exponent = true;
        else if (in_exponent && text[i] >= '0' && text[i] <= '9')
          ++exponent_digits;
        ++i;
      }
      if (i - start > limits.max_number_chars)
        return fmt::format("a number longer than {} characters at byte {}", limits.max_number_chars, start);
      if (exponent_digits > limits.max_exponent_digits)
        return fmt::format("a number with an exponent of more than {} digits at byte {}", limits.max_exponent_digits,
                           start);
    } else {
      ++i;
    }
  }
  return std::nullopt;
}

std::optional<std::string> parse_json_in_place(char* buffer, std::size_t size, rapidjson::Document& doc,
                                               const JsonLimits& limits) {
  if (auto problem = prescan_json(std::string_view(buffer, size), limits)) return problem;
  // ParseInsitu stops at the first NUL; a NUL inside the answer would silently cut it short.
  if (std::string_view(buffer, size).find('\0') != std::string_view::npos) return std::string("a NUL byte in the text");
  // RapidJSON 1.1.0 validates a UTF-8 sequence by taking as many bytes as its first byte
  // announces, without looking for the end: a text ending in a cut sequence made it read past
  // the NUL, off the end of the buffer (found by fuzz/fuzz_resolve_answer). Text that is not
  // UTF-8 could never parse, so it is refused before RapidJSON sees it.
  if (const std::size_t valid = utf8_valid_prefix(std::string_view(buffer, size)); valid != size)
    return fmt::format("invalid UTF-8 at byte {}", valid);
  // The text was just found to be well-formed UTF-8 (strictly: no overlong form, no surrogate),
  // so RapidJSON's own byte-by-byte validation, a fifth of the parse of a large answer, would
  // find nothing more.
  doc.ParseInsitu<rapidjson::kParseIterativeFlag>(buffer);
  if (doc.HasParseError()) {
    std::string what = rapidjson::GetParseError_En(doc.GetParseError());
    if (what.ends_with('.')) what.pop_back();
    if (!what.empty()) what[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(what[0])));
    return fmt::format("{} at byte {}", what, doc.GetErrorOffset());
  }
  return std::nullopt;
}

}  // namespace dotenv_run
