// A project's key (docs/api.md sections 6 and 8): what GET key and GET key/history say about it,
// the client-managed key from the settings checked against its proof, the key a write seals
// with, and the keys a command holds, by key version.
#pragma once

#include <map>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "api/settings.hpp"
#include "core/key.hpp"
#include "core/key_proof.hpp"
#include "core/secure_memory.hpp"

namespace dotenv_run {

class ApiClient;

// One key version as the API describes it.
struct KeyVersion {
  unsigned version = 0;
  std::string created_at, retired_at;  // retired_at empty: the current version
  std::optional<SecretKey> key;        // server-managed
  std::optional<KeyProof> proof;       // client-managed
};

// GET key: the mode and the current version.
struct ProjectKey {
  bool client_managed = false;
  KeyVersion current;
};

// GET key. Error(kExitUnavailable) for an answer that is not one of the two forms.
ProjectKey read_project_key(ApiClient& client, const std::string& org, const std::string& project,
                            std::pmr::memory_resource* mem);

// GET key/history, newest first (all pages).
std::vector<KeyVersion> read_key_history(ApiClient& client, const std::string& org, const std::string& project,
                                         std::pmr::memory_resource* mem);

// A client-managed key from the settings (--key-file, DOTENV_CLOUD_KEY_FILE, ...): Error(kExitConfig)
// naming every way to give one when there is none, or naming its source when it is not a key.
SecretKey client_key(const std::optional<SecretSetting>& setting, std::string_view project);

// The key new blobs are sealed with, and what a write must prove about it.
struct SealingKey {
  unsigned version = 0;
  SecretKey key;
  std::string proof;  // client-managed: the key proof string that writes send; empty otherwise
};

// GET key (needs key:retrieve). Server-managed: the key of the answer. Client-managed: client_key,
// checked against the current proof before anything is decrypted or sent (Error(kExitDataError)
// "the project key from <source> does not match project <project>: ...").
SealingKey sealing_key(ApiClient& client, const std::string& org, const std::string& project,
                       const std::optional<SecretSetting>& setting, std::pmr::memory_resource* mem);

// The keys at hand, by key version.
class KeyRing {
 public:
  void add(unsigned version, SecretKey key) { keys_.insert_or_assign(version, std::move(key)); }
  const SecretKey* find(unsigned version) const {
    auto it = keys_.find(version);
    return it == keys_.end() ? nullptr : &it->second;
  }
  // Opens `blob` (of the level `level_id` of `org`) with the key of the version it names:
  // Error(kExitDataError) naming `what` when no key here is that version or it does not open.
  SecretString open(std::string_view blob, std::string_view org, std::string_view level_id, std::string_view what,
                    std::pmr::memory_resource* mem) const;

 private:
  std::map<unsigned, SecretKey> keys_;
};

// The keys that open the project's blobs: server-managed, every version of the key history;
// client-managed, the key from the settings under the version whose proof it matches
// (Error(kExitDataError) when it matches none, Error(kExitConfig) when there is none).
KeyRing project_keys(ApiClient& client, const std::string& org, const std::string& project,
                     const std::optional<SecretSetting>& setting, std::pmr::memory_resource* mem);

// "sha256:<16 hex digits>": who a key is, without showing it.
std::string key_fingerprint(const SecretKey& key);

// The two keys hold the same bytes (compared in constant time).
bool same_key(const SecretKey& a, const SecretKey& b);

// A key proof object of the API ({"algorithm", "iterations", "salt", "proof"}), or nullopt.
std::optional<KeyProof> key_proof_of(const rapidjson::Value& value);

}  // namespace dotenv_run
