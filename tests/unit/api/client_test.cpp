// Tests of the API client over a scripted HttpClient and a fake clock: retries within a deadline,
// what a write may repeat, read-back of lost conditional writes, and the error lines.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "api/api_error.hpp"
#include "api/client.hpp"
#include "core/error.hpp"
#include "scripted_http.hpp"

using namespace dotenv_run;
using testing::answer;
using testing::broken;

namespace {

const std::string kOk = R"({"data": {}})";
const std::string kSecretBody =
    R"({"project": "api", "blob": "dcv1:2:c2VjcmV0LXZhbHVlLTQy", "key_version": 2, "base_version": 3})";

struct Harness : testing::ScriptedHttp {
  ApiRequest request;
  int settle_calls = 0;

  Harness() { request.path = "/api/v1/01HZX5V9Q6M3K8T2R4W7Y0B1CD/projects?page=1"; }

  // A write of kSecretBody, about a named level.
  void write(Method method) {
    request.method = method;
    request.path = "/api/v1/01HZX5V9Q6M3K8T2R4W7Y0B1CD/secrets";
    request.json_body = kSecretBody;
    request.subject.what = "environment production of api/web";
  }

  // Makes the request conditional: the read-back answers each of `results` in turn.
  void settle_with(std::vector<std::optional<bool>> results) {
    request.settle = [this, results]() -> std::optional<bool> {
      REQUIRE(static_cast<std::size_t>(settle_calls) < results.size());
      return results[static_cast<std::size_t>(settle_calls++)];
    };
  }

  ApiResponse run(bool raw = false) {
    ApiClient client(settings, *this, environment(), notice());
    return raw ? client.send_raw(request, arena.resource()) : client.send(request, arena.resource());
  }

  // Runs expecting a failure; returns "<exit code> <message>".
  std::string failure() {
    try {
      run();
    } catch (const Error& e) {
      return std::to_string(e.code()) + " " + e.what();
    }
    return "no error";
  }
};

}  // namespace

TEST_CASE("500, 500, 200 succeeds after two jittered backoffs, one line each") {
  Harness h;
  h.script = {answer(500, "oops"), answer(502, ""), answer(200, kOk)};
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
        std::vector<std::string>{
            "the request timed out (Operation timed out after 30000 milliseconds); retrying in 0.5 s (attempt 2)"});
}

TEST_CASE("429 with Retry-After: 3 waits at least 3 s, then succeeds on the second request") {
  Harness h;
  h.uniform = 0.0;
  h.script = {answer(429, R"({"message": "slow down", "error": "rate_limited"})", "3"), answer(200, kOk)};
  h.run();
  CHECK(h.requests.size() == 2);
  CHECK(h.sleeps == std::vector<double>{3.0});
  CHECK(h.notices == std::vector<std::string>{"API answered 429; retrying in 3.0 s (attempt 2)"});
}

TEST_CASE("the spread after a Retry-After widens with each refusal in a row and starts over after another answer") {
  Harness h;
  h.settings.retry_timeout = 600;
  h.uniform = 0.5;
  h.script = {answer(429, "", "2"), answer(429, "", "2"), answer(500, ""), answer(429, "", "2"), answer(200, kOk)};
  h.run();
  // 2 + U(0, 4) at u = 0.5, then 2 + U(0, 8); a 500 means backoff (retry 2: ceiling 2 s) and starts the count over.
  CHECK(h.sleeps == std::vector<double>{4.0, 6.0, 1.0, 4.0});
}

TEST_CASE("a Retry-After HTTP date is honoured") {
  Harness h;
  h.uniform = 0.0;
  h.script = {answer(503, "", "Sun, 06 Nov 1994 08:49:37 GMT"), answer(200, kOk)};
  h.run();
  CHECK(h.sleeps == std::vector<double>{7.0});
}

TEST_CASE("a garbage Retry-After means the normal backoff") {
  Harness h;
  h.script = {answer(429, "", "a while"), answer(200, kOk)};
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
  CHECK(
      failure.ends_with(": last error: could not connect to the API (Failed to connect to api.example.test port 443: "
                        "Connection refused)"));
  CHECK(
      h.notices[0] ==
      "could not resolve the API's host name (Could not resolve host: api.example.test); retrying in 0.2 s (attempt 2)");
}

