// The --restart loop: signalfd for signals and children, a timer for the watch rounds.
#include "run/supervisor.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "api/retry.hpp"
#include "core/error.hpp"
#include "core/fd.hpp"
#include "core/secure_memory.hpp"
#include "run/exec.hpp"
#include "run/secrets.hpp"
#include "run/sources.hpp"
#include "run/watch_round.hpp"

namespace dotenv_run {

namespace {

double now_seconds() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Faults are the process's own; blocking them would hide a crash.
sigset_t forwarded_signals() {
  sigset_t set;
  sigfillset(&set);
  for (int sig : {SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGABRT}) sigdelset(&set, sig);
  return set;
}

int exit_status_of(int status) {
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

class Supervisor {
 public:
  Supervisor(const Settings& settings, const std::optional<FallbackSettings>& fallback, const Options& options,
             char* const* inherited, const ProcessState& inherited_state, const Notice& say,
             const ApiFailure* refresh_outage)
      : settings_(settings),
        fallback_(fallback),
        options_(options),
        inherited_(inherited),
        inherited_state_(inherited_state),
        say_(say),
        refresh_outage_(refresh_outage),
        key_(new_digest_key()) {}

  int run() {
    // Orphans of the program's are re-parented here, not to init, and reaped here.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    const sigset_t set = forwarded_signals();
    ::sigprocmask(SIG_BLOCK, &set, nullptr);
    signals_.reset(::signalfd(-1, &set, SFD_CLOEXEC));
    if (!signals_) throw Error(kExitSoftware, fmt::format("signalfd: {}", std::strerror(errno)));

    const Digest started = start_program(load_environment());
    start_rounds(started);
    while (true) {
      if (wait_for_events(-1)) return exit_status_of(program_status_);
      if (!change_seen_) continue;
      change_seen_ = false;
      restart();
      if (program_ == 0) return exit_status_of(program_status_);
    }
  }

 private:
  // The program's environment, loaded as a launch loads it, in an arena of its own.
  struct Loaded {
    SecretArena arena;
    std::optional<LoadedSecrets> secrets;
    std::optional<ChildEnvironment> env;  // without the secret files' paths, added in the child
  };
  std::unique_ptr<Loaded> load_environment() {
    auto out = std::make_unique<Loaded>();
    const EnvironLookup inherited_env(inherited_, kSecretVariables);
    // A refresh that gave up before the first start concerns that start only: a later one asks the API.
    const ApiFailure* outage = std::exchange(refresh_outage_, nullptr);
    const SourceLoader load = [&](std::pmr::memory_resource* mem) {
      return load_sources(
          settings_, fallback_, options_.env_files, mem, [&](std::string_view line) { say_(line); }, outage);
    };
    out->secrets.emplace(load_secrets(load, options_, inherited_env, out->arena.resource()));
    out->env.emplace(program_environment(inherited_, *out->secrets, options_, out->arena.resource()));
    return out;
  }

  // Forks and execs the program; the plaintext is wiped here once the child has its copy.
  Digest start_program(std::unique_ptr<Loaded> loaded) {
    const Digest digest = environment_digest(*loaded->env, loaded->secrets->files, key_);
    const pid_t pid = ::fork();
    if (pid < 0) throw Error(kExitSoftware, fmt::format("cannot start the program: {}", std::strerror(errno)));
    if (pid == 0) {
      restore_process_state(inherited_state_);  // the signal mask, SIGPIPE, the core limit, our fds
      try {
        const std::vector<UniqueFd> secret_fds = add_secret_files(
            *loaded->secrets, inherited_state_.inherited_fds, inherited_, options_, *loaded->env, loaded->arena.resource());
        exec_command(options_.command, *loaded->env);
      } catch (const Error& e) {
        std::fprintf(stderr, "dotenv-run: error: %s\n", e.what());
        ::_exit(e.code());
      }
    }
    program_ = pid;
    return digest;
  }

  // The rounds run in a child of their own, which writes a byte on each change: a slow API
  // never delays forwarding a signal or reaping a zombie here. It dies with this process.
  void start_rounds(const Digest& started) {
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0) throw Error(kExitSoftware, fmt::format("pipe: {}", std::strerror(errno)));
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw Error(kExitSoftware, fmt::format("cannot start watching: {}", std::strerror(errno)));
    if (pid == 0) {
      ::close(ends[0]);
      ::close(signals_.release());
      ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
      if (::getppid() != parent) ::_exit(0);
      try {
        WatchLoop loop(settings_, options_, inherited_, key_, started);
        double wait = loop.first_wait();
        while (true) {
          sleep_for_seconds(wait);
          const WatchLoop::Step step = loop.next(say_);
          wait = step.wait;
          if (step.changed && ::write(ends[1], "c", 1) != 1) ::_exit(0);
        }
      } catch (const std::exception& e) {
        say_(fmt::format("watch: stopped watching: {}", e.what()));
      }
      ::_exit(0);
    }
    ::close(ends[1]);
    rounds_.reset(ends[0]);
  }

  // Waits for a signal or a change up to `seconds` (< 0: no limit); reaps children and
  // forwards signals. True when the program exited and we are not restarting it.
  bool wait_for_events(double seconds) {
    struct pollfd p[2] = {{signals_.get(), POLLIN, 0}, {rounds_.get(), POLLIN, 0}};
    const int ms = seconds < 0 ? -1 : static_cast<int>(std::ceil(seconds * 1000));
    if (::poll(p, rounds_ ? 2 : 1, ms) <= 0) return false;
    if (p[1].revents != 0) {
      char byte = 0;
      if (::read(rounds_.get(), &byte, 1) == 1) {
        change_seen_ = true;
      } else {
        rounds_.reset();  // the rounds ended (said why on stderr): the program runs on, unwatched
      }
    }
    if ((p[0].revents & POLLIN) == 0) return false;
    struct signalfd_siginfo info {};
    if (::read(signals_.get(), &info, sizeof info) != static_cast<ssize_t>(sizeof info)) return false;
    const int sig = static_cast<int>(info.ssi_signo);
    if (sig == SIGCHLD) return reap();
    // A signal the terminal sent reached the program's process group (ours) already.
    if (info.ssi_code == SI_KERNEL && (sig == SIGINT || sig == SIGQUIT || sig == SIGTSTP || sig == SIGWINCH)) {
      return false;
    }
    if (program_ > 0) ::kill(program_, sig);
    outside_signal_ = true;
    return false;
  }

  // Reaps every child that has exited: the program, and any orphan re-parented here.
  bool reap() {
    int status = 0;
    pid_t pid;
    bool program_gone = false;
    while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
      if (pid == program_) {
        program_status_ = status;
        program_ = 0;
        program_gone = true;
      }
    }
    return program_gone && !restarting_;
  }

