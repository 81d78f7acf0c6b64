// The sealed contents of an offline fallback file (docs/fallback.md): a resolve answer as
// received, its time, sealed with the fallback key and bound to the levels it answers.
#pragma once

#include <cstdint>
#include <memory_resource>
#include <string>
#include <string_view>

#include "api/answer.hpp"
#include "core/key.hpp"
#include "core/secure_memory.hpp"

namespace dotenv_run {

// The first line of every fallback file; its version names the format.
inline constexpr std::string_view kFallbackHeader = "dotenv-run fallback 1\n";

// The organization, project, target and environment of `query`, each followed by a NUL (an
// absent one empty): no two queries share it. Bound into the sealing, hashed into the file name.
std::string fallback_query_text(const ResolveQuery& query);

// The file's bytes: the header, a random nonce and the XChaCha20-Poly1305 sealing of a JSON
// object holding `written_at` (Unix seconds) and the answer's organization, project, levels
// (ids, versions, blobs as received) and key (a server-managed key; for a client-managed one
// only its proof). The associated data is the header and the query's organization, project,
// target and environment, so the file opens for no other query. The plaintext is built in
// `mem`; the result holds no plaintext.
std::string seal_fallback(const ResolveAnswer& answer, const ResolveQuery& query, std::int64_t written_at,
                          const SecretKey& fallback_key, std::pmr::memory_resource* mem);

struct OpenedFallback {
  ResolveAnswer answer;  // parsed and checked as an answer from the API is (api/answer.hpp)
  std::int64_t written_at = 0;
};

// Opens `file` (as seal_fallback wrote it) for `query` into `mem`. Error(kExitDataError, "<what>:
// ...") when it is not a fallback file, does not open (changed, another query's, another
// fallback key) or does not hold a valid answer; never any content.
OpenedFallback open_fallback(std::string_view file, const ResolveQuery& query, const SecretKey& fallback_key,
                             std::string_view what, std::pmr::memory_resource* mem);

}  // namespace dotenv_run