TEST_CASE("TLS verification failures are not retried and exit 69 with curl's reason") {
  Harness h;
  h.script = {broken(TransportError::kTlsVerify,
                     "SSL: no alternative certificate subject name matches target host name 'api.example.test'")};
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

TEST_CASE("a GET sends no body, the token and the settings; a 2xx answer is returned with its request id") {
  Harness h;
  h.settings.ca_file = "/etc/private-ca.pem";
  h.script = {answer(200, kOk, {}, "req-1")};
  const ApiResponse r = h.run();
  CHECK(r.status == 200);
  CHECK(std::string_view(r.body) == kOk);
  CHECK(r.request_id == "req-1");
  CHECK_FALSE(r.settled);
  REQUIRE(h.requests.size() == 1);
  CHECK(h.requests[0].method == Method::kGet);
  CHECK(h.requests[0].url == "https://api.example.test/api/v1/01HZX5V9Q6M3K8T2R4W7Y0B1CD/projects?page=1");
  CHECK(h.requests[0].bearer_token == "tok-secret-123");
  CHECK(h.requests[0].body_type == BodyType::kNone);
  CHECK(h.requests[0].ca_file == "/etc/private-ca.pem");
}

TEST_CASE("a JSON body is sent as JSON; a form body without a token when the request is unauthenticated") {
  Harness h;
  h.write(Method::kPut);
  h.script = {answer(200, kOk)};
  h.run();
  CHECK(h.requests[0].method == Method::kPut);
  CHECK(h.requests[0].body == kSecretBody);
  CHECK(h.requests[0].body_type == BodyType::kJson);

  Harness oauth;
  oauth.request.method = Method::kPost;
  oauth.request.path = "/api/oauth/token";
  oauth.request.form_body = "grant_type=refresh_token&refresh_token=rt-secret";
  oauth.request.authenticated = false;
  oauth.script = {answer(200, kOk)};
  oauth.run();
  CHECK(oauth.requests[0].body == "grant_type=refresh_token&refresh_token=rt-secret");
  CHECK(oauth.requests[0].body_type == BodyType::kForm);
  CHECK(oauth.requests[0].bearer_token.empty());
}

TEST_CASE("a 201 and a 204 are successes") {
  Harness h;
  h.write(Method::kPost);
  h.script = {answer(201, kOk)};
  CHECK(h.run().status == 201);
  Harness d;
  d.request.method = Method::kDelete;
  d.script = {answer(204, "")};
  const ApiResponse r = d.run();
  CHECK(r.status == 204);
  CHECK(r.body.empty());
}

TEST_CASE("a POST is sent again after a refused connection or a failed DNS lookup: it never reached the server") {
  Harness h;
  h.write(Method::kPost);
  h.script = {broken(TransportError::kConnect, "Failed to connect to api.example.test port 443: Connection refused"),
              broken(TransportError::kResolve, "Could not resolve host: api.example.test"),
              broken(TransportError::kTlsHandshake, "OpenSSL SSL_connect: Connection reset by peer"), answer(201, kOk)};
  CHECK(h.run().status == 201);
  REQUIRE(h.requests.size() == 4);
  for (const auto& r : h.requests) CHECK(r.body == kSecretBody);
  CHECK(h.sleeps.size() == 3);
}

TEST_CASE("a POST that timed out after it was sent is not sent again: exit 69, it may or may not have been applied") {
  Harness h;
  h.write(Method::kPost);
  h.script = {broken(TransportError::kTimeout, "Operation timed out after 30000 milliseconds with 0 bytes received"),
              answer(201, kOk)};
  CHECK(h.failure() ==
        "69 the POST request for environment production of api/web may or may not have been applied (last error: the "
        "request timed out (Operation timed out after 30000 milliseconds with 0 bytes received))");
  CHECK(h.requests.size() == 1);
  CHECK(h.sleeps.empty());
  CHECK(h.notices.empty());
}

TEST_CASE("a write whose outcome is unknown and cannot be read back is an outage, for the offline fallback") {
  for (const testing::Scripted& lost : {broken(TransportError::kTimeout, "Operation timed out"),
                                        answer(500, R"({"message": "Internal server error."})")}) {
    Harness h;
    h.write(Method::kPost);
    h.script = {lost};
    std::optional<FailureKind> kind;
    try {
      h.run();
    } catch (const ApiFailure& f) {
      kind = f.kind();
    } catch (const Error&) {
    }
    CHECK(kind == FailureKind::kOutage);
  }
}

TEST_CASE("a timeout before the request went out (the connection never completed) lets a POST be sent again") {
  Harness h;
  h.write(Method::kPost);
  testing::Scripted unsent = broken(TransportError::kTimeout, "Connection timed out after 10001 milliseconds");
  unsent.sent = false;
  h.script = {unsent, answer(201, kOk)};
  CHECK(h.run().status == 201);
  CHECK(h.requests.size() == 2);
}

TEST_CASE(
    "a POST answered 500, 502 or 504 or cut off is not sent again, and the line names the path without a subject") {
  for (const long status : {500L, 502L, 504L}) {
    Harness h;
    h.request.method = Method::kPost;
    h.request.json_body = kSecretBody;
    h.script = {answer(status, R"({"message": "Internal server error.", "error": "internal"})", {}, "req-5"),
                answer(201, kOk)};
    CHECK(h.failure() ==
          "69 the POST request for /api/v1/01HZX5V9Q6M3K8T2R4W7Y0B1CD/projects may or may not have "
          "been applied (last answer " +
              std::to_string(status) + " internal: Internal server error.; request id req-5)");
    CHECK(h.requests.size() == 1);
  }
  Harness cut;
  cut.write(Method::kPatch);
  cut.script = {broken(TransportError::kReceive, "Connection reset by peer"), answer(200, kOk)};
  CHECK(cut.failure() ==
        "69 the PATCH request for environment production of api/web may or may not have been "
        "applied (last error: the connection broke off (Connection reset by peer))");
  CHECK(cut.requests.size() == 1);
}

TEST_CASE("a POST answered 429 or 503 is sent again after the Retry-After: nothing was applied") {
  Harness h;
  h.write(Method::kPost);
  h.uniform = 0.0;
  h.script = {answer(429, R"({"message": "Too many requests.", "error": "rate_limited"})", "3"), answer(503, "", "2"),
              answer(201, kOk)};
  CHECK(h.run().status == 201);
  CHECK(h.requests.size() == 3);
  CHECK(h.sleeps == std::vector<double>{3.0, 2.0});
  CHECK(h.notices == std::vector<std::string>{"API answered 429; retrying in 3.0 s (attempt 2)",
                                              "API answered 503; retrying in 2.0 s (attempt 3)"});
}

TEST_CASE(
    "a conditional PUT whose answer was lost and that the read-back finds applied succeeds without a second PUT") {
  Harness h;
  h.write(Method::kPut);
  h.settle_with({true});
  h.script = {broken(TransportError::kTimeout, "Operation timed out"), answer(200, kOk)};
  const ApiResponse r = h.run();
  CHECK(r.settled);
  CHECK(r.status == 0);
  CHECK(r.body.empty());
  CHECK(h.settle_calls == 1);
  CHECK(h.requests.size() == 1);
  CHECK(h.sleeps.empty());
}

TEST_CASE("a conditional PUT whose answer was lost and that was not applied is sent once more") {
  Harness h;
  h.write(Method::kPut);
  h.settle_with({false});
  h.script = {answer(502, ""), answer(200, kOk, {}, "req-2")};
  const ApiResponse r = h.run();
  CHECK_FALSE(r.settled);
  CHECK(r.status == 200);
  CHECK(r.request_id == "req-2");
  CHECK(h.settle_calls == 1);
  REQUIRE(h.requests.size() == 2);
  CHECK(h.requests[1].body == kSecretBody);
  CHECK(h.notices ==
        std::vector<std::string>{"API answered 502; read back: it was not applied; retrying in 0.2 s (attempt 2)"});
}

TEST_CASE("a conditional PUT that is never applied gives up at the deadline saying so") {
  Harness h;
  h.write(Method::kPut);
  h.settings.retry_timeout = 1.1;
  h.settle_with({false});
  h.script = {broken(TransportError::kTimeout, "Operation timed out", 0.2)};
  CHECK(h.failure() ==
        "69 gave up after 1 attempt in 0.2 s: last error: the request timed out (Operation timed out) "
        "(read back: it was not applied)");
}

TEST_CASE("a lost conditional write whose read-back cannot tell, or fails, exits 69 as unknown") {
  Harness h;
  h.write(Method::kPut);
  h.settle_with({std::nullopt});
  h.script = {broken(TransportError::kTimeout, "Operation timed out")};
  CHECK(h.failure() ==
        "69 the PUT request for environment production of api/web may or may not have been applied "
        "(last error: the request timed out (Operation timed out)); reading it back could not tell");
  Harness f;
  f.write(Method::kPut);
  f.request.settle = []() -> std::optional<bool> { throw Error(kExitUnavailable, "gave up after 3 attempts"); };
  f.script = {answer(500, "")};
  CHECK(f.failure() ==
        "69 the PUT request for environment production of api/web may or may not have been applied "
        "(last answer 500); reading it back failed: gave up after 3 attempts");
}

TEST_CASE("a read-back through the same client ends at the write's deadline, not a whole deadline later") {
  Harness h;
  h.write(Method::kPut);
  h.settings.retry_timeout = 10;
  ApiClient client(h.settings, h, h.environment(), h.notice());
  h.request.settle = [&]() -> std::optional<bool> {
    ApiRequest read;
    read.path = "/api/v1/01HZX5V9Q6M3K8T2R4W7Y0B1CD/projects/api";
    client.send(read, h.arena.resource());  // 503 until it gives up
    return true;
  };
  h.script = {broken(TransportError::kTimeout, "Operation timed out", 4), answer(503, "")};
  const double start = h.now;
  CHECK_THROWS_AS(client.send(h.request, h.arena.resource()), Error);
  CHECK(h.now - start <= 10.0);
  CHECK(h.requests.size() >= 2);  // the PUT, then at least one read
}

TEST_CASE("a DELETE is sent again after a timeout and a 500, like a GET") {
  Harness h;
  h.request.method = Method::kDelete;
  h.script = {broken(TransportError::kTimeout, "Operation timed out"), answer(500, ""), answer(204, "")};
  CHECK(h.run().status == 204);
  CHECK(h.requests.size() == 3);
  for (const auto& r : h.requests) CHECK(r.method == Method::kDelete);
}

TEST_CASE("a DELETE repeated after its answer was lost and then answered 404 was applied: it succeeds") {
  const std::string gone = R"({"error": "not_found", "message": "no such environment"})";
  for (const auto& lost : {broken(TransportError::kTimeout, "Operation timed out"), answer(502, "")}) {
    Harness h;
    h.request.method = Method::kDelete;
    h.request.subject.what = "environment production of api/web";
    h.script = {lost, answer(404, gone)};
    const ApiResponse r = h.run();
    CHECK(r.settled);
    CHECK(h.requests.size() == 2);
  }
  // A first answer of 404, or a 404 after attempts that never reached the server, is still "not found".
  for (const auto& never : {answer(404, gone), broken(TransportError::kConnect, "Connection refused")}) {
    Harness h;
    h.request.method = Method::kDelete;
    h.request.subject.what = "environment production of api/web";
    h.script = {never, answer(404, gone)};
    CHECK(h.failure() == "78 environment production of api/web was not found (404 not_found: no such environment)");
  }
}

TEST_CASE("a conditional DELETE is settled by reading back, not repeated blindly") {
  Harness h;
  h.write(Method::kDelete);
  h.settle_with({true});
  h.script = {answer(504, "")};
  CHECK(h.run().settled);
  CHECK(h.requests.size() == 1);
}

TEST_CASE("409 version_conflict exits 75; send_raw returns it for the caller to handle") {
  Harness h;
  h.write(Method::kPut);
  const auto conflict =
      answer(409, R"({"message": "The level is at version 4, not 3.", "error": "version_conflict"})", {}, "req-7");
  h.script = {conflict};
  CHECK(h.failure() ==
        "75 environment production of api/web changed since it was read; the write was not applied "
        "(409 version_conflict: The level is at version 4, not 3.; request id req-7)");
  CHECK(h.requests.size() == 1);
  Harness raw;
  raw.write(Method::kPut);
  raw.script = {conflict};
  const ApiResponse r = raw.run(true);
  CHECK(r.status == 409);
  CHECK(r.body.find("version_conflict") != std::string::npos);
  CHECK(r.request_id == "req-7");
}

TEST_CASE("another 409 and a 422 exit 65 with the message and the first field's name, never its value") {
  Harness h;
  h.write(Method::kPut);
  h.script = {answer(422, R"({"message": "The blob is not sealed for key version 2.", "error": "validation_failed",)"
                          R"( "errors": {"blob": ["dcv1:2:c2VjcmV0LXZhbHVlLTQy is not sealed for key version 2."],)"
                          R"( "key_version": ["wrong"]}})")};
  const std::string failure = h.failure();
  CHECK(failure ==
        "65 the API refused the request for environment production of api/web (422 validation_failed: "
        "The blob is not sealed for key version 2. (field blob))");
  CHECK(failure.find("c2VjcmV0") == std::string::npos);
  Harness taken;
  taken.request.method = Method::kPost;
  taken.request.json_body = R"({"slug": "web"})";
  taken.request.subject.what = "target web of api";
  taken.script = {answer(409, R"({"message": "The slug web is already taken.", "error": "conflict"})")};
  CHECK(taken.failure() ==
        "65 the API refused the request for target web of api (409 conflict: The slug web is already taken.)");
}

TEST_CASE("a 404 names the subject; a 403 names the subject, the ability and the token's source") {
  Harness h;
  h.request.subject.what = "environment production of api/web";
  h.script = {answer(404, R"({"message": "Environment production not found.", "error": "not_found"})")};
  CHECK(h.failure() ==
        "78 environment production of api/web was not found (404 not_found: Environment production "
        "not found.)");
  Harness forbidden;
  forbidden.write(Method::kPut);
  forbidden.script = {
      answer(403, R"({"message": "Forbidden.", "error": "forbidden", "required_ability": "secret:write"})")};
  CHECK(forbidden.failure() ==
        "77 the token from DOTENV_CLOUD_TOKEN_FILE=/run/tok lacks secret:write for environment "
        "production of api/web (403 forbidden: Forbidden.)");
}

TEST_CASE("a secret JSON body never appears in any error line or notice") {
  const std::vector<std::vector<testing::Scripted>> scripts = {
      {broken(TransportError::kTimeout, "Operation timed out")},
      {answer(500, R"({"message": "boom", "error": "internal"})")},
      {answer(400, R"({"message": "Bad request.", "error": "bad_request", "body": "dcv1:2:c2VjcmV0LXZhbHVlLTQy"})")},
      {answer(
          422,
          R"({"message": "Invalid.", "error": "validation_failed", "errors": {"blob": ["dcv1:2:c2VjcmV0LXZhbHVlLTQy"]}})")},
      {answer(409, R"({"message": "Conflict.", "error": "version_conflict"})")},
      {answer(401, "dcv1:2:c2VjcmV0LXZhbHVlLTQy")},
      {answer(429, "dcv1:2:c2VjcmV0LXZhbHVlLTQy", "1"), answer(503, "dcv1:2:c2VjcmV0LXZhbHVlLTQy")},
      {broken(TransportError::kTooLarge, "Failure writing output to destination")},
  };
  for (const auto& script : scripts) {
    Harness h;
    h.write(Method::kPut);
    h.settings.retry_timeout = 5;
    h.script.assign(script.begin(), script.end());
    const std::string failure = h.failure();
    CHECK(failure != "no error");
    CHECK(failure.find("c2VjcmV0") == std::string::npos);
    CHECK(failure.find("tok-secret") == std::string::npos);
    for (const auto& n : h.notices) CHECK(n.find("c2VjcmV0") == std::string::npos);
  }
}

TEST_CASE("an oversized answer to a write that was sent says its outcome is unknown; a failed verification does not") {
  Harness h;
  h.write(Method::kPost);
  h.script = {broken(TransportError::kTooLarge, "Failure writing output to destination")};
  CHECK(h.failure() ==
        "69 the API's answer is larger than 8 MiB; the POST request for environment production of "
        "api/web may or may not have been applied");
  Harness tls;
  tls.write(Method::kPost);
  tls.script = {broken(TransportError::kTlsVerify, "SSL certificate problem: unable to get local issuer certificate")};
  CHECK(tls.failure() ==
        "69 cannot verify the API's TLS certificate: SSL certificate problem: unable to get local issuer certificate");
}

TEST_CASE("a splay waits only before a client's first request") {
  Harness h;
  h.settings.splay = 10;
  h.uniform = 0.25;
  h.script = {answer(200, kOk)};
  ApiClient client(h.settings, h, h.environment(), h.notice());
  client.send(h.request, h.arena.resource());
  client.send(h.request, h.arena.resource());
  CHECK(h.sleeps == std::vector<double>{2.5});
  CHECK(h.requests.size() == 2);
}

TEST_CASE("the client refuses an http:// API URL and a malformed pin before any request") {
  Harness h;
  h.settings.api_url = "http://api.example.test";
  CHECK_THROWS_WITH(ApiClient(h.settings, h, h.environment(), h.notice()), "the API URL must use https://");
  h.settings.api_url = "https://api.example.test";
  h.settings.pins = {"sha256//QUJD"};
  CHECK_THROWS_WITH(ApiClient(h.settings, h, h.environment(), h.notice()),
                    "the pin \"sha256//QUJD\" is not sha256// followed by the base64 of 32 bytes");
  CHECK(h.requests.empty());
}

TEST_CASE("the client's copy of the settings keeps the token in the memory it came from") {
  Harness h;
  ApiSettings settings(h.arena.resource());
  settings.api_url = "https://api.example.test";
  settings.token.assign("tok-secret-123");
  const ApiClient client(settings, h, h.environment(), h.notice());
  CHECK(client.settings().token == "tok-secret-123");
  CHECK(client.settings().token.get_allocator().resource() == h.arena.resource());
  // What the type prevents: assignment keeps a string's own memory (here the default heap).
  ApiSettings plain;
  plain.token = secret_copy("x", h.arena.resource());
  CHECK(plain.token.get_allocator().resource() != h.arena.resource());
}

TEST_CASE("a short token is kept in its memory resource, never in the settings object's own buffer") {
  Harness h;
  ApiSettings settings(h.arena.resource());
  settings.api_url = "https://api.example.test";
  settings.token.assign("tok-short");  // fits a std::string's small buffer
  const auto inside = [](const void* object, std::size_t size, const char* p) {
    const char* begin = static_cast<const char*>(object);
    return p >= begin && p < begin + size;
  };
  CHECK_FALSE(inside(&settings, sizeof settings, settings.token.data()));
  const ApiClient client(settings, h, h.environment(), h.notice());
  CHECK(client.settings().token == "tok-short");
  CHECK_FALSE(inside(&client, sizeof client, client.settings().token.data()));
}

TEST_CASE("send_once makes one attempt, whatever the answer, with no wait and the request's own timeout") {
  Harness h;
  h.settings.splay = 30;
  h.settings.request_timeout = 7;
  h.script = {answer(503, R"({"message": "down"})", "5")};
  ApiClient client(h.settings, h, h.environment(), h.notice());
  const HttpResponse response = client.send_once(h.request, h.arena.resource());
  CHECK(response.status == 503);
  CHECK(response.retry_after == "5");
  CHECK(h.requests.size() == 1);
  CHECK(h.requests[0].total_timeout == 7);
  CHECK(h.sleeps.empty());  // no splay, no backoff
  CHECK(h.notices.empty());
}
