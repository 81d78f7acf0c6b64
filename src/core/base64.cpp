// Standard base64 (RFC 4648, with padding): libsodium's constant-time codec for secrets, a table
// decoder for data that is not secret (ciphertext, salts, proofs).
#include "core/base64.hpp"

#include <sodium.h>

#include <array>
#include <cstdint>

namespace dotenv_run {

namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::uint32_t kInvalid = 0x80000000u;

// Each byte's 6-bit value, or kInvalid (every byte outside the alphabet, '=' included).
constexpr std::array<std::uint32_t, 256> kDecodeTable = [] {
  std::array<std::uint32_t, 256> table{};
  table.fill(kInvalid);
  for (std::size_t i = 0; i < kAlphabet.size(); ++i)
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::uint32_t>(i);
  return table;
}();

std::uint32_t value_of(char c) { return kDecodeTable[static_cast<unsigned char>(c)]; }

}  // namespace

std::string base64_encode(std::span<const unsigned char> bytes) {
  constexpr int variant = sodium_base64_VARIANT_ORIGINAL;
  std::string text(sodium_base64_encoded_len(bytes.size(), variant), '\0');
  sodium_bin2base64(text.data(), text.size(), bytes.data(), bytes.size(), variant);
  text.pop_back();  // the encoded length counts the terminating NUL
  return text;
}

std::optional<std::size_t> base64_decode_into(std::string_view text, std::span<unsigned char> out) {
  // libsodium 1.0.18 decodes every byte >= 0x80 as '/' instead of refusing it, so a flipped top bit
  // would pass as valid base64. Refuse them first, without branching on each byte.
  unsigned char high_bits = 0;
  for (const char c : text) high_bits |= static_cast<unsigned char>(c);
  if ((high_bits & 0x80) != 0) return std::nullopt;
  std::size_t written = 0;
  // A null b64_end makes libsodium reject any unconsumed input rather than stop at it.
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &written, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    return std::nullopt;
  }
  return written;
}

std::optional<std::vector<unsigned char>> base64_decode(std::string_view text) {
  // Same refusals as base64_decode_into (tested against it), at table speed: libsodium's
  // constant-time decoder was the largest single cost of a launch with 10,000 variables.
  if (text.size() % 4 != 0) return std::nullopt;
  if (text.empty()) return std::vector<unsigned char>();
  const std::size_t groups = text.size() / 4;
  const std::size_t padding = text.ends_with("==") ? 2 : text.ends_with('=') ? 1 : 0;
  std::vector<unsigned char> bytes(groups * 3 - padding);
  const char* in = text.data();
  unsigned char* out = bytes.data();
  std::uint32_t invalid = 0;
  for (std::size_t g = 0; g + 1 < groups; ++g, in += 4, out += 3) {
    const std::uint32_t a = value_of(in[0]), b = value_of(in[1]), c = value_of(in[2]), d = value_of(in[3]);
    invalid |= a | b | c | d;
    const std::uint32_t v = a << 18 | b << 12 | c << 6 | d;
    out[0] = static_cast<unsigned char>(v >> 16);
    out[1] = static_cast<unsigned char>(v >> 8);
    out[2] = static_cast<unsigned char>(v);
  }
  // The last group: "xx==" or "xxx=" must leave no stray bits set in its last character.
  const std::uint32_t a = value_of(in[0]), b = value_of(in[1]);
  const std::uint32_t c = padding == 2 ? 0 : value_of(in[2]), d = padding >= 1 ? 0 : value_of(in[3]);
  invalid |= a | b | c | d;
  if ((invalid & kInvalid) != 0) return std::nullopt;
  const std::uint32_t v = a << 18 | b << 12 | c << 6 | d;
  if ((padding == 2 && (b & 0x0f) != 0) || (padding == 1 && (c & 0x03) != 0)) return std::nullopt;
  out[0] = static_cast<unsigned char>(v >> 16);
  if (padding < 2) out[1] = static_cast<unsigned char>(v >> 8);
  if (padding < 1) out[2] = static_cast<unsigned char>(v);
  return bytes;
}

}  // namespace dotenv_run
