// A level over the API: its names and paths, reading it, opening and sealing with a check, conditional writes.
#include "cloud/level.hpp"

#include <fmt/format.h>

#include <sodium.h>

#include <limits>
#include <utility>

#include "api/api_error.hpp"
#include "api/resolve.hpp"
#include "cloud/data_answer.hpp"
#include "cloud/json_body.hpp"
#include "cloud/session.hpp"
#include "core/blob.hpp"
#include "core/dotenv.hpp"
#include "core/error.hpp"
#include "core/lookup.hpp"

namespace dotenv_run {

namespace {

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

std::string LevelRef::name() const {
  if (environment) return fmt::format("environment {} of {}/{}", *environment, project, *target);
  if (target) return fmt::format("target {} of project {}", *target, project);
  return fmt::format("project {}", project);
}

std::string LevelRef::source() const { return fmt::format("level {} {}", kind(), slug()); }

std::string project_path(std::string_view org, std::string_view project) {
  return fmt::format("/api/v1/{}/{}", url_escaped(org), url_escaped(project));
}

std::string LevelRef::secrets_path() const {
  std::string path = project_path(org, project);
  if (target) path += "/" + url_escaped(*target);
  if (environment) path += "/" + url_escaped(*environment);
  return path + "/secrets";
}

std::string LevelRef::query() const {
  std::string out = "project=" + url_escaped(project);
  if (target) out += "&target=" + url_escaped(*target);
  if (environment) out += "&environment=" + url_escaped(*environment);
  return out;
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
  ref.org = canonical_ulid(ref.org);
  return ref;
}

LevelRef level_of(const Session& session) {
  const Settings& settings = session.settings();
  std::optional<std::string> target, environment;
  if (settings.target) target = settings.target->value;
  if (settings.environment) environment = settings.environment->value;
  return make_level_ref(session.org(), session.project(), std::move(target), std::move(environment));
}

LevelState parse_level_state(const rapidjson::Value& data, std::string_view what) {
  if (!data.IsObject()) malformed_answer(what, "\"data\" is not an object");
  LevelState state;
  state.id = std::string(*string_field(data, "id", what));
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
  request.subject = {ref.name()};
  const std::string what = fmt::format("GET {}", ref.secrets_path());
  const DataAnswer answer(client.send(request, mem), what);
  return parse_level_state(answer.data(), what);
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

std::string seal_checked(std::string_view text, const SecretKey& key, unsigned key_version, std::string_view org,
                         std::string_view level_id, std::string_view what, std::pmr::memory_resource* mem) {
  std::string blob = seal_blob(text, key, key_version, org, level_id);
  const SecretString again = open_blob(blob, key, org, level_id, what, mem);
  if (again.size() != text.size() || sodium_memcmp(again.data(), text.data(), text.size()) != 0) {
    throw Error(kExitSoftware,
                fmt::format("{}: the new blob does not open to the text sealed; nothing was sent", what));
  }
  return blob;
}

std::string seal_level(std::string_view text, const LevelRef& ref, std::string_view level_id, const SecretKey& key,
                       unsigned key_version, std::pmr::memory_resource* mem) {
  const std::string source = ref.source();
  check_level_text(text, source, mem);
  return seal_checked(text, key, key_version, ref.org, level_id, source, mem);
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
  request.subject = {ref.name()};
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
  ApiResponse response = client.send_raw(request, mem);
  if (response.settled) return result;
  if (response.status < 200 || response.status >= 300) {
    HttpResponse http(mem);
    http.status = response.status;
    http.body = response.body;
    http.request_id = response.request_id;
    const Error error = api_error(http, client.settings(), ref.name());
    result.conflict = error.code() == kExitTempFail;
    // "the fix is to fetch the current key and re-seal" (docs/api.md section 6)
    result.stale_key = response.status == 422 && error_fields(http).first_field == "key_version";
    if (!result.conflict && !result.stale_key) throw error;
    result.conflict_line = error.what();
    return result;
  }
  const DataAnswer answer(std::move(response), fmt::format("PUT {}", request.path));
  result.state = parse_level_state(answer.data(), fmt::format("PUT {}", request.path));
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
  request.subject = {ref.name()};
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
