// Tests of the resolve call over a scripted HttpClient and a fake clock: inputs, the request, its error lines.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "api/api_error.hpp"
#include "api/resolve.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "resolve_answer_sample.hpp"
#include "scripted_http.hpp"

using namespace dotenv_run;
using testing::answer;
using testing::broken;
using testing::full_query;
using testing::kAnswer;
using testing::kOrg;

namespace {

struct Harness : testing::ScriptedHttp {
  ResolveAnswer run(const ResolveQuery& query = full_query()) {
    return resolve_with(settings, query, arena.resource(), notice(), *this, environment());
  }

  // Runs expecting a failure; returns "<exit code> <message>".
  std::string failure(const ResolveQuery& query = full_query()) {
    try {
      run(query);
    } catch (const Error& e) {
      return std::to_string(e.code()) + " " + e.what();
    }
    return "no error";
  }
};

}  // namespace

TEST_CASE("the resolve URL asks for every level merged, with the key") {
  CHECK(resolve_url("https://api.example.test", full_query()) ==
        "https://api.example.test/api/v1/01HZX5V9Q6M3K8T2R4W7Y0B1CD/secrets/resolve?project=api&target=web"
        "&environment=production&merge=1&include=key");
  CHECK(resolve_url("https://h:8443/base", {kOrg, "api", std::nullopt, std::nullopt}) ==
        "https://h:8443/base/api/v1/01HZX5V9Q6M3K8T2R4W7Y0B1CD/secrets/resolve?project=api&merge=1&include=key");
  // A ULID in lower case is the same id; the API knows it in upper case.
  CHECK(resolve_url("https://h", {"01hzx5v9q6m3k8t2r4w7y0b1cd", "api", std::nullopt, std::nullopt}) ==
        "https://h/api/v1/01HZX5V9Q6M3K8T2R4W7Y0B1CD/secrets/resolve?project=api&merge=1&include=key");
}

TEST_CASE("the answer lives in the launch's secret arena, where its levels are opened in place") {
  Harness h;
  h.script.push_back(answer(200, kAnswer));
  const ResolveAnswer answer = h.run();
  CHECK(answer.body_memory == nullptr);
  CHECK(answer.body.get_allocator().resource() == h.arena.resource());
}

TEST_CASE("an http:// API URL is refused with exit 78 before any request") {
  Harness h;
  h.settings.api_url = "http://api.example.test";
  CHECK(h.failure() == "78 the API URL must use https://");
  CHECK(h.requests.empty());
}

TEST_CASE("the organization must be a ULID and names must be slugs") {
  CHECK_NOTHROW(check_query(full_query()));
  CHECK_THROWS_WITH(check_query({"acme", "api", {}, {}}),
                    "the organization \"acme\" is not a ULID (26 characters of Crockford base32)");
  CHECK_THROWS_WITH(
      check_query({"01HZX5V9Q6M3K8T2R4W7Y0B1CU", "api", {}, {}}),
      "the organization \"01HZX5V9Q6M3K8T2R4W7Y0B1CU\" is not a ULID (26 characters of Crockford base32)");
  CHECK_THROWS_WITH(check_query({kOrg, "Api", {}, {}}),
                    "the project \"Api\" is not a valid slug (a lowercase letter or digit, then up to 63 lowercase "
                    "letters, digits, '_' or '-')");
  CHECK_THROWS_WITH(check_query({kOrg, "api", "-web", {}}),
                    "the target \"-web\" is not a valid slug (a lowercase letter or digit, then up to 63 lowercase "
                    "letters, digits, '_' or '-')");
  CHECK_THROWS_WITH(check_query({kOrg, "api", "web", std::string(65, 'p')}),
                    doctest::Contains("the environment \"ppppp"));
  CHECK_THROWS_WITH(check_query({kOrg, "secrets", {}, {}}), "the project \"secrets\" is a reserved word, not a slug");
  CHECK_THROWS_WITH(check_query({kOrg, "api", {}, "production"}), "an environment needs a target");
}

TEST_CASE("a bad query is refused with exit 78 before any request") {
  Harness h;
  CHECK(h.failure({kOrg, "api", "web/..", {}}).starts_with("78 the target \"web/..\" is not a valid slug"));
  CHECK(h.requests.empty());
}

