// xdg-open, spawned without a shell and without the secret variables.
#include "cloud/browser.hpp"

#include <fcntl.h>
#include <spawn.h>

#include <string_view>
#include <vector>

#include "api/settings.hpp"

namespace dotenv_run {

bool has_display(const Lookup& env) {
  for (std::string_view name : {"DISPLAY", "WAYLAND_DISPLAY"}) {
    if (auto v = env.find(name); v && !v->empty()) return true;
  }
  return false;
}

bool open_in_browser(const std::string& url, char* const* environ) {
  std::vector<char*> child_env;
  for (char* const* e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const std::string_view name = entry.substr(0, entry.find('='));
    bool secret = false;
    for (std::string_view hidden : kSecretVariables) secret = secret || name == hidden;
    if (!secret) child_env.push_back(*e);
  }
  child_env.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  if (posix_spawn_file_actions_init(&actions) != 0) return false;
  for (int fd : {0, 1, 2}) {
    posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0);
  }
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // Its own process group: a Ctrl-C at the login prompt is not sent to the browser.
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  std::string program = "xdg-open";
  std::string argument = url;
  char* argv[] = {program.data(), argument.data(), nullptr};
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, "xdg-open", &actions, &attributes, argv, child_env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  return rc == 0;
}

}  // namespace dotenv_run
