// When to retry an API request and how long to wait: pure policy, clock and randomness injected.
#pragma once

#include <ctime>
#include <functional>
#include <optional>
#include <string_view>

namespace dotenv_run {

struct BackoffPolicy {
  double base_seconds = 0.5;
  double cap_seconds = 30;
  // An attempt is only worth starting with at least this much of the deadline left.
  double min_attempt_seconds = 1.0;
};

// Exponential backoff with full jitter: uniform in [0, min(cap, base * 2^retry)], where
// `retry` is 0 before the second attempt. `uniform01` is a draw from [0, 1).
double backoff_delay(const BackoffPolicy& policy, unsigned retry, double uniform01);

// Retry-After as delta-seconds or an HTTP date (RFC 9110: IMF-fixdate, RFC 850, asctime),
// relative to `now` (Unix time). A date in the past means 0. nullopt when it is neither.
std::optional<double> parse_retry_after(std::string_view value, std::time_t now);

// The extra wait on top of a server's Retry-After: uniform in [0, 2 * max(R, 1) * told),
// where `told` counts the answers in a row that carried a Retry-After (1 for the first).
// A fixed-window limiter tells every refused client the same R, so a jitter of a fraction
// of R brings the whole queue back into the next window, where all but the limit are
// refused again: N clients over a limit L make about N^2 / 2L requests. Spreading the
// return over a few windows, wider each time a client is refused again, lets about L come
// back per window (tests/e2e: 40 launchers at 10 per 2 s, 2.5 -> ~2 requests each).
double retry_after_jitter(double retry_after_seconds, unsigned told, double uniform01);

// The wait before the next attempt, or nullopt when the deadline would be passed: a
// Retry-After that alone outlasts the deadline gives up at once rather than sleeping.
// `remaining` is the time left until the deadline; `told` as for retry_after_jitter.
std::optional<double> plan_wait(const BackoffPolicy& policy, unsigned retry, std::optional<double> retry_after,
                                unsigned told, double remaining, double uniform01);

// The seams the retry loop needs: a monotonic clock in seconds, a sleep, a wall clock
// for HTTP dates and a uniform [0, 1) source. Tests inject fakes.
struct RetryEnvironment {
  std::function<double()> monotonic_now;
  std::function<void(double)> sleep;
  std::function<std::time_t()> wall_now;
  std::function<double()> uniform01;
};

// The real clocks, nanosleep (resumed after signals) and a random source from libsodium.
RetryEnvironment system_retry_environment();

// Sleeps for `seconds`, resuming after EINTR until the whole time has passed.
void sleep_for_seconds(double seconds);

}  // namespace dotenv_run
