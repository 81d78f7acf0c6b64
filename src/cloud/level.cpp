// A level's secrets over the API: reading, the key, sealing with a check, conditional writes.
#include "cloud/level.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <limits>
#include <utility>

#include "api/resolve.hpp"
#include "cloud/data_answer.hpp"
#include "cloud/json_body.hpp"
#include "core/blob.hpp"
#include "core/dotenv.hpp"
#include "core/error.hpp"
#include "core/key_proof.hpp"
#include "core/lookup.hpp"

namespace dotenv_run {

namespace {

std::string_view string_of(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

const rapidjson::Value* member(const rapidjson::Value& object, const char* name) {
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

// A field that must be a string (or, with `nullable`, null): the string, nullopt for null.
std::optional<std::string_view> string_field(const rapidjson::Value& object, const char* name, std::string_view what,
                                             bool nullable) {
  const rapidjson::Value* v = member(object, name);
  if (v != nullptr && v->IsString()) return string_of(*v);
  if (nullable && v != nullptr && v->IsNull()) return std::nullopt;
  malformed_answer(what, fmt::format("field {} is not a string{}", name, nullable ? " or null" : ""));
}

std::optional<std::uint64_t> count_field(const rapidjson::Value& object, const char* name, std::string_view what,
                                         std::uint64_t max) {
  const rapidjson::Value* v = member(object, name);
  if (v != nullptr && v->IsNull()) return std::nullopt;
  if (v == nullptr || !v->IsUint64() || v->GetUint64() > max)
    malformed_answer(what, fmt::format("field {} is not a non-negative integer or null", name));
  return v->GetUint64();
}

// Every name is set (to a non-empty value): a parse against it fails only on the grammar and
// on malformed ${...} expressions, never on a ${NAME:?} whose NAME another level sets.
class AnyNameLookup final : public Lookup {
 public:
  std::optional<std::string_view> find(std::string_view) const override { return "x"; }
};

// The body of a conditional write or clear: the level, then the fields given.
void level_fields(JsonBody& body, const LevelRef& ref) {
  body.field("project", ref.project);
  if (ref.target) body.field("target", *ref.target);
  if (ref.environment) body.field("environment", *ref.environment);
}

}  // namespace

std::string_view LevelRef::kind() const { return environment ? "environment" : target ? "target" : "project"; }

std::string_view LevelRef::slug() const { return environment ? *environment : target ? *target : project; }

std::string LevelRef::subject() const {
  if (environment) return fmt::format("environment {} of {}/{}", *environment, project, *target);
  if (target) return fmt::format("target {} of project {}", *target, project);
  return fmt::format("project {}", project);
}

std::string LevelRef::source() const { return fmt::format("level {} {}", kind(), slug()); }

std::string LevelRef::secrets_path() const {
  std::string path = fmt::format("/api/v1/{}/{}", url_escaped(org), url_escaped(project));
  if (target) path += "/" + url_escaped(*target);
  if (environment) path += "/" + url_escaped(*environment);
  return path + "/secrets";
}

std::string LevelRef::key_path() const {
  return fmt::format("/api/v1/{}/{}/key", url_escaped(org), url_escaped(project));
}

LevelRef make_level_ref(std::string_view org, std::string_view project, std::optional<std::string> target,
                        std::optional<std::string> environment) {
  check_organization_id(org);
  check_slug("project", project);
  if (target) check_slug("target", *target);
  if (environment) {
    if (!target) throw Error(kExitConfig, "an environment needs a target (--target or DOTENV_CLOUD_TARGET)");
    check_slug("environment", *environment);
  }
  LevelRef ref{std::string(org), std::string(project), std::move(target), std::move(environment)};
  std::transform(ref.org.begin(), ref.org.end(), ref.org.begin(),
                 [](char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); });
  return ref;
}

LevelState parse_level_state(const rapidjson::Value& data, std::string_view what) {
  if (!data.IsObject()) malformed_answer(what, "\"data\" is not an object");
  LevelState state;
  state.id = std::string(*string_field(data, "id", what, false));
  if (state.id.empty()) malformed_answer(what, "field id is empty");
  state.version = count_field(data, "version", what, std::numeric_limits<std::uint64_t>::max());
  if (auto v = count_field(data, "key_version", what, std::numeric_limits<unsigned>::max()))
    state.key_version = static_cast<unsigned>(*v);
  if (auto blob = string_field(data, "blob", what, true)) state.blob = std::string(*blob);
  if (state.blob && (!state.version || !state.key_version))
    malformed_answer(what, "a level with a blob has no version or key_version");
  return state;
}

LevelState read_level(ApiClient& client, const LevelRef& ref, std::pmr::memory_resource* mem) {
  ApiRequest request;
  request.path = ref.secrets_path();
  request.subject = {ref.subject()};
  const std::string what = fmt::format("GET {}", ref.secrets_path());
  const DataAnswer answer(client.send(request, mem), what);
  return parse_level_state(answer.data(), what);
}

void check_key_against_proof(const SecretKey& key, const rapidjson::Value& key_proof, std::string_view what,
                             std::string_view project) {
  const std::string answer = "the key answer";
  if (!key_proof.IsObject()) malformed_answer(answer, "field key_proof is not an object");
  const rapidjson::Value* iterations = member(key_proof, "iterations");
  if (iterations == nullptr || !iterations->IsUint64())
    malformed_answer(answer, "field key_proof.iterations is not a non-negative integer");
  KeyProof proof{std::string(*string_field(key_proof, "algorithm", answer, false)),
                 static_cast<unsigned long>(std::min<std::uint64_t>(iterations->GetUint64(), kKeyProofMaxIterations + 1)),
                 std::string(*string_field(key_proof, "salt", answer, false)),
                 std::string(*string_field(key_proof, "proof", answer, false))};
  if (!key_matches_proof(key, proof))
    throw Error(kExitDataError, fmt::format("{} does not match project {}: nothing was read or written", what, project));
}

ProjectKey fetch_project_key(ApiClient& client, const LevelRef& ref, const std::optional<SecretSetting>& client_key,
                             std::pmr::memory_resource* mem) {
  ApiRequest request;
  request.path = ref.key_path();
  request.subject = {fmt::format("the key of project {}", ref.project)};
  const std::string what = fmt::format("GET {}", ref.key_path());
  const DataAnswer answer(client.send(request, mem), what);
  const rapidjson::Value& data = answer.data();
  if (!data.IsObject()) malformed_answer(what, "\"data\" is not an object");
  const std::string_view mode = *string_field(data, "mode", what, false);
  const auto version = count_field(data, "version", what, std::numeric_limits<unsigned>::max());
  if (!version || *version == 0) malformed_answer(what, "field version is not a positive integer");

  if (mode == "server") {
    const std::string_view b64 = *string_field(data, "key", what, false);
    return ProjectKey{false, static_cast<unsigned>(*version), SecretKey::from_base64(b64, "the project key in the API answer"),
                      {}, "the API"};
  }
  if (mode != "client") malformed_answer(what, "field mode is neither \"server\" nor \"client\"");
  if (!client_key) {
    throw Error(kExitConfig, fmt::format("project {} is client-managed: give its key with --key-file, "
                                         "DOTENV_CLOUD_KEY_FILE, DOTENV_CLOUD_KEY or a systemd credential "
                                         "dotenv-cloud-key",
                                         ref.project));
  }
  const std::string key_what = fmt::format("the project key from {}", client_key->source);
  SecretKey key = [&] {
    try {
      return SecretKey::from_base64(client_key->value, key_what);
    } catch (const Error& e) {
      throw Error(kExitConfig, e.what());
    }
  }();
  const rapidjson::Value* proof = member(data, "key_proof");
  if (proof == nullptr) malformed_answer(what, "field key_proof is missing");
  check_key_against_proof(key, *proof, key_what, ref.project);
  return ProjectKey{true, static_cast<unsigned>(*version), std::move(key),
                    std::string(*string_field(*proof, "proof", what, false)), client_key->source};
}

SecretString open_level(const LevelState& state, const LevelRef& ref, const SecretKey& key, unsigned key_version,
                        std::pmr::memory_resource* mem) {
  if (!state.blob) return SecretString(mem);
  const std::string source = ref.source();
  const unsigned sealed_with = blob_key_version(*state.blob, source);
  if (sealed_with != key_version) {
    throw Error(kExitDataError, fmt::format("{} is sealed with key version {}, but the key is version {}", source,
                                            sealed_with, key_version));
  }
  return open_blob(*state.blob, key, ref.org, state.id, source, mem);
}

void check_level_text(std::string_view text, std::string_view source, std::pmr::memory_resource* mem) {
  parse_dotenv(text, source, AnyNameLookup{}, ParseOptions{true}, mem);
}

std::string seal_level(std::string_view text, const LevelRef& ref, std::string_view level_id, const SecretKey& key,
                       unsigned key_version, std::pmr::memory_resource* mem) {
  const std::string source = ref.source();
  check_level_text(text, source, mem);
  std::string blob = seal_blob(text, key, key_version, ref.org, level_id);
  const SecretString again = open_blob(blob, key, ref.org, level_id, source, mem);
  if (again != text) throw Error(kExitSoftware, fmt::format("{}: the new blob does not open to the text sealed", source));
  check_level_text(again, source, mem);
  return blob;
}

WriteResult put_level(ApiClient& client, const LevelRef& ref, std::string_view blob, unsigned key_version,
                      std::uint64_t base_version, std::string_view key_proof, std::pmr::memory_resource* mem) {
  JsonBody body;
  level_fields(body, ref);
  body.field("blob", blob).field("key_version", std::uint64_t{key_version}).field("base_version", base_version);
  if (!key_proof.empty()) body.field("key_proof", key_proof);

  WriteResult result;
  ApiRequest request;
  request.method = Method::kPut;
  request.path = fmt::format("/api/v1/{}/secrets", url_escaped(ref.org));
  request.json_body = body.text();
  request.subject = {ref.subject()};
  // Applied when the level holds this very blob; not applied when it still has the version
  // written against or another blob (a repeat then gets its 409 and the change is re-applied).
  request.settle = [&]() -> std::optional<bool> {
    LevelState now = read_level(client, ref, mem);
    if (now.blob && *now.blob == blob) {
      result.state = std::move(now);
      return true;
    }
    return false;
  };
  try {
    ApiResponse response = client.send(request, mem);
    if (response.settled) return result;
    const DataAnswer answer(std::move(response), fmt::format("PUT {}", request.path));
    result.state = parse_level_state(answer.data(), fmt::format("PUT {}", request.path));
  } catch (const Error& e) {
    if (e.code() != kExitTempFail) throw;
    result.conflict = true;
    result.conflict_line = e.what();
  }
  return result;
}

WriteResult clear_level(ApiClient& client, const LevelRef& ref, std::uint64_t base_version,
                        std::pmr::memory_resource* mem) {
  JsonBody body;
  level_fields(body, ref);
  body.field("base_version", base_version);

  WriteResult result;
  ApiRequest request;
  request.method = Method::kDelete;
  request.path = fmt::format("/api/v1/{}/secrets", url_escaped(ref.org));
  request.json_body = body.text();
  request.subject = {ref.subject()};
  // A level without a blob is what the clear makes; one that holds a blob was not cleared (or
  // was written again since: a repeat then conflicts and the loop reads again).
  request.settle = [&]() -> std::optional<bool> {
    LevelState now = read_level(client, ref, mem);
    const bool cleared = !now.blob;
    result.state = std::move(now);
    return cleared;
  };
  try {
    ApiResponse response = client.send(request, mem);
    if (!response.settled) result.state = LevelState{};
  } catch (const Error& e) {
    if (e.code() != kExitTempFail) throw;
    result.conflict = true;
    result.conflict_line = e.what();
  }
  return result;
}

}  // namespace dotenv_run
