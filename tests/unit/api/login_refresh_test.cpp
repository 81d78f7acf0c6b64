// Tests of the refresh of a stored login: the rotated pair stored before use, a refresh made
// meanwhile by another program, a refused refresh, and the one retry after 401 token_expired.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>

#include "api/credentials.hpp"
#include "api/login_refresh.hpp"
#include "api/resolve.hpp"
#include "core/error.hpp"
#include "scripted_http.hpp"
#include "support/error_of.hpp"

using namespace dotenv_run;
namespace fs = std::filesystem;

namespace {

constexpr const char* kUrl = "https://api.example.test";
constexpr const char* kTokenAnswer =
    R"({"access_token":"new-access","token_type":"Bearer","expires_in":3600,"refresh_token":"new-refresh"})";

struct Fixture {
  fs::path root;
  fs::path file;
  SecretArena arena;
  ::testing::ScriptedHttp http;
  Settings settings;
  Fixture() {
    char tmpl[] = "/tmp/dotenv-refresh-XXXXXX";
    root = ::mkdtemp(tmpl);
    file = root / "dotenv-cloud" / "credentials.json";
    store("old-access", "old-refresh", 500);
    settings.api_url = Setting{kUrl, "--api-url"};
    settings.token = SecretSetting{secret_copy("old-access", mem()), "stored login " + file.string()};
    settings.login = StoredLoginSource{file.string(), 500};
  }
  ~Fixture() { fs::remove_all(root); }
  std::pmr::memory_resource* mem() { return arena.resource(); }
  void store(std::string_view access, std::string_view refresh, std::int64_t expires_at) {
    StoredLogin login(mem());
    login.access_token = secret_copy(access, mem());
    login.refresh_token = secret_copy(refresh, mem());
    login.expires_at = expires_at;
    CredentialStore(file).store(kUrl, login, mem());
  }
  StoredLogin stored() { return std::move(*CredentialStore(file).load(kUrl, mem())); }
  void refresh() { refresh_login(settings, http, http.environment(), http.notice(), 1000, mem()); }
};

}  // namespace

TEST_CASE("a refresh spends the stored refresh token and stores the rotated pair before the new token is used") {
  Fixture f;
  f.http.script = {::testing::answer(200, kTokenAnswer)};
  f.refresh();
  REQUIRE(f.http.requests.size() == 1);
  const auto& sent = f.http.requests[0];
  CHECK(sent.method == Method::kPost);
  CHECK(sent.url == "https://api.example.test/api/oauth/token");
  CHECK(sent.bearer_token.empty());
  CHECK(sent.body_type == BodyType::kForm);
  CHECK(sent.body == "grant_type=refresh_token&refresh_token=old-refresh&client_id=dotenv-cloud");
  StoredLogin now = f.stored();
  CHECK(now.access_token == "new-access");
  CHECK(now.refresh_token == "new-refresh");
  CHECK(now.expires_at == 4600);
  CHECK(f.settings.token->value == "new-access");
  CHECK(f.settings.login->expires_at == 4600);
}

TEST_CASE("a login another program refreshed meanwhile is taken as it is, without a request") {
  Fixture f;
  f.store("their-access", "their-refresh", 5000);
  f.refresh();
  CHECK(f.http.requests.empty());
  CHECK(f.settings.token->value == "their-access");
  CHECK(f.settings.login->expires_at == 5000);
}

TEST_CASE("a refused refresh says to log in again, with 77, and leaves the stored login alone") {
  Fixture f;
  f.http.script = {::testing::answer(
      401, R"({"error":"invalid_request","error_description":"The refresh token is invalid, used or expired."})")};
  CHECK(dotenv_run::testing::error_of(kExitAuth, [&] { f.refresh(); }) ==
        "the refresh of the stored login for https://api.example.test was refused (401 invalid_request: The refresh "
        "token is invalid, used or expired.); run dotenv-cloud login");
  CHECK(f.stored().refresh_token == "old-refresh");
  CHECK(f.settings.token->value == "old-access");
}

TEST_CASE("a token endpoint that echoes the refresh token never gets it printed") {
  Fixture f;
  f.http.script = {::testing::answer(
      401, R"({"error":"invalid_grant old-refresh","error_description":"refresh_token=old-refresh is bad"})")};
  CHECK(dotenv_run::testing::error_of(kExitAuth, [&] { f.refresh(); }) ==
        "the refresh of the stored login for https://api.example.test was refused (401 invalid_grant ***: "
        "refresh_token=*** is bad); run dotenv-cloud login");
}

TEST_CASE("a login removed meanwhile cannot be refreshed") {
  Fixture f;
  CredentialStore(f.file).forget(kUrl, f.mem());
  CHECK(dotenv_run::testing::error_of(kExitAuth, [&] { f.refresh(); }) ==
        "the stored login for https://api.example.test is no longer in " + f.file.string() +
            "; run dotenv-cloud login");
}

TEST_CASE("after 401 token_expired the transport refreshes once and sends the request again with the new token") {
  Fixture f;
  f.http.script = {::testing::answer(401, R"({"message":"The token has expired.","error":"token_expired"})"),
                   ::testing::answer(200, kTokenAnswer), ::testing::answer(200, R"({"data":{}})"),
                   ::testing::answer(401, R"({"message":"The token has expired.","error":"token_expired"})")};
  LoginRefreshingHttp transport(f.http, f.settings, f.http.environment(), f.http.notice(), f.mem());
  ApiClient client(connection_of(f.settings, f.mem()), transport, f.http.environment(), f.http.notice());
  ApiRequest me;
  me.path = "/api/v1/me";
  CHECK(client.send(me, f.mem()).status == 200);
  REQUIRE(f.http.requests.size() == 3);
  CHECK(f.http.requests[0].bearer_token == "old-access");
  CHECK(f.http.requests[1].url == "https://api.example.test/api/oauth/token");
  CHECK(f.http.requests[2].bearer_token == "new-access");
  CHECK(f.stored().access_token == "new-access");
  // Once only: a second token_expired is the caller's 401.
  CHECK(dotenv_run::testing::failure_of([&] { client.send(me, f.mem()); }).code == kExitAuth);
  CHECK(f.http.requests.size() == 4);
  CHECK(f.http.requests[3].bearer_token == "new-access");
}

TEST_CASE("a token given another way is never refreshed by the transport") {
  Fixture f;
  f.settings.login.reset();
  f.http.script = {::testing::answer(401, R"({"message":"The token has expired.","error":"token_expired"})")};
  LoginRefreshingHttp transport(f.http, f.settings, f.http.environment(), f.http.notice(), f.mem());
  ApiClient client(connection_of(f.settings, f.mem()), transport, f.http.environment(), f.http.notice());
  ApiRequest me;
  me.path = "/api/v1/me";
  CHECK(dotenv_run::testing::failure_of([&] { client.send(me, f.mem()); }).code == kExitAuth);
  CHECK(f.http.requests.size() == 1);
}
