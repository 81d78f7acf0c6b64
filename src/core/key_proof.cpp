// Key proofs (docs/api.md section 8): PBKDF2-HMAC-SHA256 of the project key, to tell a wrong key early.
#include "core/key_proof.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <sodium.h>

#include <array>
#include <climits>

#include "core/base64.hpp"
#include "core/error.hpp"
#include "core/key.hpp"
#include "core/secure_memory.hpp"
#include "core/sodium.hpp"

namespace dotenv_run {

namespace {

std::string_view key_as_password(const SecretKey& key) {
  return {reinterpret_cast<const char*>(key.data()), SecretKey::size};
}

}  // namespace

void pbkdf2_sha256(std::string_view password, std::span<const unsigned char> salt, unsigned long iterations,
                   std::span<unsigned char> out) {
  if (iterations == 0 || iterations > INT_MAX || password.size() > INT_MAX || salt.size() > INT_MAX ||
      out.size() > INT_MAX) {
    throw Error(kExitSoftware, "PBKDF2: a parameter is out of range");
  }
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(), static_cast<int>(salt.size()),
                        static_cast<int>(iterations), EVP_sha256(), static_cast<int>(out.size()), out.data()) != 1) {
    throw Error(kExitSoftware, "PBKDF2: OpenSSL failed to derive the key proof");
  }
}

bool key_matches_proof(const SecretKey& key, const KeyProof& proof) {
  if (proof.algorithm != kKeyProofAlgorithm) {
    throw Error(kExitDataError, "key proof: unknown algorithm (only pbkdf2-sha256 is supported)");
  }
  if (proof.iterations < kKeyProofMinIterations || proof.iterations > kKeyProofMaxIterations) {
    throw Error(kExitDataError, fmt::format("key proof: {} iterations is outside the accepted range {} to {}",
                                            proof.iterations, kKeyProofMinIterations, kKeyProofMaxIterations));
  }
  const auto salt = base64_decode(proof.salt_b64);
  if (!salt || salt->size() != kKeyProofSaltBytes) {
    throw Error(kExitDataError, "key proof: the salt is not base64 of 16 bytes");
  }
  const auto expected = base64_decode(proof.proof_b64);
  if (!expected || expected->size() != kKeyProofBytes) {
    throw Error(kExitDataError, "key proof: the proof is not base64 of 32 bytes");
  }
  std::array<unsigned char, kKeyProofBytes> computed{};
  pbkdf2_sha256(key_as_password(key), *salt, proof.iterations, computed);
  const bool match = sodium_memcmp(computed.data(), expected->data(), computed.size()) == 0;
  wipe(computed.data(), computed.size());
  return match;
}

KeyProof make_key_proof(const SecretKey& key, unsigned long iterations) {
  if (iterations < kKeyProofMinIterations || iterations > kKeyProofMaxIterations) {
    throw Error(kExitSoftware, fmt::format("key proof: {} iterations is outside the accepted range {} to {}",
                                           iterations, kKeyProofMinIterations, kKeyProofMaxIterations));
  }
  std::array<unsigned char, kKeyProofSaltBytes> salt{};
  randombytes_buf(salt.data(), salt.size());
  std::array<unsigned char, kKeyProofBytes> proof{};
  pbkdf2_sha256(key_as_password(key), salt, iterations, proof);
  return {std::string(kKeyProofAlgorithm), iterations, base64_encode(salt), base64_encode(proof)};
}

}  // namespace dotenv_run
