// Tests of the resolve call over a scripted HttpClient and a fake clock: inputs, retries, error lines, answer shape.
#include <doctest/doctest.h>

#include <deque>
#include <string>
#include <vector>

#include "api/resolve.hpp"
#include "api/api_error.hpp"
#include "core/error.hpp"

using namespace dotenv_run;

namespace {

constexpr const char* kOrg = "01HZX5V9Q6M3K8T2R4W7Y0B1CD";

const std::string kAnswer = R"({"data": {
  "organization": {"id": "01HZX5V9Q6M3K8T2R4W7Y0B1CD"},
  "project": {"id": "01HZX5V9Q6M3K8T2R4W7Y0B1P0", "slug": "api", "name": "API", "encryption": "server"},
  "target": {"id": "01HZX5V9Q6M3K8T2R4W7Y0B1T0", "slug": "web"},
  "environment": {"id": "01HZX5V9Q6M3K8T2R4W7Y0B1E0", "slug": "production"},
  "levels": [
    {"level": "project", "id": "01HZX5V9Q6M3K8T2R4W7Y0B1P0", "version": 7, "key_version": 2, "blob": "dcv1:2:UFJPSkVDVA==", "updated_at": "2026-11-20T10:00:00Z"},
    {"level": "target", "id": "01HZX5V9Q6M3K8T2R4W7Y0B1T0", "version": null, "key_version": null, "blob": null, "updated_at": null},
    {"level": "environment", "id": "01HZX5V9Q6M3K8T2R4W7Y0B1E0", "version": 3, "key_version": 2, "blob": "dcv1:2:RU5W", "updated_at": "2026-11-20T10:00:00Z"}
  ],
  "key": {"mode": "server", "version": 2, "key": "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U="}
}})";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

ResolveQuery full_query() { return {kOrg, "api", "web", "production"}; }

struct Scripted {
  long status = 200;
  std::string body;
  std::string retry_after, request_id;
  TransportError error = TransportError::kNone;
  std::string detail;
  double takes = 0.1;  // seconds the attempt lasts on the fake clock
};

Scripted answer(long status, std::string body, std::string retry_after = {}, std::string request_id = {}) {
  return Scripted{status, std::move(body), std::move(retry_after), std::move(request_id), TransportError::kNone, {}, 0.1};
}

Scripted broken(TransportError error, std::string detail, double takes = 0.1) {
  return Scripted{0, {}, {}, {}, error, std::move(detail), takes};
}

struct Harness : HttpClient {
  SecretArena arena;
  std::deque<Scripted> script;
  std::vector<HttpRequest> requests;
  std::vector<double> sleeps;
  std::vector<std::string> notices;
  double now = 1000;
  double uniform = 0.5;
  ApiSettings settings;

  Harness() {
    settings.api_url = "https://api.example.test/";
    settings.token = "tok-secret-123";
    settings.token_source = "DOTENV_CLOUD_TOKEN_FILE=/run/tok";
  }

  HttpResponse get(const HttpRequest& request, std::pmr::memory_resource* memory) override {
    requests.push_back(request);
    REQUIRE_FALSE(script.empty());
    Scripted s = script.front();
    if (script.size() > 1) script.pop_front();  // the last entry repeats forever
    now += std::min(s.takes, request.total_timeout);
    HttpResponse r(memory);
    r.error = s.error;
    r.error_detail = s.detail;
    r.status = s.error == TransportError::kNone ? s.status : 0;
    r.body.assign(s.body);
    r.retry_after = s.retry_after;
    r.request_id = s.request_id;
    return r;
  }

  RetryEnvironment environment() {
    RetryEnvironment env;
    env.monotonic_now = [this] { return now; };
    env.sleep = [this](double s) {
      sleeps.push_back(s);
      now += s;
    };
    env.wall_now = [] { return std::time_t{784111770}; };
    env.uniform01 = [this] { return uniform; };
    return env;
  }

