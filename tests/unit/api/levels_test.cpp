// Tests of opening a resolve answer: which key, its proof, key versions, empty levels.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <string>

#include "api/levels.hpp"
#include "core/blob.hpp"
#include "core/key_proof.hpp"
#include "support/error_of.hpp"

using namespace dotenv_run;

namespace {

constexpr std::string_view kOrg = "01JORG00000000000000000000";
constexpr std::string_view kProjectId = "01JPRJ00000000000000000000";
constexpr std::string_view kEnvId = "01JENV00000000000000000000";

// An answer whose views point into strings this fixture owns (as parse_resolve_answer's
// point into the body).
struct Answer {
  std::string project_blob, env_blob, key_b64, salt, proof;
  ResolveAnswer answer{SecretString()};

  Answer(const SecretKey& key, std::string_view mode, unsigned key_version = 2) {
    project_blob = seal_blob("A=project\nB=project\n", key, key_version, kOrg, kProjectId);
    env_blob = seal_blob("B=environment\n", key, key_version, kOrg, kEnvId);
    answer.org_id = kOrg;
    answer.project_slug = "api";
    answer.levels = {{"project", kProjectId, "api", 7, key_version, project_blob},
                     {"target", "01JTGT00000000000000000000", "web", std::nullopt, std::nullopt, std::nullopt},
                     {"environment", kEnvId, "production", 3, key_version, env_blob}};
    answer.key.mode = mode;
    answer.key.version = key_version;
    if (mode == "server") {
      key_b64 = key.to_base64();
      answer.key.key_b64 = key_b64;
    } else {
      KeyProof p = make_key_proof(key, 1000);
      salt = p.salt_b64;
      proof = p.proof_b64;
      answer.key.proof = KeyProofView{"pbkdf2-sha256", 1000, salt, proof};
    }
  }
};

std::optional<SecretSetting> client_key(const SecretKey& key, std::pmr::memory_resource* mem) {
  std::string b64 = key.to_base64();
  return SecretSetting{SecretString(b64, mem), "DOTENV_CLOUD_KEY_FILE=/run/key"};
}

// A server-managed answer as the API sends it, blobs under key version 2: the project level holds
// `project_blob`, the target level nothing, the environment level `env_blob` (nothing when empty).
std::string answer_json(std::string_view project_blob, std::string_view env_blob, const SecretKey& key) {
  const std::string environment =
      env_blob.empty() ? std::string(R"("version": null, "key_version": null, "blob": null)")
                       : fmt::format(R"("version": 3, "key_version": 2, "blob": "{}")", env_blob);
  return fmt::format(
      R"({{"data": {{"organization": {{"id": "{0}"}},
        "project": {{"id": "{1}", "slug": "api", "encryption": "server"}},
        "target": {{"id": "01JTGT00000000000000000000", "slug": "web"}},
        "environment": {{"id": "{2}", "slug": "production"}},
        "levels": [
          {{"level": "project", "id": "{1}", "version": 7, "key_version": 2, "blob": "{3}"}},
          {{"level": "target", "id": "01JTGT00000000000000000000", "version": null, "key_version": null, "blob": null}},
          {{"level": "environment", "id": "{2}", {4}}}],
        "key": {{"mode": "server", "version": 2, "key": "{5}"}}}}}})",
      kOrg, kProjectId, kEnvId, project_blob, environment, key.to_base64());
}

}  // namespace

TEST_CASE("a server-managed project opens every level with the key in the answer") {
  SecretArena arena;
  SecretKey key = SecretKey::generate();
  Answer a(key, "server");
  std::vector<Source> sources = open_levels(a.answer, std::nullopt, arena.resource());
  REQUIRE(sources.size() == 3);
  CHECK(sources[0].name == "level project api");
  CHECK(sources[0].text == "A=project\nB=project\n");
  CHECK(sources[0].detail == "version 7");
  CHECK(sources[1].name == "level target web");
  CHECK(sources[1].text.empty());
  CHECK(sources[1].detail == "no secrets");
  CHECK(sources[2].text == "B=environment\n");
}

TEST_CASE("a client-managed project opens with the client key once its proof matches") {
  SecretArena arena;
  SecretKey key = SecretKey::generate();
  Answer a(key, "client");
  CHECK(open_levels(a.answer, client_key(key, arena.resource()), arena.resource())[2].text == "B=environment\n");
}

TEST_CASE("a client key that does not match the proof is refused before any blob is opened") {
  SecretArena arena;
  SecretKey key = SecretKey::generate();
  Answer a(key, "client");
  SecretKey other = SecretKey::generate();
  CHECK(testing::error_of(kExitDataError, [&] {
          open_levels(a.answer, client_key(other, arena.resource()), arena.resource());
        }) == "the project key from DOTENV_CLOUD_KEY_FILE=/run/key does not match project api");
}

