// The watcher process: double fork, pidfd, not dumpable, every other descriptor closed.
#include "run/watcher.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>
#include <thread>

#include <fmt/format.h>

#include "core/error.hpp"
#include "run/watch_round.hpp"

namespace dotenv_run {

namespace {

void say(std::string_view line) {
  std::fprintf(stderr, "dotenv-run: %.*s\n", static_cast<int>(line.size()), line.data());
}

int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

// Keeps stderr and `keep`; every other descriptor (the program's stdin, stdout, files and
// sockets it inherited) is closed, and stdin and stdout become /dev/null.
void close_all_but(int keep1, int keep2) {
  std::vector<int> open;
  {
    const std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir("/proc/self/fd"), ::closedir);
    if (dir) {
      const int own = ::dirfd(dir.get());
      while (const struct dirent* entry = ::readdir(dir.get())) {
        if (entry->d_name[0] == '.') continue;
        const int fd = std::atoi(entry->d_name);
        if (fd != own) open.push_back(fd);
      }
    }
  }
  for (int fd : open) {
    if (fd != STDERR_FILENO && fd != keep1 && fd != keep2) ::close(fd);
  }
  const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0) {
    if (null != STDIN_FILENO) ::dup2(null, STDIN_FILENO);
    if (null != STDOUT_FILENO) ::dup2(null, STDOUT_FILENO);
    if (null > STDERR_FILENO) ::close(null);
  }
}

// Reads the starting digest; false when the launch ended without handing one over.
bool read_digest(int fd, Digest& digest) {
  std::size_t got = 0;
  while (got < digest.size()) {
    const ssize_t n = ::read(fd, digest.data() + got, digest.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    got += static_cast<std::size_t>(n);
  }
  return true;
}

// Waits up to `seconds`; true when the program has exited.
bool program_exited(int pidfd, double seconds) {
  struct pollfd p {
    pidfd, POLLIN, 0
  };
  const int ms = static_cast<int>(std::ceil(seconds * 1000));
  while (true) {
    const int n = ::poll(&p, 1, ms);
    if (n < 0 && errno == EINTR) continue;  // (a short early round is harmless)
    return n != 0;                          // readable: gone; an error: nothing left to watch either
  }
}

// The watcher ends with the program, whatever its round waits for (an answer, a connection,
// a name): a thread waits on the pidfd and exits the process. libcurl's progress callback
// comes only about once a second while a transfer is idle, so it cannot end a round promptly;
// and there is nothing to finish: the watcher writes no file, its memory is not dumpable and
// goes back to the kernel with it.
void exit_with_program(int pidfd) {
  std::thread([pidfd] {
    struct pollfd p {
      pidfd, POLLIN, 0
    };
    while (::poll(&p, 1, -1) < 0 && errno == EINTR) {
    }
    ::_exit(0);
  }).detach();
}

[[noreturn]] void watch(int pidfd, int digest_fd, const Settings& settings, const Options& options,
                        char* const* inherited, const DigestKey& key) {
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);  // inherited from the launcher already; said again here
  ::setpgid(0, 0);                       // out of the terminal's process group: Ctrl-C and Ctrl-Z are for the program
  for (int sig : {SIGINT, SIGQUIT, SIGHUP, SIGTSTP, SIGTTIN, SIGTTOU}) ::signal(sig, SIG_IGN);
  close_all_but(pidfd, digest_fd);
  Digest started{};
  const bool handed_over = read_digest(digest_fd, started);
  ::close(digest_fd);
  if (!handed_over) ::_exit(0);
  try {
    exit_with_program(pidfd);
    WatchLoop loop(settings, options, inherited, key, started);
    double wait = loop.first_wait();
    while (!program_exited(pidfd, wait)) {
      const WatchLoop::Step step = loop.next(say);
      wait = step.wait;
      if (step.changed) {
        say(fmt::format("watch: the secrets changed; sending {} to the program", signal_name(options.watch.signal)));
        if (::syscall(SYS_pidfd_send_signal, pidfd, options.watch.signal, nullptr, 0) != 0) ::_exit(0);
      }
    }
  } catch (const std::exception& e) {
    say(fmt::format("watch: stopped watching: {}", e.what()));
  }
  ::_exit(0);
}

}  // namespace

void announce_watch(const Options& options, const Lookup& env, const Notice& say_line) {
  if (options.watch.interval == 0) return;
  const std::string warning = check_watch_interval(options.watch.interval, env);
  if (!warning.empty()) say_line(warning);
  if (options.verbose > 0) say_line(fleet_budget_line(options.watch.interval));
}

Watcher Watcher::start(const Settings& settings, const Options& options, char* const* inherited) {
  Watcher out;
  if (options.watch.interval == 0 || options.watch.restart) return out;
  const UniqueFd pidfd(pidfd_open(::getpid()));
  if (!pidfd) {
    throw Error(kExitConfig, fmt::format("--watch needs pidfd_open (Linux 5.3 or later): {}", std::strerror(errno)));
  }
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) throw Error(kExitSoftware, fmt::format("pipe: {}", std::strerror(errno)));
  UniqueFd read_end(ends[0]);
  out.digest_pipe_.reset(ends[1]);
  out.key_ = new_digest_key();
  const pid_t middle = ::fork();
  if (middle < 0) throw Error(kExitSoftware, fmt::format("cannot start the watcher: {}", std::strerror(errno)));
  if (middle == 0) {
    // The middle process only forks the watcher and exits, so the watcher is nobody's child
    // here: it is re-parented to init (or the nearest subreaper), never to the program.
    const pid_t watcher = ::fork();
    if (watcher == 0) {
      ::close(out.digest_pipe_.release());
      watch(pidfd.get(), read_end.release(), settings, options, inherited, out.key_);
    }
    ::_exit(watcher < 0 ? 1 : 0);
  }
  int status = 0;
  while (::waitpid(middle, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw Error(kExitSoftware, "cannot start the watcher");
  return out;
}

void Watcher::hand_over(const ChildEnvironment& env, const SecretFilePlan& files) {
  if (!digest_pipe_) return;
  const Digest digest = environment_digest(env, files, key_);
  std::size_t sent = 0;
  while (sent < digest.size()) {
    const ssize_t n = ::write(digest_pipe_.get(), digest.data() + sent, digest.size() - sent);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the watcher is gone: the program runs unwatched, as it would have
    sent += static_cast<std::size_t>(n);
  }
  digest_pipe_.reset();
}

}  // namespace dotenv_run
