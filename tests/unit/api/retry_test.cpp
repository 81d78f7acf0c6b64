// Tests of the retry policy: backoff bounds and jitter, Retry-After forms, and the deadline rule.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/time.h>

#include <array>
#include <chrono>

#include "api/retry.hpp"

using namespace dotenv_run;

TEST_CASE("backoff grows exponentially from 0.5 s and is capped at 30 s") {
  const BackoffPolicy policy;
  CHECK(backoff_delay(policy, 0, 0.999999) == doctest::Approx(0.5).epsilon(0.001));
  CHECK(backoff_delay(policy, 1, 0.999999) == doctest::Approx(1.0).epsilon(0.001));
  CHECK(backoff_delay(policy, 3, 0.999999) == doctest::Approx(4.0).epsilon(0.001));
  CHECK(backoff_delay(policy, 6, 0.999999) == doctest::Approx(30.0).epsilon(0.001));
  CHECK(backoff_delay(policy, 1000, 0.999999) == doctest::Approx(30.0).epsilon(0.001));
}

TEST_CASE("backoff uses full jitter: anywhere from zero to the ceiling") {
  const BackoffPolicy policy;
  CHECK(backoff_delay(policy, 4, 0.0) == 0.0);
  CHECK(backoff_delay(policy, 4, 0.5) == doctest::Approx(4.0));
  CHECK(backoff_delay(policy, 4, 0.25) == doctest::Approx(2.0));
}

TEST_CASE("Retry-After in seconds is taken as is") {
  CHECK(parse_retry_after("3", 0) == 3.0);
  CHECK(parse_retry_after(" 120 ", 0) == 120.0);
  CHECK(parse_retry_after("0", 0) == 0.0);
}

TEST_CASE("a huge Retry-After saturates instead of overflowing") {
  CHECK(parse_retry_after("86400", 0) == 86400.0);
  CHECK(*parse_retry_after("99999999999999999999999", 0) >= 1e9);
}

TEST_CASE("Retry-After as an HTTP date is relative to now, and a past date means now") {
  // Sun, 06 Nov 1994 08:49:37 GMT is 784111777.
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111770) == 7.0);
  CHECK(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", 784111770) == 7.0);
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111800) == 0.0);
}

TEST_CASE("a garbage Retry-After is ignored") {
  CHECK_FALSE(parse_retry_after("", 0));
  CHECK_FALSE(parse_retry_after("soon", 0));
  CHECK_FALSE(parse_retry_after("-5", 0));
  CHECK_FALSE(parse_retry_after("3.5", 0));
  CHECK_FALSE(parse_retry_after("tomorrow at noon, please, GMT", 0));
}

TEST_CASE("the jitter on a Retry-After spans twice the wait, at least 2 s, wider each refusal in a row") {
  CHECK(retry_after_jitter(3, 1, 0.0) == 0.0);
  CHECK(retry_after_jitter(3, 1, 0.5) == doctest::Approx(3.0));
  CHECK(retry_after_jitter(0, 1, 0.5) == doctest::Approx(1.0));
  CHECK(retry_after_jitter(1, 2, 0.999) == doctest::Approx(3.996));
  CHECK(retry_after_jitter(40, 3, 0.5) == doctest::Approx(120.0));
  // told 0 is treated as the first refusal, and the growth stops at 60.
  CHECK(retry_after_jitter(2, 0, 0.5) == retry_after_jitter(2, 1, 0.5));
  CHECK(retry_after_jitter(2, 1000, 0.5) == retry_after_jitter(2, 60, 0.5));
}

TEST_CASE("a Retry-After is honoured, plus jitter") {
  const BackoffPolicy policy;
  const auto wait = plan_wait(policy, 0, 3.0, 1, 60, 0.5);
  REQUIRE(wait);
  CHECK(*wait == doctest::Approx(6.0));
  CHECK(*plan_wait(policy, 0, 3.0, 1, 60, 0.0) == doctest::Approx(3.0));
}

TEST_CASE("a fleet told the same Retry-After comes back spread over a few windows, not in one burst") {
  // 1000 clients told "2" at once: the first retry spreads over [2, 6); a second refusal over [2, 10).
  const BackoffPolicy policy;
  std::array<int, 5> per_window{};
  for (int i = 0; i < 1000; ++i) {
    const double wait = *plan_wait(policy, 0, 2.0, 1, 600, i / 1000.0);
    per_window[static_cast<std::size_t>(wait / 2)]++;
  }
  CHECK(per_window == std::array<int, 5>{0, 500, 500, 0, 0});
  CHECK(*plan_wait(policy, 0, 2.0, 2, 600, 0.999) == doctest::Approx(9.992));
}

TEST_CASE("a Retry-After past the deadline gives up at once instead of sleeping") {
  const BackoffPolicy policy;
  CHECK_FALSE(plan_wait(policy, 0, 86400.0, 1, 60, 0.5));
  CHECK_FALSE(plan_wait(policy, 0, 59.5, 1, 60, 0.0));
}

TEST_CASE("no wait ever runs past the deadline and leaves time for an attempt") {
  const BackoffPolicy policy;
  // Backoff ceiling 30 s, but only 5 s left: the wait stops 1 s short of the deadline.
  CHECK(*plan_wait(policy, 10, std::nullopt, 0, 5, 0.99) == doctest::Approx(4.0));
  // Retry-After 3 fits; its jitter is trimmed to fit.
  CHECK(*plan_wait(policy, 0, 3.0, 1, 4.2, 0.99) == doctest::Approx(3.2));
  CHECK_FALSE(plan_wait(policy, 0, std::nullopt, 0, 0.5, 0.0));
}

TEST_CASE("a sleep interrupted by a signal still lasts the whole time") {
  struct sigaction action {};
  struct sigaction previous {};
  action.sa_handler = [](int) {};
  sigaction(SIGALRM, &action, &previous);  // no SA_RESTART: nanosleep returns EINTR
  itimerval timer{};
  timer.it_value.tv_usec = 10000;
  setitimer(ITIMER_REAL, &timer, nullptr);
  const auto start = std::chrono::steady_clock::now();
  sleep_for_seconds(0.06);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  sigaction(SIGALRM, &previous, nullptr);
  CHECK(elapsed >= std::chrono::milliseconds(60));
}
