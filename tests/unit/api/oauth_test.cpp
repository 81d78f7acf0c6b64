// Tests of the token endpoint's forms and answers, and of when a stored login counts as expired.
#include <doctest/doctest.h>

#include "api/oauth.hpp"
#include "core/error.hpp"
#include "support/error_of.hpp"

using namespace dotenv_run;

TEST_CASE("the token endpoint's forms escape every value") {
  SecretArena arena;
  CHECK(authorization_code_form("c/d+e", "v~._-", "http://127.0.0.1:5/callback", arena.resource()) ==
        "grant_type=authorization_code&code=c%2Fd%2Be&client_id=dotenv-cloud&code_verifier=v~._-"
        "&redirect_uri=http%3A%2F%2F127.0.0.1%3A5%2Fcallback");
  CHECK(refresh_token_form("r=1", arena.resource()) ==
        "grant_type=refresh_token&refresh_token=r%3D1&client_id=dotenv-cloud");
}

TEST_CASE("a token answer gives both tokens and an expiry, and its buffer is wiped") {
  SecretArena arena;
  SecretString body(R"({"access_token":"acc-1","token_type":"bearer","expires_in":3600,"refresh_token":"ref-1"})",
                    arena.resource());
  StoredLogin login = parse_token_answer(body, 1000, arena.resource());
  CHECK(login.access_token == "acc-1");
  CHECK(login.refresh_token == "ref-1");
  CHECK(login.expires_at == 4600);
  CHECK(body.find("acc-1") == std::string::npos);
}

TEST_CASE("a token answer of another shape is refused without its content") {
  SecretArena arena;
  auto failure = [&](const char* text) {
    SecretString body(text, arena.resource());
    return testing::error_of(kExitUnavailable, [&] { parse_token_answer(body, 0, arena.resource()); });
  };
  CHECK(failure(R"({"access_token":"acc-2","token_type":"Bearer","expires_in":3600})") ==
        "the OAuth token endpoint sent a malformed answer (no \"refresh_token\")");
  CHECK(failure(R"({"access_token":"acc 3","refresh_token":"r","token_type":"Bearer","expires_in":3600})") ==
        "the OAuth token endpoint sent a malformed answer (\"access_token\" is not a token)");
  CHECK(failure(R"({"access_token":"a","refresh_token":"r","token_type":"mac","expires_in":3600})") ==
        "the OAuth token endpoint sent a malformed answer (\"token_type\" is not Bearer)");
  CHECK(failure(R"({"access_token":"a","refresh_token":"r","token_type":"Bearer","expires_in":0})") ==
        "the OAuth token endpoint sent a malformed answer (\"expires_in\" is not a positive number of seconds)");
  CHECK(failure("acc-4").starts_with("the OAuth token endpoint sent a malformed answer (not JSON: "));
}

TEST_CASE("a stored login is expired a minute before the expiry it was given; other tokens never") {
  Settings s;
  CHECK_FALSE(stored_login_expired(s, 5000));
  s.login = StoredLoginSource{"/f", 1000};
  CHECK_FALSE(stored_login_expired(s, 939));
  CHECK(stored_login_expired(s, 940));
  s.login->expires_at = 0;
  CHECK_FALSE(stored_login_expired(s, 5000));
}

TEST_CASE("only a 401 token_expired answer asks for a refresh") {
  SecretArena arena;
  ApiResponse r(arena.resource());
  r.status = 401;
  r.body = R"({"message":"The token has expired.","error":"token_expired"})";
  CHECK(is_token_expired_answer(r));
  r.body = R"({"message":"Unauthenticated.","error":"unauthenticated"})";
  CHECK_FALSE(is_token_expired_answer(r));
  r.status = 403;
  r.body = R"({"error":"token_expired"})";
  CHECK_FALSE(is_token_expired_answer(r));
}
