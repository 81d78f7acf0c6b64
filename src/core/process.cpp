// Capturing, hardening and restoring the launcher's process state around the fetch.
#include "core/process.hpp"

#include <dirent.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "core/error.hpp"

namespace dotenv_run {

namespace {

std::vector<int> open_fds() {
  std::vector<int> fds;
  const std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir("/proc/self/fd"), ::closedir);
  if (!dir) return fds;
  const int own = ::dirfd(dir.get());
  while (const struct dirent* entry = ::readdir(dir.get())) {
    if (entry->d_name[0] == '.') continue;
    int fd = std::atoi(entry->d_name);
    if (fd != own) fds.push_back(fd);
  }
  std::sort(fds.begin(), fds.end());
  return fds;
}

}  // namespace

ProcessState capture_process_state() {
  ProcessState state;
  ::sigprocmask(SIG_SETMASK, nullptr, &state.mask);
  ::sigaction(SIGPIPE, nullptr, &state.sigpipe);
  ::getrlimit(RLIMIT_CORE, &state.core);
  state.inherited_fds = open_fds();
  return state;
}

void harden_process() {
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    throw Error(kExitSoftware, "cannot make the process non-dumpable; refusing to handle secrets");
  }
  struct rlimit none {
    0, 0
  };
  struct rlimit current {};
  if (::getrlimit(RLIMIT_CORE, &current) == 0) {
    none.rlim_max = current.rlim_max;  // lower only the soft limit, so it can be put back
    ::setrlimit(RLIMIT_CORE, &none);
  }
  // OpenSSL may write to a socket the server has closed; that must be an error, not a death.
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  ::sigaction(SIGPIPE, &ignore, nullptr);
}

void restore_process_state(const ProcessState& state) {
  ::sigaction(SIGPIPE, &state.sigpipe, nullptr);
  ::setrlimit(RLIMIT_CORE, &state.core);
  for (int fd : open_fds()) {
    if (!std::binary_search(state.inherited_fds.begin(), state.inherited_fds.end(), fd)) ::close(fd);
  }
  ::sigprocmask(SIG_SETMASK, &state.mask, nullptr);
}

}  // namespace dotenv_run
