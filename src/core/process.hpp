// The launcher's own process state: hardening while secrets are held, and putting back
// what it changed (signals, core limit, fds) so the child inherits what we inherited.
#pragma once

#include <signal.h>
#include <sys/resource.h>

#include <vector>

namespace dotenv_run {

struct ProcessState {
  sigset_t mask{};
  struct sigaction sigpipe {};
  struct rlimit core {};
  std::vector<int> inherited_fds;  // sorted
};

// Records the state the launcher inherited. Call first, before anything opens a file.
ProcessState capture_process_state();

// Not dumpable (no core file, no same-user ptrace or /proc/PID/mem), no core size,
// SIGPIPE ignored while sockets are open. Call before any secret is read.
void harden_process();

// Puts back the signal mask, SIGPIPE, the core limit, and closes every fd the launcher
// opened. Called right before execve(); the kernel resets "dumpable" at exec.
void restore_process_state(const ProcessState& state);

}  // namespace dotenv_run
