// Standard base64 (RFC 4648, with padding): libsodium's constant-time codec for secrets, a table
// decoder for data that is not secret (ciphertext, salts, proofs).
#include "core/base64.hpp"

#include <sodium.h>

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

namespace dotenv_run {

namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
// Set in a table entry for every byte outside the alphabet ('=' included): above the 24 bits of a group.
constexpr std::uint32_t kInvalid = 0x80000000u;

// One table per position in a group of four characters: each character's 6 bits already shifted to
// their place in the group's 24 bits, so a group is four lookups and three ORs.
struct DecodeTables {
  std::array<std::uint32_t, 256> at[4];
};

constexpr DecodeTables kTables = [] {
  DecodeTables t{};
  for (int position = 0; position < 4; ++position) {
    t.at[position].fill(kInvalid);
    for (std::size_t i = 0; i < kAlphabet.size(); ++i)
      t.at[position][static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::uint32_t>(i) << (18 - 6 * position);
  }
  return t;
}();

std::uint32_t bits(int position, char c) { return kTables.at[position][static_cast<unsigned char>(c)]; }

std::uint32_t group(const char* in) { return bits(0, in[0]) | bits(1, in[1]) | bits(2, in[2]) | bits(3, in[3]); }

// The group's 24 bits as three bytes, written as a 4-byte word whose last byte the next group
// overwrites: one store instead of three.
void store_group(unsigned char* out, std::uint32_t v) {
  if constexpr (std::endian::native == std::endian::little) {
    const std::uint32_t word = __builtin_bswap32(v << 8);
    std::memcpy(out, &word, sizeof word);
  } else {
    const std::uint32_t word = v << 8;
    std::memcpy(out, &word, sizeof word);
  }
}

// Decodes canonical padded base64 (text.size() a positive multiple of 4) into `out`, which has room
// for exactly the decoded bytes; returns false, with `out` partly written, when it is not canonical.
// `out` may be text's own bytes: a group's 3 bytes land before the next group's 4 characters.
bool decode_groups(std::string_view text, std::size_t padding, unsigned char* out) {
  const char* in = text.data();
  const std::size_t groups = text.size() / 4;
  std::uint32_t invalid = 0;
  // Every group but the last has a next one to overwrite the word's fourth byte.
  for (std::size_t g = 0; g + 1 < groups; ++g, in += 4, out += 3) {
    const std::uint32_t v = group(in);
    invalid |= v;
    store_group(out, v);
  }
  // The last group: "xx==" or "xxx=" must leave no stray bits set in its last character.
  const std::uint32_t a = bits(0, in[0]), b = bits(1, in[1]);
  const std::uint32_t c = padding == 2 ? 0 : bits(2, in[2]), d = padding >= 1 ? 0 : bits(3, in[3]);
  const std::uint32_t v = a | b | c | d;
  invalid |= v;
  if ((invalid & kInvalid) != 0) return false;
  if ((padding == 2 && (v & 0xffff) != 0) || (padding == 1 && (v & 0xff) != 0)) return false;
  out[0] = static_cast<unsigned char>(v >> 16);
  if (padding < 2) out[1] = static_cast<unsigned char>(v >> 8);
  if (padding < 1) out[2] = static_cast<unsigned char>(v);
  return true;
}

std::size_t padding_of(std::string_view text) { return text.ends_with("==") ? 2 : text.ends_with('=') ? 1 : 0; }

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
  std::vector<unsigned char> bytes(text.size() / 4 * 3 - padding_of(text));
  if (!decode_groups(text, padding_of(text), bytes.data())) return std::nullopt;
  return bytes;
}

std::optional<std::size_t> base64_decode_in_place(std::span<char> text) {
  const std::string_view view(text.data(), text.size());
  if (view.size() % 4 != 0) return std::nullopt;
  if (view.empty()) return 0;
  const std::size_t padding = padding_of(view);
  if (!decode_groups(view, padding, reinterpret_cast<unsigned char*>(text.data()))) return std::nullopt;
  return view.size() / 4 * 3 - padding;
}

}  // namespace dotenv_run
