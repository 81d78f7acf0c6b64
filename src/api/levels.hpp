// Opening the levels of a resolve answer: choosing and checking the key, then
// decrypting every blob into the arena, all or nothing.
#pragma once

#include <memory_resource>
#include <optional>
#include <vector>

#include "api/answer.hpp"
#include "api/settings.hpp"
#include "core/merge.hpp"

namespace dotenv_run {

// Server-managed projects use the key in the answer; client-managed ones need
// `client_key`, checked against the answer's key proof before anything is decrypted.
// Throws Error(kExitConfig) for a missing client key, Error(kExitDataError) for a key
// that does not match, a blob under another key version, or a blob that does not open.
std::vector<Source> open_levels(const ResolveAnswer& answer, const std::optional<SecretSetting>& client_key,
                                std::pmr::memory_resource* mem);

// The same for an answer that is not used after (a resolve's, straight from the call): each blob's
// base64 is decoded over its own text, so no copy of the ciphertext is made. The answer's blobs
// are left unusable.
std::vector<Source> open_levels(ResolveAnswer&& answer, const std::optional<SecretSetting>& client_key,
                                std::pmr::memory_resource* mem);

}  // namespace dotenv_run
