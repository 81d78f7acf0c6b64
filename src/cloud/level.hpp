// One level over the API: where it is (LevelRef: names, paths, query), what it holds (LevelState),
// opening and sealing its text, and the conditional writes that replace or clear it
// (docs/api.md sections 4, 6 and 8). Every command that touches a level goes through these.
#pragma once

#include <cstdint>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "api/client.hpp"
#include "core/key.hpp"
#include "core/secure_memory.hpp"

namespace dotenv_run {

class Session;

// Where a level is: the deepest of project, target and environment.
struct LevelRef {
  std::string org;  // the organization's ULID in upper case, as it is bound into every blob
  std::string project;
  std::optional<std::string> target, environment;

  std::string_view kind() const;  // "project", "target" or "environment"
  std::string_view slug() const;  // the deepest slug
  // For lines: "project api", "target web of project api", "environment production of api/web".
  std::string name() const;
  // For blob and .env errors: "level environment production".
  std::string source() const;
  // /api/v1/<org>/<project>[/<target>[/<environment>]]/secrets, parts escaped.
  std::string secrets_path() const;
  // "project=api[&target=web[&environment=production]]", values escaped.
  std::string query() const;
};

// "/api/v1/<org>/<project>", parts escaped: where a project's paths start.
std::string project_path(std::string_view org, std::string_view project);

// Checks the organization (a ULID, either case; kept upper case) and the slugs before any
// request: Error(kExitConfig) as the resolve call does, and for an environment without a target.
LevelRef make_level_ref(std::string_view org, std::string_view project, std::optional<std::string> target,
                        std::optional<std::string> environment);

// The level a session's -p/-t/-e name (make_level_ref's checks; Error(kExitConfig) without a project).
LevelRef level_of(const Session& session);

// A level object (docs/api.md section 4). The blob is ciphertext: nothing here is secret.
struct LevelState {
  std::string id;  // the level's ULID, bound into its blob
  std::optional<std::uint64_t> version;
  std::optional<unsigned> key_version;
  std::optional<std::string> blob;  // nullopt: the level holds no secrets
  // What a conditional write names: the version, or 0 while the level has no blob (section 6).
  std::uint64_t base_version() const { return version.value_or(0); }
};

// Reads a level object, checked field by field: Error(kExitUnavailable) naming the field
// ("the API's answer to <what> is malformed: field blob is not a string or null").
LevelState parse_level_state(const rapidjson::Value& data, std::string_view what);

// GET .../secrets of the level.
LevelState read_level(ApiClient& client, const LevelRef& ref, std::pmr::memory_resource* mem);

// The level's text, opened with `key` (version `key_version`): empty for a level without a
// blob. Error(kExitDataError) naming the level for a blob under another key version or one
// that does not open.
SecretString open_level(const LevelState& state, const LevelRef& ref, const SecretKey& key, unsigned key_version,
                        std::pmr::memory_resource* mem);

// Refuses a text dotenv-run could not read (Error(kExitDataError) "<source>: line N: ..."):
// the grammar, and every ${...} expression, whatever the names it refers to are set to.
void check_level_text(std::string_view text, std::string_view source, std::pmr::memory_resource* mem);

// Seals `text` for the level `level_id` of `org` under a fresh nonce, then opens the new blob
// again and checks (in constant time) that it gives `text` back: what is sent always opens.
// Error(kExitSoftware) naming `what` when it does not. For levels and backups alike.
std::string seal_checked(std::string_view text, const SecretKey& key, unsigned key_version, std::string_view org,
                         std::string_view level_id, std::string_view what, std::pmr::memory_resource* mem);

// A new text of the level: check_level_text, then seal_checked.
std::string seal_level(std::string_view text, const LevelRef& ref, std::string_view level_id, const SecretKey& key,
                       unsigned key_version, std::pmr::memory_resource* mem);

// What one conditional write did.
struct WriteResult {
  bool conflict = false;      // 409 version_conflict: nothing was changed
  bool stale_key = false;     // 422 on key_version: the key was rotated since it was fetched; nothing changed
  std::string conflict_line;  // the API's line for either (status, message, request id)
  LevelState state;           // after a write: the level as the answer (or the read-back) gives it
};

// PUT /{org}/secrets with base_version (and the key proof of a client-managed key). A lost
// answer is settled by reading the level back: the write applied if the level holds this
// very blob (every blob has its own nonce). Other failures throw as ApiClient::send does.
WriteResult put_level(ApiClient& client, const LevelRef& ref, std::string_view blob, unsigned key_version,
                      std::uint64_t base_version, std::string_view key_proof, std::pmr::memory_resource* mem);

// DELETE /{org}/secrets with base_version: the level's blob is saved as a backup and cleared.
WriteResult clear_level(ApiClient& client, const LevelRef& ref, std::uint64_t base_version,
                        std::pmr::memory_resource* mem);

}  // namespace dotenv_run
