// Name-by-name comparison of two parsed levels.
#include "cloud/env_diff.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace dotenv_run {

namespace {

const Variable* find(const Variables& vars, std::string_view name) {
  auto it = std::find_if(vars.begin(), vars.end(), [&](const Variable& v) { return v.name == name; });
  return it == vars.end() ? nullptr : &*it;
}

// The length of the UTF-8 sequence starting at text[i], or 0 when it is not one.
std::size_t utf8_length(std::string_view text, std::size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  const std::size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 && c < 0xF0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
  if (n == 0 || i + n > text.size()) return 0;
  if (c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0) return 0;  // C1 controls are escaped
  for (std::size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return 0;
  }
  return n;
}

}  // namespace

std::vector<EnvChange> diff_variables(const Variables& before, const Variables& after) {
  std::vector<EnvChange> out;
  for (const Variable& old : before) {
    const Variable* now = find(after, old.name);
    if (now == nullptr) {
      out.push_back({EnvChange::kRemoved, std::string(old.name), &old, nullptr});
    } else if (now->value != old.value) {
      out.push_back({EnvChange::kChanged, std::string(old.name), &old, now});
    }
  }
  for (const Variable& now : after) {
    if (find(before, now.name) == nullptr) out.push_back({EnvChange::kAdded, std::string(now.name), nullptr, &now});
  }
  return out;
}

std::string quoted_for_terminal(std::string_view value) {
  std::string out = "\"";
  for (std::size_t i = 0; i < value.size();) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else if (const std::size_t n = c >= 0x80 ? utf8_length(value, i) : 0; n > 0) {
      out.append(value.substr(i, n));
      i += n;
      continue;
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
    ++i;
  }
  return out + "\"";
}

}  // namespace dotenv_run
