// `dotenv-cloud login`, `logout` and the one line that says who a token is (docs/api.md sections 6 and 9).
#pragma once

#include <functional>
#include <memory_resource>
#include <string>
#include <string_view>

#include "api/client.hpp"
#include "api/settings.hpp"
#include "core/lookup.hpp"
#include "core/secure_memory.hpp"

namespace dotenv_run {

// Receives one line for stderr, without the "dotenv-cloud: " prefix.
using Say = std::function<void(std::string_view)>;

inline constexpr double kLoginTimeoutSeconds = 300;
// Hidden, for tests only: the login's wait in seconds instead of 5 minutes.
inline constexpr std::string_view kLoginTimeoutVariable = "DOTENV_CLOUD_LOGIN_TIMEOUT";

struct LoginOptions {
  bool open_browser = true;  // false: --no-browser
  double timeout_seconds = kLoginTimeoutSeconds;
};

// The options of `login` from its flags and the environment (DOTENV_CLOUD_LOGIN_TIMEOUT:
// Error(kExitUsage) unless a number of seconds in (0, 3600]).
LoginOptions login_options(bool no_browser, const Lookup& env);

// OAuth authorization code with PKCE S256 against settings.api_url: checks (and creates)
// the credentials directory first, listens on 127.0.0.1 (a random port), prints the
// authorize URL on stderr (and starts xdg-open when there is a display and open_browser),
// waits for the browser's answer with the right state (LoopbackListener::wait), exchanges
// the code at /api/oauth/token, asks GET /me who it is, stores the login for the API URL
// and says who logged in. Nothing secret is printed or put in argv or a URL. Errors: 69 when
// the browser does not come back in time, 77 when the authorization or the exchange is
// refused, 78 when the login cannot be stored; others as ApiClient.
void login(const Settings& settings, const LoginOptions& options, const Lookup& env, char* const* environ,
           std::pmr::memory_resource* mem, const Say& say);

// Forgets the stored login for settings.api_url and says so; no stored login is a line,
// not an error.
void logout(const Settings& settings, const Lookup& env, std::pmr::memory_resource* mem, const Say& say);

// One line about the principal of a GET /me answer (parsed in place, then wiped):
// "Ada Lovelace <ada@example.com> (organizations: Acme (owner))", or for an organization
// token "token deploy of organization Acme". Error(kExitUnavailable) for another shape.
std::string principal_line(SecretString& me_body);

}  // namespace dotenv_run
