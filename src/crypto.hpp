// Project keys and the dcv1 blob format (API.md section 8): seal and open a level's .env text.
#pragma once

#include <array>
#include <cstddef>
#include <memory_resource>
#include <span>
#include <string>
#include <string_view>

#include "key_proof.hpp"
#include "secure_memory.hpp"

namespace dotenv_run {

// The 32 bytes of a project key in sodium_malloc'd memory: locked, out of core dumps, read-only
// once filled, wiped when destroyed. Move-only; a moved-from key holds nothing.
class SecretKey {
 public:
  static constexpr std::size_t size = 32;

  // Throws Error(kExitDataError, "<what>: not a base64 key of 32 bytes"); never echoes the input.
  static SecretKey from_base64(std::string_view b64, std::string_view what);
  static SecretKey generate();

  SecretKey(SecretKey&& other) noexcept;
  SecretKey& operator=(SecretKey&& other) noexcept;
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;
  ~SecretKey();

  // For tools and tests only: the launcher never needs the key as text.
  std::string to_base64() const;
  const unsigned char* data() const noexcept { return bytes_; }

 private:
  SecretKey();
  void seal() noexcept;
  unsigned char* bytes_ = nullptr;
};

inline constexpr std::size_t kBlobNonceBytes = 24;
inline constexpr std::size_t kBlobTagBytes = 16;
inline constexpr std::size_t kBlobPaddingBlock = 256;

// The key version named by a blob's "dcv1:<version>:" prefix, to pick the key that opens it.
// Throws Error(kExitDataError, "<what>: ...") for an unknown prefix or a malformed version.
unsigned blob_key_version(std::string_view blob, std::string_view what);

// Pads `plaintext` to a multiple of 256 bytes and seals it under a random nonce, bound to the
// organization and the level that will own the blob.
std::string seal_blob(std::string_view plaintext, const SecretKey& key, unsigned key_version,
                      std::string_view org_id, std::string_view level_id);

// Opens a blob straight into `mem` (the secret arena) and removes the padding. `what` names the
// level in errors, e.g. "level environment production". Every failure is Error(kExitDataError)
// naming `what` and the cause; no plaintext survives a failure.
SecretString open_blob(std::string_view blob, const SecretKey& key, std::string_view org_id,
                       std::string_view level_id, std::string_view what, std::pmr::memory_resource* mem);

namespace detail {
// seal_blob with a chosen nonce, so known-answer tests can compare blobs byte for byte.
std::string seal_blob_with_nonce(std::string_view plaintext, const SecretKey& key, unsigned key_version,
                                 std::string_view org_id, std::string_view level_id,
                                 std::span<const unsigned char, kBlobNonceBytes> nonce);
}  // namespace detail

}  // namespace dotenv_run
