// One level's secrets over the API, as pieces a command (or a key rotation) puts together:
// where the level is, what it holds, the key that opens it, sealing a new text, and the
// conditional writes that replace or clear it (docs/api.md sections 4, 6 and 8).
#pragma once

#include <cstdint>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "api/client.hpp"
#include "api/settings.hpp"
#include "core/key.hpp"
#include "core/secure_memory.hpp"

namespace dotenv_run {

// The deepest of -p/-t/-e names the level.
struct LevelRef {
  std::string org;  // the organization's ULID in upper case, as it is bound into every blob
  std::string project;
  std::optional<std::string> target, environment;

  std::string_view kind() const;  // "project", "target" or "environment"
  std::string_view slug() const;  // the deepest slug
  // For API error lines: "project api", "target web of project api", "environment production of api/web".
  std::string subject() const;
  // For blob and .env errors: "level environment production".
  std::string source() const;
  std::string secrets_path() const;  // /api/v1/<org>/<project>[/<target>[/<environment>]]/secrets
  std::string key_path() const;      // /api/v1/<org>/<project>/key
};

// Checks the organization (a ULID, either case; kept upper case) and the slugs before any
// request: Error(kExitConfig) as the resolve call does, and for an environment without a target.
LevelRef make_level_ref(std::string_view org, std::string_view project, std::optional<std::string> target,
                        std::optional<std::string> environment);

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

// A project key ready to open and seal, and what a write must prove about it.
struct ProjectKey {
  bool client_managed = false;
  unsigned version = 0;
  SecretKey key;
  std::string proof;  // client-managed: the key proof string that writes send; empty otherwise
  std::string source;  // where the key came from, for lines: "the API" or "--key-file"
};

// GET key (needs key:retrieve). Server-managed: the key of the answer. Client-managed:
// `client_key` (the key file or variable that read_credentials found), checked against the
// answer's key proof before anything is decrypted or sent. Error(kExitConfig) when a
// client-managed project has no key given or the key is not base64 of 32 bytes,
// Error(kExitDataError) when it does not match the proof.
ProjectKey fetch_project_key(ApiClient& client, const LevelRef& ref, const std::optional<SecretSetting>& client_key,
                             std::pmr::memory_resource* mem);

// Checks `key` against a key proof object of an answer ({"algorithm", "iterations", "salt",
// "proof"}): Error(kExitDataError) "<what> does not match project <slug>" on a mismatch, and
// Error(kExitUnavailable) when the object is malformed.
void check_key_against_proof(const SecretKey& key, const rapidjson::Value& key_proof, std::string_view what,
                             std::string_view project);

// The level's text, opened with `key` (version `key_version`): empty for a level without a
// blob. Error(kExitDataError) naming the level for a blob under another key version or one
// that does not open.
SecretString open_level(const LevelState& state, const LevelRef& ref, const SecretKey& key, unsigned key_version,
                        std::pmr::memory_resource* mem);

// Refuses a text dotenv-run could not read (Error(kExitDataError) "<source>: line N: ..."):
// the grammar, and every ${...} expression, whatever the names it refers to are set to.
void check_level_text(std::string_view text, std::string_view source, std::pmr::memory_resource* mem);

// Seals `text` for the level `level_id` under a fresh nonce, then opens the new blob again and
// checks that it gives `text` back and that it parses: what is sent is always readable.
std::string seal_level(std::string_view text, const LevelRef& ref, std::string_view level_id, const SecretKey& key,
                       unsigned key_version, std::pmr::memory_resource* mem);

// What one conditional write did.
struct WriteResult {
  bool conflict = false;   // 409 version_conflict: nothing was changed
  std::string conflict_line;  // the API's line for it (status, message, request id)
  LevelState state;        // after a write: the level as the answer (or the read-back) gives it
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