TEST_CASE("a client-managed project without a client key is a configuration error") {
  SecretArena arena;
  Answer a(SecretKey::generate(), "client");
  CHECK(testing::error_of(kExitConfig, [&] { open_levels(a.answer, std::nullopt, arena.resource()); }) ==
        "project api is client-managed: give its key with DOTENV_CLOUD_KEY_FILE, DOTENV_CLOUD_KEY, --key-file or a "
        "systemd credential dotenv-cloud-key");
}

TEST_CASE("a malformed client key is a configuration error that does not echo it") {
  SecretArena arena;
  Answer a(SecretKey::generate(), "client");
  std::optional<SecretSetting> bad = SecretSetting{SecretString("not-a-key", arena.resource()), "DOTENV_CLOUD_KEY"};
  std::string message = testing::error_of(kExitConfig, [&] { open_levels(a.answer, bad, arena.resource()); });
  CHECK(message.find("not-a-key") == std::string::npos);
  CHECK(message.rfind("the project key from DOTENV_CLOUD_KEY: ", 0) == 0);
}

TEST_CASE("a blob sealed under another key version is refused, naming the level") {
  SecretArena arena;
  SecretKey key = SecretKey::generate();
  Answer a(key, "server", 2);
  a.answer.key.version = 3;
  CHECK(testing::error_of(kExitDataError, [&] { open_levels(a.answer, std::nullopt, arena.resource()); }) ==
        "level project api is sealed with key version 2, but the key is version 3");
}

TEST_CASE("a blob moved to another level does not open") {
  SecretArena arena;
  SecretKey key = SecretKey::generate();
  Answer a(key, "server");
  a.answer.levels[2].blob = a.project_blob;  // the project's blob served as the environment's
  std::string message =
      testing::error_of(kExitDataError, [&] { open_levels(a.answer, std::nullopt, arena.resource()); });
  CHECK(message.rfind("level environment production: ", 0) == 0);
}

TEST_CASE("an answer not used after opens to the same texts, each blob decoded over its own text") {
  SecretArena arena;
  const SecretKey key = SecretKey::generate();
  const std::string project_blob = seal_blob(std::string(3000, 'p') + "=1\n", key, 2, kOrg, kProjectId);
  const std::string env_blob = seal_blob("B=environment\n", key, 2, kOrg, kEnvId);
  const std::string json = answer_json(project_blob, env_blob, key);
  const ResolveQuery query{std::string(kOrg), "api", "web", "production"};
  const ResolveAnswer kept = parse_resolve_answer(secret_copy(json, arena.resource()), query);
  ResolveAnswer spent = parse_resolve_answer(secret_copy(json, arena.resource()), query);

  const std::vector<Source> copied = open_levels(kept, std::nullopt, arena.resource());
  const std::vector<Source> in_place = open_levels(std::move(spent), std::nullopt, arena.resource());
  REQUIRE(in_place.size() == copied.size());
  for (std::size_t i = 0; i < copied.size(); ++i) {
    CHECK(in_place[i].name == copied[i].name);
    CHECK(in_place[i].text == copied[i].text);
    CHECK(in_place[i].detail == copied[i].detail);
  }
  CHECK(std::string_view(in_place[0].text) == std::string(3000, 'p') + "=1\n");
  CHECK(*kept.levels[0].blob == project_blob);
  CHECK(*spent.levels[0].blob != project_blob);  // NOLINT(bugprone-use-after-move): open_levels took a reference
}

TEST_CASE("texts opened over an answer outlive the answer: its body is handed to the arena, which wipes it") {
  SecretArena arena;
  const SecretKey key = SecretKey::generate();
  const std::string blob = seal_blob("A=in place\n", key, 2, kOrg, kProjectId);
  const std::string json = answer_json(blob, "", key);
  const ResolveQuery query{std::string(kOrg), "api", "web", "production"};
  std::vector<Source> sources;
  {
    ResolveAnswer answer = parse_resolve_answer(secret_copy(json, arena.resource()), query);
    const char* body = answer.body.data();
    sources = open_levels(std::move(answer), std::nullopt, arena.resource());
    CHECK(sources[0].text.data() > body);  // decrypted over the blob's own text
    CHECK(sources[0].text.data() < body + json.size());
  }
  REQUIRE(sources.size() == 3);
  CHECK(sources[0].text == "A=in place\n");
  CHECK(arena.chunks().holds(sources[0].text.data()));

  // A body in other memory is not handed over: each level is opened into the arena instead.
  std::pmr::monotonic_buffer_resource elsewhere;
  sources = open_levels(parse_resolve_answer(secret_copy(json, &elsewhere), query), std::nullopt, arena.resource());
  CHECK(sources[0].text == "A=in place\n");
  CHECK(arena.chunks().holds(sources[0].text.data()));
}
