// The dcv1 blob format (docs/api.md section 8): seal and open a level's .env text.
#pragma once

#include <array>
#include <cstddef>
#include <memory_resource>
#include <span>
#include <string>
#include <string_view>

#include "core/key.hpp"
#include "core/secure_memory.hpp"

namespace dotenv_run {

inline constexpr std::size_t kBlobNonceBytes = 24;
inline constexpr std::size_t kBlobTagBytes = 16;
inline constexpr std::size_t kBlobPaddingBlock = 256;

// The key version named by a blob's "dcv1:<version>:" prefix, to pick the key that opens it.
// Throws Error(kExitDataError, "<what>: ...") for an unknown prefix or a malformed version.
unsigned blob_key_version(std::string_view blob, std::string_view what);

// Pads `plaintext` to a multiple of 256 bytes and seals it under a random nonce, bound to the
// organization and the level that will own the blob.
std::string seal_blob(std::string_view plaintext, const SecretKey& key, unsigned key_version, std::string_view org_id,
                      std::string_view level_id);

// Opens a blob straight into `mem` (the secret arena) and removes the padding. `what` names the
// level in errors, e.g. "level environment production". Every failure is Error(kExitDataError)
// naming `what` and the cause; no plaintext survives a failure.
SecretString open_blob(std::string_view blob, const SecretKey& key, std::string_view org_id, std::string_view level_id,
                       std::string_view what, std::pmr::memory_resource* mem);

// open_blob over the blob's own text, which it overwrites: the base64 is decoded in place and the
// ciphertext decrypted in place, so the result views the plaintext inside `blob` (no copy, nothing
// allocated). `blob` must be secret memory, and the view lives as long as it. On a failure `blob`
// holds no plaintext.
std::string_view open_blob_in_place(std::span<char> blob, const SecretKey& key, std::string_view org_id,
                                    std::string_view level_id, std::string_view what);
namespace detail {
// seal_blob with a chosen nonce, so known-answer tests can compare blobs byte for byte.
std::string seal_blob_with_nonce(std::string_view plaintext, const SecretKey& key, unsigned key_version,
                                 std::string_view org_id, std::string_view level_id,
                                 std::span<const unsigned char, kBlobNonceBytes> nonce);
}  // namespace detail

}  // namespace dotenv_run
