// Key proofs (docs/api.md section 8): PBKDF2-HMAC-SHA256 of the project key, to tell a wrong key early.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace dotenv_run {

class SecretKey;

// The parameters and proof that `GET key` returns for a client-managed key.
struct KeyProof {
  std::string algorithm;  // only "pbkdf2-sha256"
  unsigned long iterations;
  std::string salt_b64;   // base64 of 16 bytes
  std::string proof_b64;  // base64 of 32 bytes
};

inline constexpr std::string_view kKeyProofAlgorithm = "pbkdf2-sha256";
inline constexpr unsigned long kKeyProofMinIterations = 1000;
// A hostile server must not make us spin for hours: 10 million iterations is about ten seconds.
inline constexpr unsigned long kKeyProofMaxIterations = 10'000'000;
inline constexpr std::size_t kKeyProofSaltBytes = 16;
inline constexpr std::size_t kKeyProofBytes = 32;

// True when the key matches (compared in constant time). Throws Error(kExitDataError) for an unknown
// algorithm, a salt or proof that is not base64 of the right length, or iterations out of range.
bool key_matches_proof(const SecretKey& key, const KeyProof& proof);

// A proof of `key` with a fresh random salt.
KeyProof make_key_proof(const SecretKey& key, unsigned long iterations = 210000);

// PBKDF2-HMAC-SHA256 (OpenSSL), filling all of `out`.
void pbkdf2_sha256(std::string_view password, std::span<const unsigned char> salt, unsigned long iterations,
                   std::span<unsigned char> out);

}  // namespace dotenv_run