TEST_CASE("a 200 answer is parsed, with the settings passed to the transfer") {
  Harness h;
  h.settings.ca_file = "/etc/private-ca.pem";
  h.settings.max_answer_bytes = 1000;
  h.script.push_back(answer(200, kAnswer));
  const ResolveAnswer answer = h.run();
  REQUIRE(h.requests.size() == 1);
  const testing::Recorded& r = h.requests[0];
  CHECK(r.url.starts_with("https://api.example.test/api/v1/01HZX5V9Q6M3K8T2R4W7Y0B1CD/secrets/resolve?"));
  CHECK(r.bearer_token == "tok-secret-123");
  CHECK(r.ca_file == "/etc/private-ca.pem");
  CHECK(r.max_body == 1000);
  CHECK(r.total_timeout == 30);
  CHECK(r.connect_timeout == 10);
  CHECK(answer.org_id == kOrg);
  CHECK(answer.project_slug == "api");
  CHECK(answer.encryption == "server");
  REQUIRE(answer.levels.size() == 3);
  CHECK(answer.levels[0].level == "project");
  CHECK(answer.levels[0].slug == "api");
  CHECK(answer.levels[0].version == 7);
  CHECK(answer.levels[0].key_version == 2u);
  CHECK(answer.levels[0].blob == "dcv1:2:UFJPSkVDVA==");
  CHECK(answer.levels[1].slug == "web");
  CHECK_FALSE(answer.levels[1].blob);
  CHECK_FALSE(answer.levels[1].version);
  CHECK(answer.levels[2].id == "01HZX5V9Q6M3K8T2R4W7Y0B1E0");
  CHECK(answer.key.mode == "server");
  CHECK(answer.key.version == 2u);
  CHECK(answer.key.key_b64 == "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U=");
  CHECK(h.notices.empty());
  CHECK(h.sleeps.empty());
}

TEST_CASE("the answer's views survive moving the answer") {
  Harness h;
  h.script.push_back(answer(200, kAnswer));
  ResolveAnswer first = h.run();
  const ResolveAnswer moved(std::move(first));
  CHECK(moved.levels[2].blob == "dcv1:2:RU5W");
  CHECK(moved.levels[2].blob->data() >= moved.body.data());
  CHECK(moved.levels[2].blob->data() < moved.body.data() + moved.body.size());
}

TEST_CASE("a splay waits a random part of its length before the first request") {
  Harness h;
  h.settings.splay = 10;
  h.uniform = 0.25;
  h.script.push_back(answer(200, kAnswer));
  h.run();
  REQUIRE(h.sleeps.size() == 1);
  CHECK(h.sleeps[0] == doctest::Approx(2.5));
}

TEST_CASE("401 is not retried, exits 77 and says where the token came from") {
  Harness h;
  h.script = {answer(401, R"({"message": "the token has expired", "error": "token_expired"})", {}, "abc-1")};
  CHECK(h.failure() ==
        "77 the API refused the token from DOTENV_CLOUD_TOKEN_FILE=/run/tok (401 token_expired: the token has expired; "
        "request id abc-1)");
  CHECK(h.requests.size() == 1);
  CHECK(h.sleeps.empty());
}

TEST_CASE("403 names the missing ability and the project") {
  Harness h;
  h.script = {answer(403, R"({"message": "Forbidden.", "error": "forbidden", "required_ability": "secret:read"})")};
  CHECK(h.failure() ==
        "77 the token from DOTENV_CLOUD_TOKEN_FILE=/run/tok lacks secret:read for project api (403 forbidden: "
        "Forbidden.)");
  CHECK(h.requests.size() == 1);
}

TEST_CASE("403 without an ability (a plan limit) still names the project") {
  Harness h;
  h.script = {answer(403, R"({"message": "Plan limit reached.", "error": "plan_limit"})")};
  CHECK(h.failure() ==
        "77 the API refused access to project api for the token from DOTENV_CLOUD_TOKEN_FILE=/run/tok (403 plan_limit: "
        "Plan limit reached.)");
}

TEST_CASE("404 names what was not found, from the server's message or else the whole path") {
  const auto not_found = [](const std::string& message) {
    Harness h;
    h.script = {answer(404, R"({"error": "not_found", "message": ")" + message + R"("})")};
    const std::string failure = h.failure();
    CHECK(h.requests.size() == 1);
    return failure;
  };
  CHECK(not_found("Environment not found.") ==
        "78 environment production was not found in api/web (404 not_found: Environment not found.)");
  CHECK(not_found("Target web not found in project api.") ==
        "78 target web was not found in project api (404 not_found: Target web not found in project api.)");
  CHECK(not_found("No such project") ==
        "78 project api was not found in organization 01HZX5V9Q6M3K8T2R4W7Y0B1CD (404 not_found: No such project)");
  CHECK(not_found("Organization unknown") ==
        "78 organization 01HZX5V9Q6M3K8T2R4W7Y0B1CD was not found (404 not_found: Organization unknown)");
  CHECK(not_found("Not Found") ==
        "78 org 01HZX5V9Q6M3K8T2R4W7Y0B1CD/api/web/production was not found (404 not_found: Not Found)");
}

