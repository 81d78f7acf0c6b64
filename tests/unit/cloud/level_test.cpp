// The one LevelRef: names, paths and query of each depth; the level object as parsed; a sealed
// text opens again to itself, and a blob under another key version is refused by name.
#include <doctest/doctest.h>

#include <rapidjson/document.h>

#include "cloud/level.hpp"
#include "core/blob.hpp"
#include "core/error.hpp"
#include "support/error_of.hpp"

using namespace dotenv_run;

namespace {

constexpr const char* kLowerOrg = "01je2e0test0rg000000000000";
constexpr const char* kLevelId = "01JE2E0LEVE10000000000000A";

rapidjson::Document json(const char* text) {
  rapidjson::Document doc;
  doc.Parse(text);
  return doc;
}

}  // namespace

TEST_CASE("a level is named, pathed and queried by its deepest slug, with the organization in upper case") {
  const LevelRef project = make_level_ref(kLowerOrg, "api", std::nullopt, std::nullopt);
  const LevelRef target = make_level_ref(kLowerOrg, "api", "web", std::nullopt);
  const LevelRef environment = make_level_ref(kLowerOrg, "api", "web", "production");
  CHECK(environment.org == "01JE2E0TEST0RG000000000000");
  CHECK(project.name() == "project api");
  CHECK(target.name() == "target web of project api");
  CHECK(environment.name() == "environment production of api/web");
  CHECK(environment.source() == "level environment production");
  CHECK(project.secrets_path() == "/api/v1/01JE2E0TEST0RG000000000000/api/secrets");
  CHECK(environment.secrets_path() == "/api/v1/01JE2E0TEST0RG000000000000/api/web/production/secrets");
  CHECK(target.query() == "project=api&target=web");
  CHECK(environment.query() == "project=api&target=web&environment=production");
}

TEST_CASE("an environment without a target, or a slug that is not one, is refused before any request") {
  CHECK(testing::error_of(kExitConfig, [] {
          make_level_ref(kLowerOrg, "api", std::nullopt, "production");
        }).starts_with("an environment needs a target"));
  testing::error_of(kExitConfig, [] { make_level_ref(kLowerOrg, "api/../x", std::nullopt, std::nullopt); });
  testing::error_of(kExitConfig, [] { make_level_ref("not-a-ulid", "api", std::nullopt, std::nullopt); });
}

TEST_CASE("a level object: no blob is an empty level at base version 0; a blob needs its versions") {
  const auto empty = json(R"({"id": "L1", "version": null, "key_version": null, "blob": null})");
  const LevelState state = parse_level_state(empty, "GET x");
  CHECK(state.id == "L1");
  CHECK_FALSE(state.blob);
  CHECK(state.base_version() == 0);
  const auto bad = json(R"({"id": "L1", "version": null, "key_version": 2, "blob": "dcv1..."})");
  CHECK(testing::error_of(kExitUnavailable, [&] { parse_level_state(bad, "GET x"); }) ==
        "the API's answer to GET x is malformed: a level with a blob has no version or key_version");
  const auto missing = json(R"({"id": "L1", "version": 3, "key_version": 2})");
  CHECK(testing::error_of(kExitUnavailable, [&] { parse_level_state(missing, "GET x"); }) ==
        "the API's answer to GET x is malformed: field blob is not a string or null");
}

TEST_CASE("a sealed text opens again to itself; under another key version it is refused by the level's name") {
  SecretArena arena;
  const LevelRef ref = make_level_ref(kLowerOrg, "api", "web", std::nullopt);
  const SecretKey key = SecretKey::generate();
  const std::string blob = seal_level("A=1\nB='two'\n", ref, kLevelId, key, 3, arena.resource());
  LevelState state{kLevelId, 1, 3, blob};
  CHECK(open_level(state, ref, key, 3, arena.resource()) == "A=1\nB='two'\n");
  CHECK(testing::error_of(kExitDataError, [&] { open_level(state, ref, key, 4, arena.resource()); }) ==
        "level target web is sealed with key version 3, but the key is version 4");
  CHECK(testing::error_of(kExitDataError, [&] { seal_level("A=\"open\n", ref, kLevelId, key, 3, arena.resource()); }) ==
        "level target web: line 1: A: unterminated double quote");
}
