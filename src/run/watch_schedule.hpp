// When --watch resolves again: the interval's floor, jitter, backoff after failures and
// Retry-After; and the fleet budget -v prints. Pure: randomness is passed in.
#pragma once

#include <string>

#include "core/lookup.hpp"

namespace dotenv_run {

// The shortest interval --watch takes.
inline constexpr double kMinWatchSeconds = 5;
// A fleet's budget: an organization's default rate limit (docs/api.md section 3).
inline constexpr double kDefaultOrgRequestsPerMinute = 100;
// For tests only: a shorter floor in milliseconds. Its name says so, and a launch that uses it
// says so on stderr, so it is not set by accident.
inline constexpr const char* kWatchTestingFloorVariable = "DOTENV_RUN_WATCH_MIN_INTERVAL_MS";

// Refuses (Error(kExitUsage)) an interval under the floor: 5 s, or the testing variable's.
// Returns the notice to print when the testing floor let a shorter interval through, else "".
std::string check_watch_interval(double interval, const Lookup& env);

// "watch: a resolve every 30 s (+-10 %) is 2 per minute per instance; ..." for -v.
std::string fleet_budget_line(double interval);

// The waits between rounds; `uniform01` is a draw from [0, 1).
class WatchSchedule {
 public:
  explicit WatchSchedule(double interval) : interval_(interval) {}
  // The interval with +-10 % jitter, so a fleet started together spreads out.
  double after_change_or_same(double uniform01);
  // Errors back off: the interval times 2, then 4 (the cap), with the same jitter.
  double after_failure(double uniform01);
  // 401/403 and failures no retry can mend: the slow rate, the interval times 4.
  double after_refusal(double uniform01);
  // 429: at least the server's Retry-After, never sooner than the interval.
  double after_rate_limit(double retry_after, double uniform01);

 private:
  double jittered(double seconds, double uniform01) const { return seconds * (0.9 + 0.2 * uniform01); }
  double interval_;
  unsigned failures_ = 0;
};

}  // namespace dotenv_run