TEST_CASE("other 4xx are not retried and exit 78 with status, error and message") {
  Harness h;
  h.script = {
      answer(422, R"({"message": "The project field is required.", "error": "validation_failed", "errors": {}})")};
  CHECK(h.failure() == "78 the API answered 422 validation_failed: The project field is required.");
  CHECK(h.requests.size() == 1);
}

TEST_CASE("a redirect is never followed and exits 78") {
  Harness h;
  h.script = {answer(301, "<html>moved</html>")};
  CHECK(h.failure() == "78 the API answered with a redirect (301); redirects are never followed");
  CHECK(h.requests.size() == 1);
}

TEST_CASE("an error body that is not JSON gives the status only, never the body") {
  Harness h;
  h.script = {answer(400, "<html>token=tok-secret-123</html>")};
  CHECK(h.failure() == "78 the API answered 400");
}

TEST_CASE("server texts in an error line have their control characters escaped and are cut at 200 bytes") {
  Harness h;
  h.script = {
      answer(400, R"({"message": ")" + std::string(250, 'm') + R"(\u001b]0;title\u0007", "error": "bad\nthing"})")};
  CHECK(h.failure() == "78 the API answered 400 bad\\x0athing: " + std::string(200, 'm'));
}

TEST_CASE("a malformed 200 answer exits 69 without a retry") {
  Harness h;
  h.script = {answer(200, kAnswer.substr(0, 200))};
  CHECK(h.failure().starts_with("69 the API's answer is not valid JSON: "));
  CHECK(h.requests.size() == 1);
}

TEST_CASE("the resolve request is one GET of the project, without a body") {
  const ApiRequest request = resolve_request(full_query());
  CHECK(request.method == Method::kGet);
  CHECK(request.path ==
        "/api/v1/01HZX5V9Q6M3K8T2R4W7Y0B1CD/secrets/resolve?project=api&target=web&environment=production"
        "&merge=1&include=key");
  CHECK(request.json_body.empty());
  CHECK(request.subject.what == "project api");
  Harness h;
  h.script.push_back(answer(200, kAnswer));
  h.run();
  REQUIRE(h.requests.size() == 1);
  CHECK(h.requests[0].method == Method::kGet);
  CHECK(h.requests[0].body_type == BodyType::kNone);
}

TEST_CASE("a 2xx answer other than 200 to the resolve call exits 69") {
  Harness h;
  h.script = {answer(204, "")};
  CHECK(h.failure() == "69 the API answered 204, not 200");
  CHECK(h.requests.size() == 1);
}

TEST_CASE("a resolve answered 409 or 422 is a configuration error (78), not a data error") {
  Harness h;
  h.script = {answer(409, R"({"message": "Conflict.", "error": "conflict"})")};
  CHECK(h.failure() == "78 the API answered 409 conflict: Conflict.");
}

namespace {

// What kind of failure a resolve ends with: "outage", "access ended", "other" or "no error".
std::string failure_kind(Harness& h) {
  try {
    h.run();
  } catch (const ApiFailure& f) {
    return f.kind() == FailureKind::kOutage ? "outage" : "access ended";
  } catch (const Error&) {
    return "other";
  }
  return "no error";
}

}  // namespace

TEST_CASE("the offline fallback is told an outage and ended access from every other failure") {
  // The last scripted answer repeats: each case is one answer, given until the deadline.
  const auto kind_after = [](testing::Scripted scripted) {
    Harness h;
    h.settings.retry_timeout = 3;
    h.script = {std::move(scripted)};
    return failure_kind(h);
  };
  CHECK(kind_after(answer(503, "{}")) == "outage");
  CHECK(kind_after(answer(500, "{}")) == "outage");
  CHECK(kind_after(answer(429, "{}", "3600")) == "outage");
  CHECK(kind_after(broken(TransportError::kConnect, "refused")) == "outage");
  CHECK(kind_after(broken(TransportError::kTimeout, "timed out")) == "outage");
  CHECK(kind_after(answer(401, "{}")) == "access ended");
  CHECK(kind_after(answer(403, "{}")) == "access ended");
  CHECK(kind_after(answer(404, "{}")) == "access ended");
  CHECK(kind_after(broken(TransportError::kTlsVerify, "bad certificate")) == "other");
  CHECK(kind_after(broken(TransportError::kPinMismatch, "no pin")) == "other");
  CHECK(kind_after(broken(TransportError::kTooLarge, "big")) == "other");
  CHECK(kind_after(answer(422, "{}")) == "other");
  CHECK(kind_after(answer(301, "")) == "other");
  CHECK(kind_after(answer(200, "{\"data\": 1}")) == "other");
}
