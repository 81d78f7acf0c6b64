// login and logout: the command table's entries for cloud/login.
#include "cloud/commands.hpp"
#include "cloud/login.hpp"
#include "cloud/session.hpp"

extern char** environ;

namespace dotenv_run {

namespace {

void run_login(Session& session) {
  login(session.settings(), login_options(session.line().no_browser, session.env()), session.env(), environ,
        session.memory(), [&](std::string_view line) { session.notice(line); });
}

void run_logout(Session& session) {
  logout(session.settings(), session.env(), session.memory(), [&](std::string_view line) { session.notice(line); });
}

constexpr Command kCommands[] = {
    {"login", "[--no-browser]", "log in with a browser; store the login",
     "Logs in through the browser (OAuth authorization code with PKCE): prints the authorize URL on stderr and "
     "opens it with xdg-open when there is a display (not with --no-browser), waits up to 5 minutes for the "
     "browser to come back to a listener on 127.0.0.1, then stores the access and refresh tokens for this API URL "
     "in $XDG_CONFIG_HOME/dotenv-cloud/credentials.json (mode 0600). Both programs use the stored login when no "
     "token is given (--token-file, DOTENV_CLOUD_TOKEN, DOTENV_CLOUD_TOKEN_FILE, a systemd credential), and "
     "refresh it when it expires.",
     kOptionNoBrowser, 0, 0, run_login},
    {"logout", "", "forget the stored login for this API URL",
     "Removes the stored login for this API URL from the credentials file (the file itself when it was the last "
     "one). A token given another way is not affected.",
     0, 0, 0, run_logout},
};

}  // namespace

std::span<const Command> login_commands() { return kCommands; }

}  // namespace dotenv_run
