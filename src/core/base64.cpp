// Standard base64 (RFC 4648, with padding) through libsodium's constant-time codec.
#include "core/base64.hpp"

#include <sodium.h>

namespace dotenv_run {

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
  std::vector<unsigned char> bytes(text.size() / 4 * 3 + 3);
  const auto written = base64_decode_into(text, bytes);
  if (!written) return std::nullopt;
  bytes.resize(*written);
  return bytes;
}

}  // namespace dotenv_run
