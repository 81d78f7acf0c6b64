// Spending a refresh token or an authorization code at the token endpoint, and the refresh of
// an expired stored login (docs/api.md section 9).
#pragma once

#include <ctime>
#include <memory_resource>
#include <string_view>

#include "api/client.hpp"
#include "api/connection.hpp"
#include "api/credentials.hpp"
#include "api/http.hpp"
#include "api/oauth.hpp"
#include "api/retry.hpp"
#include "api/settings.hpp"
#include "core/secure_memory.hpp"

namespace dotenv_run {

// POSTs `form` to the token endpoint (no Authorization header) and reads the answer. A 400
// or 401 is Error(kExitAuth): "<what> was refused (401 invalid_request: <description>); run
// dotenv-cloud login". Other failures as ApiClient::send.
StoredLogin request_tokens(ApiClient& client, std::string_view form, std::string_view what, std::time_t now,
                           std::pmr::memory_resource* mem);

// Refreshes the stored login behind settings.token (settings.login must be set). Under the
// credentials file's lock it reads the login again: when another program has refreshed it
// meanwhile (the stored access token is no longer ours and has not expired), it takes that
// one and sends nothing. Otherwise it spends the refresh token (grant_type=refresh_token),
// stores the rotated pair atomically, and only then puts the new access token into
// settings.token (and its expiry into settings.login). A refused refresh, or a login that
// was removed meanwhile, is Error(kExitAuth) saying to run `dotenv-cloud login`.
void refresh_login(Settings& settings, HttpClient& http, const RetryEnvironment& environment, const Notice& notice,
                   std::time_t now, std::pmr::memory_resource* mem);

// refresh_login when stored_login_expired, with libcurl and the real clocks; otherwise
// nothing, and no request. Returns whether it refreshed. Both programs call this once
// before their first request: the launcher stays one request while the token is fresh.
bool refresh_login_if_expired(Settings& settings, const Notice& notice, std::pmr::memory_resource* mem);

// The transport of a program whose token is the stored login: when an authenticated request
// is answered 401 token_expired (the token expired before its stored expiry said), refreshes
// the login once (refresh_login) and sends that request again with the new token; every later
// request carries the new token. A 401 means nothing was applied, so the repeat is safe, and
// the ApiClient above sees only the second answer. Other answers pass through untouched.
class LoginRefreshingHttp final : public HttpClient {
 public:
  LoginRefreshingHttp(HttpClient& inner, Settings& settings, RetryEnvironment environment, Notice notice,
                      std::pmr::memory_resource* mem)
      : inner_(inner),
        settings_(settings),
        environment_(std::move(environment)),
        notice_(std::move(notice)),
        mem_(mem) {}
  HttpResponse perform(const HttpRequest& request, std::pmr::memory_resource* body_memory) override;

 private:
  HttpClient& inner_;
  Settings& settings_;
  RetryEnvironment environment_;
  Notice notice_;
  std::pmr::memory_resource* mem_;
  bool refreshed_ = false;
};

}  // namespace dotenv_run
