// One --watch round: resolve once, load what the program would now receive into a fresh arena,
// digest it, wipe it; and what the round means for the schedule. Never a value in a line.
#pragma once

#include <optional>
#include <string>

#include "api/connection.hpp"
#include "api/http.hpp"
#include "api/settings.hpp"
#include "run/cli.hpp"
#include "run/secrets.hpp"
#include "run/watch_schedule.hpp"

namespace dotenv_run {

struct RoundResult {
  enum Kind {
    kSame,         // the program would receive what it has
    kChanged,      // it would receive something else: `digest`
    kRateLimited,  // 429 (or a 503) with a Retry-After: `retry_after`
    kFailed,       // worth trying again soon: a transfer failure, 5xx, 429 without Retry-After
    kRefused,      // 401/403, or a failure no retry mends (TLS verification, a pin): try slowly
    kUnusable,     // the new secrets would not start the program (65, 78): keep it running
  } kind = kSame;
  Digest digest{};
  std::optional<double> retry_after;
  std::string line;  // for stderr: the error line (names and statuses only)
};

class WatchRound {
 public:
  // `settings`, `options` and `inherited` must outlive the rounds.
  WatchRound(const Settings& settings, const Options& options, char* const* inherited, const DigestKey& key)
      : settings_(settings), options_(options), inherited_(inherited), key_(key) {}

  // Compares what the program would receive now with `current`.
  RoundResult run(const Digest& current);

 private:
  const Settings& settings_;
  const Options& options_;
  char* const* inherited_;
  DigestKey key_;
  CurlHttpClient http_;  // kept across rounds: a kept-alive connection is reused
};

// The rounds in a row, shared by the watcher and the --restart supervisor: what each round
// means for the next wait, and a line on stderr when there is something new to say (a failure
// is said once, until a round succeeds again).
class WatchLoop {
 public:
  WatchLoop(const Settings& settings, const Options& options, char* const* inherited, const DigestKey& key,
            const Digest& started_with)
      : round_(settings, options, inherited, key), schedule_(options.watch.interval), current_(started_with) {}

  double first_wait();
  struct Step {
    bool changed = false;  // the program should get the --on-change signal now
    double wait = 0;       // seconds until the next round
  };
  // Runs a round; `say` gets lines without the "dotenv-run: " prefix.
  Step next(const Notice& say);
  // After a restart: the digest of what the new program received.
  void started_with(const Digest& digest) { current_ = digest; }

 private:
  WatchRound round_;
  WatchSchedule schedule_;
  Digest current_;
  std::string last_line_;
};

// A draw from [0, 1) (libsodium's generator).
double uniform01();

}  // namespace dotenv_run
