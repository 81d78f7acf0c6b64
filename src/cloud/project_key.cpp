// Reading the key and its history; the key a write seals with; the key ring; fingerprints.
#include "cloud/project_key.hpp"

#include <sodium.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <limits>

#include "api/client.hpp"
#include "cloud/data_answer.hpp"
#include "cloud/level.hpp"
#include "cloud/pages.hpp"
#include "core/blob.hpp"
#include "core/error.hpp"
#include "core/sodium.hpp"

namespace dotenv_run {

namespace {

std::string key_path(const std::string& org, const std::string& project) { return project_path(org, project) + "/key"; }

// A string member, or "" when it is missing or not a string (dates: shown, never relied on).
std::string text_member(const rapidjson::Value& object, const char* name) {
  const rapidjson::Value* v = member(object, name);
  if (v == nullptr || !v->IsString()) return {};
  return {v->GetString(), v->GetStringLength()};
}

// One key object (GET key, or a history item): mode decides whether "key" or "key_proof" must be there.
KeyVersion key_version_of(const rapidjson::Value& data, bool client_managed, const std::string& what) {
  if (!data.IsObject()) malformed_answer(what, "a key that is not an object");
  KeyVersion out;
  const auto version = count_field(data, "version", what, std::numeric_limits<unsigned>::max());
  if (!version || *version == 0) malformed_answer(what, "field version is not a positive integer");
  out.version = static_cast<unsigned>(*version);
  out.created_at = text_member(data, "created_at");
  out.retired_at = text_member(data, "retired_at");
  if (client_managed) {
    const rapidjson::Value* proof = member(data, "key_proof");
    if (proof == nullptr || !(out.proof = key_proof_of(*proof))) {
      malformed_answer(what, "a client-managed key without its key_proof");
    }
  } else {
    out.key = SecretKey::from_base64(*string_field(data, "key", what),
                                     fmt::format("key version {} in the API answer", out.version));
  }
  return out;
}

}  // namespace

std::optional<KeyProof> key_proof_of(const rapidjson::Value& value) {
  const rapidjson::Value* iterations = member(value, "iterations");
  if (iterations == nullptr || !iterations->IsUint64()) return std::nullopt;
  // Clamped, so that no cast wraps a huge count into an acceptable one (key_matches_proof refuses it).
  KeyProof proof{
      text_member(value, "algorithm"),
      static_cast<unsigned long>(std::min<std::uint64_t>(iterations->GetUint64(), kKeyProofMaxIterations + 1)),
      text_member(value, "salt"), text_member(value, "proof")};
  if (proof.algorithm.empty() || proof.salt_b64.empty() || proof.proof_b64.empty()) return std::nullopt;
  return proof;
}

ProjectKey read_project_key(ApiClient& client, const std::string& org, const std::string& project,
                            std::pmr::memory_resource* mem) {
  ApiRequest request;
  request.path = key_path(org, project);
  request.subject = {"project " + project};
  const std::string what = "GET " + request.path;
  const DataAnswer answer(client.send(request, mem), what);
  const std::string mode = text_member(answer.data(), "mode");
  if (mode != "server" && mode != "client") malformed_answer(what, "\"mode\" is neither server nor client");
  ProjectKey out;
  out.client_managed = mode == "client";
  out.current = key_version_of(answer.data(), out.client_managed, what);
  return out;
}

std::vector<KeyVersion> read_key_history(ApiClient& client, const std::string& org, const std::string& project,
                                         std::pmr::memory_resource* /*unused*/) {
  const std::string path = key_path(org, project) + "/history";
  std::vector<KeyVersion> out;
  for_each_item(client, path, {"project " + project}, std::nullopt, [&](const rapidjson::Value& item) {
    const bool client_managed = item.IsObject() && item.HasMember("key_proof");
    out.push_back(key_version_of(item, client_managed, "GET " + path));
  });
  return out;
}

SecretKey client_key(const std::optional<SecretSetting>& setting, std::string_view project) {
  if (!setting) {
    throw Error(kExitConfig, fmt::format("project {} is client-managed: give its key with --key-file, "
                                         "DOTENV_CLOUD_KEY_FILE, DOTENV_CLOUD_KEY or a systemd credential "
                                         "dotenv-cloud-key",
                                         project));
  }
  try {
    return SecretKey::from_base64(setting->value, fmt::format("the key from {}", setting->source));
  } catch (const Error& e) {
    throw Error(kExitConfig, e.what());
  }
}

SealingKey sealing_key(ApiClient& client, const std::string& org, const std::string& project,
                       const std::optional<SecretSetting>& setting, std::pmr::memory_resource* mem) {
  ProjectKey described = read_project_key(client, org, project, mem);
  KeyVersion& current = described.current;
  if (!described.client_managed) return SealingKey{current.version, std::move(*current.key), {}};
  SecretKey key = client_key(setting, project);
  if (!key_matches_proof(key, *current.proof)) {
    throw Error(kExitDataError, fmt::format("the project key from {} does not match project {}: nothing was read or "
                                            "written",
                                            setting->source, project));
  }
  return SealingKey{current.version, std::move(key), current.proof->proof_b64};
}

SecretString KeyRing::open(std::string_view blob, std::string_view org, std::string_view level_id,
                           std::string_view what, std::pmr::memory_resource* mem) const {
  const unsigned version = blob_key_version(blob, what);
  const SecretKey* key = find(version);
  if (key == nullptr) {
    throw Error(kExitDataError,
                fmt::format("{}: is sealed with key version {}, and no key given is that version", what, version));
  }
  return open_blob(blob, *key, org, level_id, what, mem);
}

KeyRing project_keys(ApiClient& client, const std::string& org, const std::string& project,
                     const std::optional<SecretSetting>& setting, std::pmr::memory_resource* mem) {
  std::vector<KeyVersion> history = read_key_history(client, org, project, mem);
  KeyRing keys;
  const bool client_managed = !history.empty() && history.front().proof.has_value();
  if (!client_managed) {
    for (KeyVersion& entry : history) {
      if (entry.key) keys.add(entry.version, std::move(*entry.key));
    }
    return keys;
  }
  SecretKey key = client_key(setting, project);
  for (const KeyVersion& entry : history) {
    if (entry.proof && key_matches_proof(key, *entry.proof)) {
      keys.add(entry.version, std::move(key));
      return keys;
    }
  }
  throw Error(kExitDataError,
              fmt::format("the key from {} is none of the key versions of project {}", setting->source, project));
}

std::string key_fingerprint(const SecretKey& key) {
  ensure_sodium();
  unsigned char hash[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(hash, key.data(), SecretKey::size);
  char hex[2 * 8 + 1];
  sodium_bin2hex(hex, sizeof hex, hash, 8);
  return fmt::format("sha256:{}", hex);
}

bool same_key(const SecretKey& a, const SecretKey& b) {
  return sodium_memcmp(a.data(), b.data(), SecretKey::size) == 0;
}

}  // namespace dotenv_run
