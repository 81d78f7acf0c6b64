// PKCE S256 and state values.
#include "cloud/pkce.hpp"

#include <sodium.h>

#include <array>

#include "core/sodium.hpp"

namespace dotenv_run {

std::string base64url(std::span<const unsigned char> bytes) {
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), kVariant), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(), kVariant);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

SecretString pkce_verifier(std::pmr::memory_resource* mem) {
  ensure_sodium();
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  constexpr std::size_t kBytes = 48;
  SecretString random(kBytes, '\0', mem);
  randombytes_buf(random.data(), random.size());
  SecretString out(sodium_base64_ENCODED_LEN(kBytes, kVariant), '\0', mem);
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(random.data()), kBytes, kVariant);
  out.resize(out.size() - 1);
  wipe(random.data(), random.size());
  return out;
}

std::string pkce_challenge(std::string_view verifier) {
  ensure_sodium();
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(verifier.data()), verifier.size());
  return base64url(digest);
}

std::string random_state() {
  ensure_sodium();
  std::array<unsigned char, 32> random{};
  randombytes_buf(random.data(), random.size());
  return base64url(random);
}

}  // namespace dotenv_run