  ResolveAnswer run(const ResolveQuery& query = full_query()) {
    return resolve_with(settings, query, arena.resource(), [this](std::string_view n) { notices.emplace_back(n); },
                        *this, environment());
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

TEST_CASE("the resolve URL asks for every level merged, with the key") {
  CHECK(resolve_url("https://api.example.test", full_query()) ==
        "https://api.example.test/api/v1/01HZX5V9Q6M3K8T2R4W7Y0B1CD/secrets/resolve?project=api&target=web"
        "&environment=production&merge=1&include=key");
  CHECK(resolve_url("https://h:8443/base", {kOrg, "api", std::nullopt, std::nullopt}) ==
        "https://h:8443/base/api/v1/01HZX5V9Q6M3K8T2R4W7Y0B1CD/secrets/resolve?project=api&merge=1&include=key");
}

TEST_CASE("the API URL must be https and loses one trailing slash") {
  CHECK(checked_api_url("https://api.dotenv.cloud/") == "https://api.dotenv.cloud");
  CHECK(checked_api_url("https://127.0.0.1:8443") == "https://127.0.0.1:8443");
  CHECK(checked_api_url("HTTPS://api.dotenv.cloud/prefix/") == "HTTPS://api.dotenv.cloud/prefix");
  CHECK_THROWS_WITH(checked_api_url("http://api.dotenv.cloud"), "the API URL must use https://");
  CHECK_THROWS_WITH(checked_api_url("ftp://api.dotenv.cloud"), "the API URL must use https://");
  CHECK_THROWS_WITH(checked_api_url("api.dotenv.cloud"),
                    "the API URL is not a valid URL (expected https://host[:port][/path])");
  CHECK_THROWS_WITH(checked_api_url("https://user:pw@api.dotenv.cloud"),
                    "the API URL must not contain a user name or password");
  CHECK_THROWS_WITH(checked_api_url("https://api.dotenv.cloud/?x=1"), "the API URL must not contain a query or fragment");
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
  CHECK_THROWS_WITH(check_query({"01HZX5V9Q6M3K8T2R4W7Y0B1CU", "api", {}, {}}),
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

TEST_CASE("pins are checked and joined for libcurl") {
  const std::string a = "sha256//" + std::string(43, 'A') + "=";
  const std::string b = "sha256//" + std::string(42, 'B') + "E=";
  CHECK(joined_pins({}) == "");
  CHECK(joined_pins({a, b}) == a + ";" + b);
  CHECK_THROWS_WITH(joined_pins({"sha1//AAAA"}), "the pin \"sha1//AAAA\" is not sha256// followed by the base64 of 32 bytes");
  CHECK_THROWS_WITH(joined_pins({"sha256//QUJD"}), "the pin \"sha256//QUJD\" is not sha256// followed by the base64 of 32 bytes");
}

TEST_CASE("a 200 answer is parsed, with the settings passed to the transfer") {
  Harness h;
  h.settings.ca_file = "/etc/private-ca.pem";
  h.settings.max_answer_bytes = 1000;
  h.script.push_back(answer(200, kAnswer));
  const ResolveAnswer answer = h.run();
  REQUIRE(h.requests.size() == 1);
  const HttpRequest& r = h.requests[0];
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

TEST_CASE("500, 500, 200 succeeds after two jittered backoffs, one line each") {
  Harness h;
  h.script = {answer(500, "oops"), answer(502, ""), answer(200, kAnswer)};
  h.run();
  CHECK(h.requests.size() == 3);
  CHECK(h.sleeps == std::vector<double>{0.25, 0.5});
  CHECK(h.notices == std::vector<std::string>{"API answered 500; retrying in 0.2 s (attempt 2)",
                                              "API answered 502; retrying in 0.5 s (attempt 3)"});
}

TEST_CASE("503 forever gives up within the deadline with exit 69") {
  Harness h;
  h.settings.retry_timeout = 20;
  h.uniform = 0.99;
  h.script = {answer(503, R"({"message": "down for maintenance"})", {}, "req-9")};
  const double start = h.now;
  CHECK(h.failure() ==
        "69 gave up after 7 attempts in 19.1 s: last answer 503: down for maintenance; request id req-9");
  CHECK(h.now - start <= 20);
  CHECK(h.notices.size() == 6);
  CHECK(h.sleeps.back() <= 20 - 1);
  for (const auto& r : h.requests) CHECK(r.total_timeout <= 30);
}

TEST_CASE("each attempt's timeout is capped by what is left of the deadline") {
  Harness h;
  h.settings.retry_timeout = 5;
  h.uniform = 0.99;
  h.script = {broken(TransportError::kTimeout, "Operation timed out after 30000 milliseconds", 2)};
  CHECK(h.failure() ==
        "69 gave up after 2 attempts in 4.5 s: last error: the request timed out (Operation timed out after 30000 "
        "milliseconds)");
  REQUIRE(h.requests.size() == 2);
  CHECK(h.requests[0].total_timeout == doctest::Approx(5));
  CHECK(h.requests[0].connect_timeout == doctest::Approx(5));
  CHECK(h.requests[1].total_timeout == doctest::Approx(2.505));
  CHECK(h.notices ==
        std::vector<std::string>{"the request timed out (Operation timed out after 30000 milliseconds); retrying in 0.5 s (attempt 2)"});
}

TEST_CASE("429 with Retry-After: 3 waits at least 3 s, then succeeds on the second request") {
  Harness h;
  h.uniform = 0.0;
  h.script = {answer(429, R"({"message": "slow down", "error": "rate_limited"})", "3"), answer(200, kAnswer)};
  h.run();
  CHECK(h.requests.size() == 2);
  CHECK(h.sleeps == std::vector<double>{3.0});
  CHECK(h.notices == std::vector<std::string>{"API answered 429; retrying in 3.0 s (attempt 2)"});
}

TEST_CASE("the spread after a Retry-After widens with each refusal in a row and starts over after another answer") {
  Harness h;
  h.settings.retry_timeout = 600;
  h.uniform = 0.5;
  h.script = {answer(429, "", "2"), answer(429, "", "2"), answer(500, ""), answer(429, "", "2"), answer(200, kAnswer)};
  h.run();
  // 2 + U(0, 4) at u = 0.5, then 2 + U(0, 8); a 500 means backoff (retry 2: ceiling 2 s) and starts the count over.
  CHECK(h.sleeps == std::vector<double>{4.0, 6.0, 1.0, 4.0});
}

TEST_CASE("a Retry-After HTTP date is honoured") {
  Harness h;
  h.uniform = 0.0;
  h.script = {answer(503, "", "Sun, 06 Nov 1994 08:49:37 GMT"), answer(200, kAnswer)};
  h.run();
  CHECK(h.sleeps == std::vector<double>{7.0});
}

TEST_CASE("a garbage Retry-After means the normal backoff") {
  Harness h;
  h.script = {answer(429, "", "a while"), answer(200, kAnswer)};
  h.run();
  CHECK(h.sleeps == std::vector<double>{0.25});
}

TEST_CASE("a Retry-After of a day ends at once with exit 69, not after a day") {
  Harness h;
  h.script = {answer(429, R"({"message": "slow down", "error": "rate_limited"})", "86400")};
  CHECK(h.failure() == "69 gave up after 1 attempt in 0.1 s: last answer 429 rate_limited: slow down");
  CHECK(h.sleeps.empty());
  CHECK(h.requests.size() == 1);
}

TEST_CASE("connection refused and DNS failures are retried until the deadline") {
  Harness h;
  h.settings.retry_timeout = 3;
  h.script = {broken(TransportError::kResolve, "Could not resolve host: api.example.test"),
              broken(TransportError::kConnect, "Failed to connect to api.example.test port 443: Connection refused")};
  const std::string failure = h.failure();
  CHECK(failure.starts_with("69 gave up after "));
  CHECK(failure.ends_with(": last error: could not connect to the API (Failed to connect to api.example.test port 443: "
                          "Connection refused)"));
  CHECK(h.notices[0] ==
        "could not resolve the API's host name (Could not resolve host: api.example.test); retrying in 0.2 s (attempt 2)");
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
  h.script = {answer(422, R"({"message": "The project field is required.", "error": "validation_failed", "errors": {}})")};
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

TEST_CASE("server texts are stripped of control characters and cut at 200 bytes") {
  CHECK(sanitized("a\x1b[31mred\r\nline\x7f") == "a[31mredline");
  CHECK(sanitized(std::string(300, 'x')).size() == 200);
  // 199 ASCII bytes, then a two-byte character: cutting at 200 would split it.
  CHECK(sanitized(std::string(199, 'x') + "\xc3\xa9" + "tail") == std::string(199, 'x'));
  Harness h;
  h.script = {answer(400, R"({"message": ")" + std::string(250, 'm') + R"(\u001b]0;title\u0007", "error": "bad\nthing"})")};
  CHECK(h.failure() == "78 the API answered 400 badthing: " + std::string(200, 'm'));
}

TEST_CASE("TLS verification failures are not retried and exit 69 with curl's reason") {
  Harness h;
  h.script = {broken(TransportError::kTlsVerify, "SSL: no alternative certificate subject name matches target host name 'api.example.test'")};
  CHECK(h.failure() ==
        "69 cannot verify the API's TLS certificate: SSL: no alternative certificate subject name matches target host "
        "name 'api.example.test'");
  CHECK(h.requests.size() == 1);
  Harness pin;
  pin.script = {broken(TransportError::kPinMismatch, "SSL: public key does not match pinned public key")};
  CHECK(pin.failure() ==
        "69 the API's public key matches none of the pins: SSL: public key does not match pinned public key");
  CHECK(pin.requests.size() == 1);
}

TEST_CASE("an unusable CA file exits 78 naming the file") {
  Harness h;
  h.settings.ca_file = "/nope/ca.pem";
  h.script = {broken(TransportError::kCaFile, "error setting certificate file: /nope/ca.pem")};
  CHECK(h.failure() == "78 cannot use the CA file /nope/ca.pem: error setting certificate file: /nope/ca.pem");
}

TEST_CASE("an answer over the cap exits 69 at once") {
  Harness h;
  h.script = {broken(TransportError::kTooLarge, "Failure writing output to destination")};
  CHECK(h.failure() == "69 the API's answer is larger than 8 MiB");
  CHECK(h.requests.size() == 1);
}

TEST_CASE("a malformed 200 answer exits 69 without a retry") {
  Harness h;
  h.script = {answer(200, kAnswer.substr(0, 200))};
  CHECK(h.failure().starts_with("69 the API's answer is not valid JSON: "));
  CHECK(h.requests.size() == 1);
}

TEST_CASE("a client-managed answer carries the key proof") {
  std::string body = replaced(kAnswer, R"("encryption": "server")", R"("encryption": "client")");
  body = replaced(body, R"({"mode": "server", "version": 2, "key": "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U="})",
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
  CHECK(answer_failure(replaced(kAnswer, R"("version": 7, "key_version": 2)", R"("version": 7, "key_version": null)")) ==
        "69 answer field data.levels[0].key_version is null but the level has a blob");
  CHECK(answer_failure(replaced(kAnswer, R"("level": "target")", R"("level": "environment")")) ==
        "69 answer field data.levels[1].level is not \"target\"");
  CHECK(answer_failure(replaced(kAnswer, R"("level": "target", "id": "01HZX5V9Q6M3K8T2R4W7Y0B1T0")",
                                R"("level": "target", "id": "01HZX5V9Q6M3K8T2R4W7Y0B1T1")")) ==
        "69 answer field data.levels[1].id does not match data.target.id");
  CHECK(answer_failure(replaced(kAnswer, R"("id": "01HZX5V9Q6M3K8T2R4W7Y0B1CD")", R"("id": "01HZX5V9Q6M3K8T2R4W7Y0B1CE")")) ==
        "69 answer field data.organization.id does not match the organization asked for");
  CHECK(answer_failure(replaced(kAnswer, R"("slug": "web")", R"("slug": "mobile")")) ==
        "69 answer field data.target.slug is not \"web\"");
  CHECK(answer_failure(replaced(kAnswer, R"("environment": {"id": "01HZX5V9Q6M3K8T2R4W7Y0B1E0", "slug": "production"},)", "")) ==
        "69 answer field data.environment is missing");
  CHECK(answer_failure(replaced(kAnswer, R"("encryption": "server")", R"("encryption": "none")")) ==
        "69 answer field data.project.encryption is neither \"server\" nor \"client\"");
  CHECK(answer_failure(replaced(kAnswer, R"("mode": "server")", R"("mode": "hybrid")")) ==
        "69 answer field data.key.mode is neither \"server\" nor \"client\"");
  CHECK(answer_failure(replaced(kAnswer, R"("encryption": "server")", R"("encryption": "client")")) ==
        "69 answer field data.key.mode is \"server\" but data.project.encryption is \"client\"");
  CHECK(answer_failure(replaced(kAnswer, R"("version": 2, "key")", R"("version": "2", "key")")) ==
        "69 answer field data.key.version is not a non-negative integer");
  CHECK(answer_failure(replaced(kAnswer, R"("key": "a2V5)", R"("kee": "a2V5)")) == "69 answer field data.key.key is missing");
}

TEST_CASE("an extra level in the answer is malformed") {
  const std::string body = replaced(kAnswer, R"("blob": "dcv1:2:RU5W", "updated_at": "2026-11-20T10:00:00Z"})",
                                    R"("blob": "dcv1:2:RU5W", "updated_at": "2026-11-20T10:00:00Z"}, {"level": "x"})");
  CHECK(answer_failure(body) == "69 answer field data.levels has 4 entries; expected 3");
}

TEST_CASE("hostile numbers and nesting in a 200 answer are refused cleanly") {
  CHECK(answer_failure(replaced(kAnswer, R"("version": 7)", R"("version": 1e-2147483649)")) ==
        "69 the API's answer is not valid JSON: a number with an exponent of more than 4 digits at byte 400");
  CHECK(answer_failure(std::string(100000, '[')) == "69 the API's answer is not valid JSON: nesting deeper than 32 at byte 32");
}