  // Loads the new values first (the program keeps running if that fails), then stops the
  // program (the --on-change signal, SIGKILL after --stop-timeout) and starts it again,
  // unless a signal from outside asked it to stop meanwhile.
  void restart() {
    std::unique_ptr<Loaded> loaded;
    try {
      loaded = load_environment();
    } catch (const Error& e) {
      say_(fmt::format("watch: the secrets changed, but loading them failed, so the program keeps running: {}",
                       e.what()));
      return;
    }
    say_(fmt::format("watch: the secrets changed; restarting the program ({})", signal_name(options_.watch.signal)));
    restarting_ = true;
    outside_signal_ = false;
    ::kill(program_, options_.watch.signal);
    const double kill_at = now_seconds() + options_.watch.stop_timeout;
    bool killed = false;
    while (program_ != 0) {
      const double left = kill_at - now_seconds();
      if (left <= 0 && !killed) {
        ::kill(program_, SIGKILL);
        killed = true;
      }
      wait_for_events(killed ? 1 : left);
    }
    restarting_ = false;
    if (!outside_signal_) start_program(std::move(loaded));
  }

  const Settings& settings_;
  const std::optional<FallbackSettings>& fallback_;
  const Options& options_;
  char* const* inherited_;
  const ProcessState& inherited_state_;
  const Notice& say_;
  const ApiFailure* refresh_outage_;
  DigestKey key_;
  UniqueFd signals_;
  UniqueFd rounds_;  // the read end of the rounds' pipe
  bool change_seen_ = false;
  pid_t program_ = 0;
  int program_status_ = 0;
  bool restarting_ = false;
  bool outside_signal_ = false;
};

}  // namespace

int supervise(const Settings& settings, const std::optional<FallbackSettings>& fallback, const Options& options,
              char* const* inherited, const ProcessState& inherited_state, const Notice& say,
              const ApiFailure* refresh_outage) {
  return Supervisor(settings, fallback, options, inherited, inherited_state, say, refresh_outage).run();
}

}  // namespace dotenv_run
