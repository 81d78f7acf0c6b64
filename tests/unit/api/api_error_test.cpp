// Tests of the error lines: which fields of an error answer are printed, and the exit code of each status.
#include <doctest/doctest.h>

#include <string>

#include "api/api_error.hpp"
#include "core/error.hpp"

using namespace dotenv_run;

namespace {

struct Lines {
  SecretArena arena;
  ApiSettings settings;
  Lines() { settings.token_source = "--token-file /run/tok"; }

  HttpResponse response(long status, const std::string& body, const std::string& request_id = {}) {
    HttpResponse r(arena.resource());
    r.status = status;
    r.body.assign(body);
    r.request_id = request_id;
    return r;
  }

  // "<exit code> <message>" of api_error for a request about `subject`.
  std::string line(long status, const std::string& body, std::string_view subject = "project api") {
    const Error e = api_error(response(status, body), settings, subject);
    return std::to_string(e.code()) + " " + e.what();
  }
};

}  // namespace

TEST_CASE("the error fields are read from a JSON error body, sanitised; the field errors give a name only") {
  Lines l;
  const ErrorFields f = error_fields(
      l.response(422, R"({"message": "Bad\u001b[31m.", "error": "validation_failed", "required_ability": "x:y",)"
                      R"( "errors": {"levels.0.blob": ["the value dcv1:2:SECRET is bad"], "slug": ["no"]}})"));
  CHECK(f.message == "Bad\\x1b[31m.");
  CHECK(f.error == "validation_failed");
  CHECK(f.required_ability == "x:y");
  CHECK(f.first_field == "levels.0.blob");
  CHECK(error_fields(l.response(422, R"({"errors": []})")).first_field.empty());
  CHECK(error_fields(l.response(500, "<html>")).message.empty());
}

TEST_CASE("the status line has the status, error, message, first field and request id") {
  Lines l;
  const HttpResponse r =
      l.response(422, R"({"message": "Invalid.", "error": "validation_failed", "errors": {"slug": ["x"]}})", "r-1");
  CHECK(describe_status(r, error_fields(r)) == "422 validation_failed: Invalid. (field slug); request id r-1");
  const HttpResponse bare = l.response(502, "");
  CHECK(describe_status(bare, error_fields(bare)) == "502");
}

TEST_CASE("each final status maps to its exit code and names the subject") {
  Lines l;
  CHECK(l.line(301, "") == "78 the API answered with a redirect (301); redirects are never followed");
  CHECK(l.line(401, R"({"message": "The token has expired.", "error": "token_expired"})") ==
        "77 the API refused the token from --token-file /run/tok (401 token_expired: The token has expired.)");
  CHECK(l.line(403, R"({"message": "Forbidden.", "error": "forbidden", "required_ability": "project:delete"})") ==
        "77 the token from --token-file /run/tok lacks project:delete for project api (403 forbidden: Forbidden.)");
  CHECK(l.line(403, R"({"message": "Plan limit.", "error": "plan_limit"})", "target web of api") ==
        "77 the API refused access to target web of api for the token from --token-file /run/tok (403 plan_limit: "
        "Plan limit.)");
  CHECK(l.line(404, R"({"message": "Project api not found.", "error": "not_found"})") ==
        "78 project api was not found (404 not_found: Project api not found.)");
  CHECK(l.line(404, "", "/api/v1/X/projects") == "78 /api/v1/X/projects was not found (404)");
  CHECK(l.line(409, R"({"message": "The level is at version 3, not 2.", "error": "version_conflict"})") ==
        "75 project api changed since it was read; the write was not applied (409 version_conflict: The level is at "
        "version 3, not 2.)");
  CHECK(l.line(409, R"({"message": "The key proof does not match.", "error": "key_proof_mismatch"})") ==
        "65 the API refused the request for project api (409 key_proof_mismatch: The key proof does not match.)");
  CHECK(
      l.line(422, R"({"message": "The slug is invalid.", "error": "validation_failed", "errors": {"slug": ["x"]}})") ==
      "65 the API refused the request for project api (422 validation_failed: The slug is invalid. (field slug))");
  CHECK(l.line(405, R"({"message": "Method not allowed.", "error": "method_not_allowed"})") ==
        "78 the API answered 405 method_not_allowed: Method not allowed.");
  CHECK(l.line(413, "") == "78 the API answered 413");
  CHECK(l.line(500, "") == "69 the API answered 500");
  CHECK(l.line(101, "") == "69 the API answered 101");
}

TEST_CASE("the resolve call's lines: 404 names the level, 409 and 422 are configuration errors") {
  Lines l;
  const ResolveQuery query{"01HZX5V9Q6M3K8T2R4W7Y0B1CD", "api", "web", std::nullopt};
  const auto line = [&](long status, const std::string& body) {
    const Error e = status_error(l.response(status, body), l.settings, query);
    return std::to_string(e.code()) + " " + e.what();
  };
  CHECK(line(404, R"({"message": "Target web not found.", "error": "not_found"})") ==
        "78 target web was not found in project api (404 not_found: Target web not found.)");
  CHECK(line(404, R"({"message": "Environment x not found.", "error": "not_found"})") ==
        "78 org 01HZX5V9Q6M3K8T2R4W7Y0B1CD/api/web was not found (404 not_found: Environment x not found.)");
  CHECK(line(409, R"({"message": "x", "error": "version_conflict"})") == "78 the API answered 409 version_conflict: x");
  CHECK(line(422, R"({"message": "y", "error": "validation_failed"})") ==
        "78 the API answered 422 validation_failed: y");
  CHECK(line(401, "") == "77 the API refused the token from --token-file /run/tok (401)");
  CHECK(line(500, "") == "69 the API answered 500, not 200");
}

TEST_CASE("a server that echoes the Authorization header never gets the token printed") {
  Lines l;
  const std::string token = "dcs_unitEchoedToken0000000000000007";
  l.settings.token.assign(token);
  const std::string echo = R"({"message": "bad header Authorization: Bearer )" + token + R"(", "error": ")" + token +
                           R"(", "required_ability": ")" + token + R"(",)" + R"( "errors": {")" + token +
                           R"(": ["x"]}})";
  for (long status : {401L, 403L, 404L, 409L, 422L, 400L, 500L, 503L}) {
    CAPTURE(status);
    HttpResponse r = l.response(status, echo, "req " + token);
    const std::string line = api_error(r, l.settings, "project api").what();
    CHECK(line.find(token) == std::string::npos);
    CHECK(line.find("Bearer ***") != std::string::npos);
    CHECK(describe_status(r, error_fields(r, l.settings.token)).find(token) == std::string::npos);
  }
}

TEST_CASE("an answer that is not HTTP exits 69, a proxy URL that is not a URL exits 78") {
  Lines l;
  HttpResponse r(l.arena.resource());
  r.error = TransportError::kBadAnswer;
  r.error_detail = "Unsupported HTTP version in response";
  CHECK(transport_error(r, l.settings).code() == kExitUnavailable);
  CHECK(std::string(transport_error(r, l.settings).what()) ==
        "the API's answer is not HTTP: Unsupported HTTP version in response");
  CHECK_FALSE(retryable(TransportError::kBadAnswer));
  r.error = TransportError::kProxySyntax;
  CHECK(transport_error(r, l.settings).code() == kExitConfig);
  CHECK_FALSE(retryable(TransportError::kProxySyntax));
}
