// The OAuth token endpoint's bodies and answers (docs/api.md section 9), and when a stored login is expired.
#pragma once

#include <ctime>
#include <memory_resource>
#include <string>
#include <string_view>
#include <utility>

#include "api/client.hpp"
#include "api/connection.hpp"
#include "api/credentials.hpp"
#include "api/settings.hpp"
#include "core/secure_memory.hpp"

namespace dotenv_run {

// The client_id both programs send (the local server accepts any; a real deployment
// registers this one).
inline constexpr std::string_view kOAuthClientId = "dotenv-cloud";
inline constexpr std::string_view kOAuthTokenPath = "/api/oauth/token";
// A stored access token is refreshed this long before the expiry the token endpoint gave,
// so it does not expire between the check and the request.
inline constexpr std::time_t kRefreshMarginSeconds = 60;

// The form bodies of the token endpoint (application/x-www-form-urlencoded), in `mem`.
SecretString authorization_code_form(std::string_view code, std::string_view verifier, std::string_view redirect_uri,
                                     std::pmr::memory_resource* mem);
SecretString refresh_token_form(std::string_view refresh_token, std::pmr::memory_resource* mem);

// Reads a 200 answer of the token endpoint ({"access_token", "token_type": "Bearer",
// "expires_in", "refresh_token"}) into a login expiring at now + expires_in. The body is
// parsed in place and wiped. Error(kExitUnavailable) for any other shape, never its content.
StoredLogin parse_token_answer(SecretString& body, std::time_t now, std::pmr::memory_resource* mem);

// The "error" and "error_description" (else "message") of an error answer, sanitised; empty
// strings when absent or when the body is not a JSON object. Parsed from a wiped copy. Every
// occurrence of `secret` (the refresh token or code the request carried, which a server may
// echo) is replaced by "***" first.
std::pair<std::string, std::string> oauth_error_fields(const SecretString& body, std::string_view secret = {});

// True when an answer is 401 with "error": "token_expired" (docs/api.md section 2): the one
// answer after which a stored login is refreshed and the request sent again, once.
bool is_token_expired_answer(long status, const SecretString& body);
inline bool is_token_expired_answer(const ApiResponse& response) {
  return is_token_expired_answer(response.status, response.body);
}

// True when settings.token is the stored login and its expiry (less the margin) has passed.
bool stored_login_expired(const Settings& settings, std::time_t now);

}  // namespace dotenv_run
