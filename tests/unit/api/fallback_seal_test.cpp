// Tests of the sealed fallback contents: a round trip, what the file holds, and everything that must not open.
#include <doctest/doctest.h>

#include <string>

#include "api/fallback_seal.hpp"
#include "api/resolve_answer_sample.hpp"
#include "core/base64.hpp"
#include "support/error_of.hpp"

using namespace dotenv_run;
using dotenv_run::testing::error_of;

namespace {

ResolveAnswer sample_answer(std::pmr::memory_resource* mem) {
  return parse_resolve_answer(SecretString(::testing::kAnswer, mem), ::testing::full_query());
}

}  // namespace

TEST_CASE("a sealed fallback opens into the same answer and time, for the same query and key") {
  SecretArena arena;
  const SecretKey key = SecretKey::generate();
  const ResolveAnswer answer = sample_answer(arena.resource());
  const std::string file = seal_fallback(answer, ::testing::full_query(), 1764555273, key, arena.resource());
  CHECK(file.starts_with(kFallbackHeader));

  const OpenedFallback opened = open_fallback(file, ::testing::full_query(), key, "f", arena.resource());
  CHECK(opened.written_at == 1764555273);
  CHECK(opened.answer.org_id == answer.org_id);
  CHECK(opened.answer.project_id == answer.project_id);
  CHECK(opened.answer.encryption == "server");
  REQUIRE(opened.answer.levels.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(opened.answer.levels[i].level == answer.levels[i].level);
    CHECK(opened.answer.levels[i].id == answer.levels[i].id);
    CHECK(opened.answer.levels[i].slug == answer.levels[i].slug);
    CHECK(opened.answer.levels[i].version == answer.levels[i].version);
    CHECK(opened.answer.levels[i].key_version == answer.levels[i].key_version);
    CHECK(opened.answer.levels[i].blob == answer.levels[i].blob);
  }
  CHECK(opened.answer.key.key_b64 == answer.key.key_b64);
  CHECK(opened.answer.key.version == 2);
}

TEST_CASE("a sealed fallback holds neither the project key nor any blob nor a slug in the clear") {
  SecretArena arena;
  const SecretKey key = SecretKey::generate();
  const ResolveAnswer answer = sample_answer(arena.resource());
  const std::string file = seal_fallback(answer, ::testing::full_query(), 1, key, arena.resource());
  const auto raw_key = base64_decode(*answer.key.key_b64);
  REQUIRE(raw_key);
  CHECK(file.find(std::string(raw_key->begin(), raw_key->end())) == std::string::npos);
  CHECK(file.find(*answer.key.key_b64) == std::string::npos);
  for (std::string_view clear : {"UFJPSkVDVA==", "RU5W", "production", "01HZX5V9Q6M3K8T2R4W7Y0B1E0", "written_at"})
    CHECK(file.find(clear) == std::string::npos);
  CHECK(file.find(key.to_base64()) == std::string::npos);
}

TEST_CASE("a client-managed answer is sealed with its proof and no key") {
  SecretArena arena;
  const std::string body = R"({"data": {
    "organization": {"id": "01HZX5V9Q6M3K8T2R4W7Y0B1CD"},
    "project": {"id": "01HZX5V9Q6M3K8T2R4W7Y0B1P0", "slug": "api", "encryption": "client"},
    "levels": [{"level": "project", "id": "01HZX5V9Q6M3K8T2R4W7Y0B1P0", "version": 1, "key_version": 1, "blob": "dcv1:1:QQ=="}],
    "key": {"mode": "client", "version": 1, "key_proof": {"algorithm": "pbkdf2-sha256", "iterations": 1000, "salt": "c2FsdA==", "proof": "cHJvb2Y="}}
  }})";
  const ResolveQuery query{::testing::kOrg, "api", std::nullopt, std::nullopt};
  const ResolveAnswer answer = parse_resolve_answer(SecretString(body, arena.resource()), query);
  const SecretKey key = SecretKey::generate();
  const OpenedFallback opened =
      open_fallback(seal_fallback(answer, query, 5, key, arena.resource()), query, key, "f", arena.resource());
  CHECK(opened.answer.key.mode == "client");
  CHECK_FALSE(opened.answer.key.key_b64);
  REQUIRE(opened.answer.key.proof);
  CHECK(opened.answer.key.proof->iterations == 1000);
  CHECK(opened.answer.key.proof->salt == "c2FsdA==");
  CHECK(opened.answer.key.proof->proof == "cHJvb2Y=");
}

TEST_CASE("a fallback does not open for another query, with another key, or changed in any byte") {
  SecretArena arena;
  const SecretKey key = SecretKey::generate();
  const ResolveAnswer answer = sample_answer(arena.resource());
  const std::string file = seal_fallback(answer, ::testing::full_query(), 1, key, arena.resource());
  const std::string refused =
      "f: does not open: it was changed, belongs to another project, target or environment, or was sealed with "
      "another fallback key";

  ResolveQuery other = ::testing::full_query();
  other.environment = "staging";
  CHECK(error_of(kExitDataError, [&] { open_fallback(file, other, key, "f", arena.resource()); }) == refused);
  other = ::testing::full_query();
  other.project = "api2";
  CHECK(error_of(kExitDataError, [&] { open_fallback(file, other, key, "f", arena.resource()); }) == refused);
  const SecretKey wrong = SecretKey::generate();
  CHECK(error_of(kExitDataError, [&] { open_fallback(file, ::testing::full_query(), wrong, "f", arena.resource()); }) ==
        refused);
  for (std::size_t i = kFallbackHeader.size(); i < file.size(); i += 7) {
    std::string changed = file;
    changed[i] = static_cast<char>(changed[i] ^ 1);
    CHECK(error_of(kExitDataError,
                   [&] { open_fallback(changed, ::testing::full_query(), key, "f", arena.resource()); }) == refused);
  }
  std::string other_version = file;
  other_version[kFallbackHeader.size() - 2] = '2';
  CHECK(error_of(kExitDataError, [&] {
          open_fallback(other_version, ::testing::full_query(), key, "f", arena.resource());
        }).find("not a dotenv-run fallback file") != std::string::npos);
  CHECK(error_of(kExitDataError, [&] {
          open_fallback(file.substr(0, 40), ::testing::full_query(), key, "f", arena.resource());
        }) == "f: cut short");
}
