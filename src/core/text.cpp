// Making outside text safe to print.
#include "core/text.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>

#include <fmt/format.h>

namespace dotenv_run {

namespace {

// The length of the well-formed UTF-8 sequence at the start of `text` and its code point,
// or 0 when it is not one (a stray continuation byte, a cut or overlong sequence, a surrogate).
std::size_t utf8_sequence(std::string_view text, char32_t& code_point) {
  const auto lead = static_cast<unsigned char>(text[0]);
  std::size_t length = 0;
  char32_t cp = 0, min = 0;
  if (lead < 0x80) return code_point = lead, 1;
  if (lead >= 0xC2 && lead <= 0xDF)
    length = 2, cp = lead & 0x1Fu, min = 0x80;
  else if (lead >= 0xE0 && lead <= 0xEF)
    length = 3, cp = lead & 0x0Fu, min = 0x800;
  else if (lead >= 0xF0 && lead <= 0xF4)
    length = 4, cp = lead & 0x07u, min = 0x10000;
  else
    return 0;
  if (text.size() < length) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (c & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  code_point = cp;
  return length;
}

// C0 and C1 controls and DEL: a terminal acts on them (ESC, CSI U+009B, OSC U+009D...).
bool is_control(char32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

// Bidirectional controls reorder what follows them on screen, so a line could show text in an
// order other than the bytes' (Trojan Source): marks, embeddings, overrides and isolates.
bool is_bidi_control(char32_t cp) {
  return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

// How many bytes at the start of `p` are ASCII: a word at a time, since an answer is mostly base64
// text (a byte at a time was a third of the cost of reading a large answer).
std::size_t ascii_run(const char* p, std::size_t n) {
  constexpr std::uint64_t kHighBits = 0x8080808080808080u;
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    std::uint64_t w[4];
    std::memcpy(w, p + i, sizeof w);
    if (((w[0] | w[1] | w[2] | w[3]) & kHighBits) != 0) break;
  }
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, sizeof w);
    if ((w & kHighBits) != 0) break;
  }
  while (i < n && static_cast<unsigned char>(p[i]) < 0x80) ++i;
  return i;
}

}  // namespace

std::string sanitized(std::string_view text) {
  constexpr std::size_t kMaxBytes = 200;
  std::string out;
  while (!text.empty()) {
    char32_t cp = 0;
    const std::size_t length = utf8_sequence(text, cp);
    std::string piece;
    if (length == 0) {
      // Not UTF-8: a lone byte a terminal could read as a C1 control.
      piece = fmt::format("\\x{:02x}", static_cast<unsigned char>(text[0]));
      text.remove_prefix(1);
    } else {
      if (cp < 0x80 && is_control(cp))
        piece = fmt::format("\\x{:02x}", static_cast<unsigned>(cp));
      else if (is_control(cp) || is_bidi_control(cp))
        piece = fmt::format("\\u{:04x}", static_cast<unsigned>(cp));
      else
        piece = text.substr(0, length);
      text.remove_prefix(length);
    }
    // Whole characters and whole escapes only.
    if (out.size() + piece.size() > kMaxBytes) break;
    out += piece;
  }
  return out;
}

std::string sanitized_without(std::string_view text, std::string_view secret) {
  if (secret.empty()) return sanitized(text);
  std::string scrubbed;
  for (std::size_t at = text.find(secret); at != std::string_view::npos; at = text.find(secret)) {
    scrubbed.append(text.substr(0, at));
    scrubbed += "***";
    text.remove_prefix(at + secret.size());
  }
  scrubbed.append(text);
  return sanitized(scrubbed);
}

std::size_t utf8_valid_prefix(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    i += ascii_run(text.data() + i, text.size() - i);
    if (i == text.size()) break;
    char32_t cp = 0;
    const std::size_t length = utf8_sequence(text.substr(i), cp);
    if (length == 0) break;
    i += length;
  }
  return i;
}

}  // namespace dotenv_run
