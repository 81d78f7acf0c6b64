// Tests of putting back the process state before exec: signals, core limit, fds.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include "core/process.hpp"

using namespace dotenv_run;

TEST_CASE("restoring closes the fds opened since the capture and keeps the older ones") {
  int older = ::open("/dev/null", O_RDONLY);
  REQUIRE(older >= 0);
  ProcessState state = capture_process_state();
  int newer = ::open("/dev/null", O_RDONLY);
  REQUIRE(newer >= 0);
  restore_process_state(state);
  CHECK(::fcntl(newer, F_GETFD) == -1);
  CHECK(::fcntl(older, F_GETFD) != -1);
  ::close(older);
}

TEST_CASE("restoring puts back SIGPIPE, the signal mask and the core limit that hardening changed") {
  struct sigaction before {};
  ::sigaction(SIGPIPE, nullptr, &before);
  sigset_t blocked;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGUSR2);
  ::sigprocmask(SIG_BLOCK, &blocked, nullptr);
  struct rlimit core_before {};
  ::getrlimit(RLIMIT_CORE, &core_before);

  ProcessState state = capture_process_state();
  harden_process();
  struct sigaction during {};
  ::sigaction(SIGPIPE, nullptr, &during);
  CHECK((during.sa_handler == SIG_IGN));
  struct rlimit core_during {};
  ::getrlimit(RLIMIT_CORE, &core_during);
  CHECK(core_during.rlim_cur == 0);
  ::sigprocmask(SIG_UNBLOCK, &blocked, nullptr);

  restore_process_state(state);
  struct sigaction after {};
  ::sigaction(SIGPIPE, nullptr, &after);
  CHECK((after.sa_handler == before.sa_handler));
  sigset_t mask;
  ::sigprocmask(SIG_SETMASK, nullptr, &mask);
  CHECK(sigismember(&mask, SIGUSR2) == 1);
  struct rlimit core_after {};
  ::getrlimit(RLIMIT_CORE, &core_after);
  CHECK(core_after.rlim_cur == core_before.rlim_cur);
  ::sigprocmask(SIG_UNBLOCK, &blocked, nullptr);
}
