// Tests of the resolve answer's checks: every field's shape, and failures that name the field, never the content.
#include <doctest/doctest.h>

#include <string>

#include "api/answer.hpp"
#include "core/error.hpp"
#include "resolve_answer_sample.hpp"

using namespace dotenv_run;
using testing::full_query;
using testing::kAnswer;
using testing::kOrg;

namespace {

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

std::string answer_failure(const std::string& body, const ResolveQuery& query = full_query()) {
  SecretArena arena;
  try {
    parse_resolve_answer(SecretString(body, arena.resource()), query);
  } catch (const Error& e) {
    return std::to_string(e.code()) + " " + e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("a full answer is parsed into views of its body") {
  SecretArena arena;
  const ResolveAnswer answer = parse_resolve_answer(SecretString(kAnswer, arena.resource()), full_query());
  CHECK(answer.org_id == kOrg);
  REQUIRE(answer.levels.size() == 3);
  CHECK(answer.levels[1].slug == "web");
  CHECK(answer.levels[2].blob == "dcv1:2:RU5W");
  CHECK(answer.key.key_b64 == "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U=");
}

TEST_CASE("a client-managed answer carries the key proof") {
  std::string body = replaced(kAnswer, R"("encryption": "server")", R"("encryption": "client")");
  body = replaced(
      body, R"({"mode": "server", "version": 2, "key": "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U="})",
      R"({"mode": "client", "version": 1, "key_proof": {"algorithm": "pbkdf2-sha256", "iterations": 210000, "salt": "c2FsdA==", "proof": "cHJvb2Y="}})");
  SecretArena arena;
  const ResolveAnswer answer = parse_resolve_answer(SecretString(body, arena.resource()), full_query());
  CHECK(answer.key.mode == "client");
  CHECK_FALSE(answer.key.key_b64);
  REQUIRE(answer.key.proof);
  CHECK(answer.key.proof->algorithm == "pbkdf2-sha256");
  CHECK(answer.key.proof->iterations == 210000u);
  CHECK(answer.key.proof->salt == "c2FsdA==");
  CHECK(answer.key.proof->proof == "cHJvb2Y=");
}

TEST_CASE("a project-only answer has one level") {
  std::string body = replaced(kAnswer, R"(,
    {"level": "target", "id": "01HZX5V9Q6M3K8T2R4W7Y0B1T0", "version": null, "key_version": null, "blob": null, "updated_at": null},
    {"level": "environment", "id": "01HZX5V9Q6M3K8T2R4W7Y0B1E0", "version": 3, "key_version": 2, "blob": "dcv1:2:RU5W", "updated_at": "2026-11-20T10:00:00Z"})",
                              "");
  SecretArena arena;
  const auto answer =
      parse_resolve_answer(SecretString(body, arena.resource()), {kOrg, "api", std::nullopt, std::nullopt});
  CHECK(answer.levels.size() == 1);
  CHECK(answer_failure(body) == "69 answer field data.levels has 1 entry; expected 3");
}

TEST_CASE("a wrong answer shape names the field, never the content") {
  CHECK(answer_failure(R"({"data": []})") == "69 answer field data is not an object");
  CHECK(answer_failure("[1]") == "69 the API's answer is not a JSON object");
  CHECK(answer_failure(R"({"dat": {}})") == "69 answer field data is missing");
  CHECK(answer_failure(replaced(kAnswer, R"("blob": "dcv1:2:RU5W")", R"("blob": 5)")) ==
        "69 answer field data.levels[2].blob is not a string or null");
  CHECK(answer_failure(replaced(kAnswer, R"("blob": null)", R"("blob": {})")) ==
        "69 answer field data.levels[1].blob is not a string or null");
  CHECK(answer_failure(replaced(kAnswer, R"("version": 7)", R"("version": -7)")) ==
        "69 answer field data.levels[0].version is not a non-negative integer or null");
  CHECK(
      answer_failure(replaced(kAnswer, R"("version": 7, "key_version": 2)", R"("version": 7, "key_version": null)")) ==
      "69 answer field data.levels[0].key_version is null but the level has a blob");
  CHECK(answer_failure(replaced(kAnswer, R"("level": "target")", R"("level": "environment")")) ==
        "69 answer field data.levels[1].level is not \"target\"");
  CHECK(answer_failure(replaced(kAnswer, R"("level": "target", "id": "01HZX5V9Q6M3K8T2R4W7Y0B1T0")",
                                R"("level": "target", "id": "01HZX5V9Q6M3K8T2R4W7Y0B1T1")")) ==
        "69 answer field data.levels[1].id does not match data.target.id");
  CHECK(answer_failure(
            replaced(kAnswer, R"("id": "01HZX5V9Q6M3K8T2R4W7Y0B1CD")", R"("id": "01HZX5V9Q6M3K8T2R4W7Y0B1CE")")) ==
        "69 answer field data.organization.id does not match the organization asked for");
  CHECK(answer_failure(replaced(kAnswer, R"("slug": "web")", R"("slug": "mobile")")) ==
        "69 answer field data.target.slug is not \"web\"");
  CHECK(answer_failure(
            replaced(kAnswer, R"("environment": {"id": "01HZX5V9Q6M3K8T2R4W7Y0B1E0", "slug": "production"},)", "")) ==
        "69 answer field data.environment is missing");
  CHECK(answer_failure(replaced(kAnswer, R"("encryption": "server")", R"("encryption": "none")")) ==
        "69 answer field data.project.encryption is neither \"server\" nor \"client\"");
  CHECK(answer_failure(replaced(kAnswer, R"("mode": "server")", R"("mode": "hybrid")")) ==
        "69 answer field data.key.mode is neither \"server\" nor \"client\"");
  CHECK(answer_failure(replaced(kAnswer, R"("encryption": "server")", R"("encryption": "client")")) ==
        "69 answer field data.key.mode is \"server\" but data.project.encryption is \"client\"");
  CHECK(answer_failure(replaced(kAnswer, R"("version": 2, "key")", R"("version": "2", "key")")) ==
        "69 answer field data.key.version is not a non-negative integer");
  CHECK(answer_failure(replaced(kAnswer, R"("key": "a2V5)", R"("kee": "a2V5)")) ==
        "69 answer field data.key.key is missing");
}

TEST_CASE("two levels with the same id are malformed, so one blob cannot be served as both") {
  auto same_as = [](const std::string& from, const std::string& to) {
    std::string body = kAnswer;
    for (auto at = body.find(from); at != std::string::npos; at = body.find(from, at + to.size())) {
      body.replace(at, from.size(), to);
    }
    return body;
  };
  CHECK(answer_failure(same_as("01HZX5V9Q6M3K8T2R4W7Y0B1T0", "01HZX5V9Q6M3K8T2R4W7Y0B1P0")) ==
        "69 answer field data.target.id is the same as data.project.id");
  CHECK(answer_failure(same_as("01HZX5V9Q6M3K8T2R4W7Y0B1E0", "01hzx5v9q6m3k8t2r4w7y0b1t0")) ==
        "69 answer field data.environment.id is the same as data.target.id");
}

TEST_CASE("an extra level in the answer is malformed") {
  const std::string body = replaced(kAnswer, R"("blob": "dcv1:2:RU5W", "updated_at": "2026-11-20T10:00:00Z"})",
                                    R"("blob": "dcv1:2:RU5W", "updated_at": "2026-11-20T10:00:00Z"}, {"level": "x"})");
  CHECK(answer_failure(body) == "69 answer field data.levels has 4 entries; expected 3");
}

TEST_CASE("hostile numbers and nesting in a 200 answer are refused cleanly") {
  CHECK(answer_failure(replaced(kAnswer, R"("version": 7)", R"("version": 1e-2147483649)")) ==
        "69 the API's answer is not valid JSON: a number with an exponent of more than 4 digits at byte 400");
  CHECK(answer_failure(std::string(100000, '[')) ==
        "69 the API's answer is not valid JSON: nesting deeper than 32 at byte 32");
}
