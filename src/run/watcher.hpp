// --watch without --restart: a small process beside the program, not its parent (double
// fork), that resolves again on a schedule and signals the program when what it would now
// receive differs from what it started with. The program keeps the launcher's PID, signals
// and exit status; the watcher follows it through a pidfd and exits when it does.
#pragma once

#include "api/connection.hpp"
#include "api/settings.hpp"
#include "core/fd.hpp"
#include "core/lookup.hpp"
#include "run/cli.hpp"
#include "run/environment.hpp"
#include "run/secrets.hpp"

namespace dotenv_run {

// Checks --watch's interval (Error(kExitUsage) under the floor) and says what a launch should:
// the testing floor's warning, and with -v the fleet budget.
void announce_watch(const Options& options, const Lookup& env, const Notice& say);

class Watcher {
 public:
  Watcher() = default;  // not watching

  // Starts the watcher of this process (the program-to-be) when --watch is given, before
  // anything secret is loaded: it holds only the settings (the token, a client key). Throws
  // Error(kExitConfig) on a kernel without pidfd_open (Linux < 5.3), before any exec.
  static Watcher start(const Settings& settings, const Options& options, char* const* inherited);

  // Gives the watcher the digest of `env`, what the program starts with; right before exec.
  // Without it (the launch fails first) the watcher exits.
  void hand_over(const ChildEnvironment& env, const SecretFilePlan& files);

 private:
  UniqueFd digest_pipe_;  // the write end; the watcher reads the starting digest from it
  DigestKey key_{};
};

}  // namespace dotenv_run
