// Safe JSON parsing of API answers: a bounds pre-scan, then RapidJSON in place over the secret buffer.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

namespace dotenv_run {

struct JsonLimits {
  unsigned max_depth = 32;
  std::size_t max_number_chars = 40;
  std::size_t max_exponent_digits = 4;
};

// One linear pass outside strings: nesting depth and number tokens. Debian's RapidJSON
// 1.1.0 lacks the fix for CVE-2024-38517 (an integer underflow while parsing exponents),
// so numbers it could mis-parse never reach it. Returns what is wrong and the byte
// offset, never any content.
std::optional<std::string> prescan_json(std::string_view text, const JsonLimits& limits = {});

// Pre-scans, then parses the whole document in place with the iterative (stack-free)
// parser, validating UTF-8 and rejecting trailing content. String values in `doc` point
// into `buffer`, which must stay alive and be NUL-terminated at buffer[size] (a
// std::string's data() is). The buffer is modified (escapes decoded in place).
// Returns an error description without content, or nullopt on success.
std::optional<std::string> parse_json_in_place(char* buffer, std::size_t size, rapidjson::Document& doc,
                                               const JsonLimits& limits = {});

}  // namespace dotenv_run
