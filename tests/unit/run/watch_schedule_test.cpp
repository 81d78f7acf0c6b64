// Tests of the --watch schedule: the floor, jitter, backoff, Retry-After and the fleet budget.
#include "run/watch_schedule.hpp"

#include <doctest/doctest.h>

#include "core/error.hpp"
#include "support/error_of.hpp"

using namespace dotenv_run;

TEST_CASE("the interval is at least 5 seconds unless the testing variable lowers the floor, which is announced") {
  const MapLookup none;
  CHECK(check_watch_interval(5, none).empty());
  CHECK(testing::error_of(kExitUsage, [&] {
          check_watch_interval(4.9, none);
        }).starts_with("--watch takes at least 5 seconds"));
  const MapLookup testing_floor{{"DOTENV_RUN_WATCH_MIN_INTERVAL_MS", "100"}};
  CHECK(check_watch_interval(0.1, testing_floor).find("for tests only") != std::string::npos);
  CHECK(check_watch_interval(30, testing_floor).empty());
  CHECK(testing::error_of(kExitUsage, [&] {
          check_watch_interval(0.05, testing_floor);
        }).starts_with("--watch takes at least 5 seconds"));
  const MapLookup garbage{{"DOTENV_RUN_WATCH_MIN_INTERVAL_MS", "soon"}};
  CHECK(testing::error_of(kExitUsage, [&] { check_watch_interval(30, garbage); }).find("number of milliseconds") !=
        std::string::npos);
}

TEST_CASE("rounds are the interval +-10 %; failures back off to 4 times it; a refusal waits 4 times it") {
  WatchSchedule s(10);
  CHECK(s.after_change_or_same(0) == doctest::Approx(9));
  CHECK(s.after_change_or_same(0.5) == doctest::Approx(10));
  CHECK(s.after_change_or_same(0.999999) == doctest::Approx(11).epsilon(0.001));
  CHECK(s.after_failure(0.5) == doctest::Approx(20));
  CHECK(s.after_failure(0.5) == doctest::Approx(40));
  CHECK(s.after_failure(0.5) == doctest::Approx(40));  // the cap
  CHECK(s.after_change_or_same(0.5) == doctest::Approx(10));
  CHECK(s.after_failure(0.5) == doctest::Approx(20));  // a success started the backoff over
  CHECK(s.after_refusal(0.5) == doctest::Approx(40));
}

TEST_CASE("a 429 waits its Retry-After, never less than the interval") {
  WatchSchedule s(10);
  CHECK(s.after_rate_limit(30, 0.5) == doctest::Approx(30));
  CHECK(s.after_rate_limit(1, 0.5) == doctest::Approx(10));
}

TEST_CASE("the fleet budget line gives the instances 100 requests per minute cover") {
  CHECK(fleet_budget_line(30).find("2 per minute per instance") != std::string::npos);
  CHECK(fleet_budget_line(30).find("covers at most 50 instances") != std::string::npos);
  CHECK(fleet_budget_line(60).find("covers at most 100 instances") != std::string::npos);
  CHECK(fleet_budget_line(5).find("covers at most 8 instances") != std::string::npos);
}
