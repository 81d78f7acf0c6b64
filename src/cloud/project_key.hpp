// A project's key as the API describes it (GET key, GET key/history: docs/api.md sections 6 and 8),
// and the keys a command holds, by key version.
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

namespace dotenv_run {

class ApiClient;

struct KeyVersion {
  unsigned version = 0;
  std::string created_at, retired_at;  // retired_at empty: the current version
  std::optional<SecretKey> key;        // server-managed
  std::optional<KeyProof> proof;       // client-managed
};

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

// The keys at hand, by key version.
class KeyRing {
 public:
  void add(unsigned version, SecretKey key) { keys_.insert_or_assign(version, std::move(key)); }
  const SecretKey* find(unsigned version) const {
    auto it = keys_.find(version);
    return it == keys_.end() ? nullptr : &it->second;
  }

 private:
  std::map<unsigned, SecretKey> keys_;
};

// A client-managed key from the settings (--key-file, DOTENV_CLOUD_KEY_FILE, ...): Error(kExitConfig)
// naming every way to give one when there is none, or naming its source when it is not a key.
SecretKey client_key(const std::optional<SecretSetting>& setting, std::string_view project);

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
