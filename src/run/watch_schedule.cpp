// The --watch schedule and the fleet budget line.
#include "run/watch_schedule.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "core/error.hpp"

namespace dotenv_run {

std::string check_watch_interval(double interval, const Lookup& env) {
  double floor = kMinWatchSeconds;
  bool testing = false;
  if (auto value = env.find(kWatchTestingFloorVariable)) {
    const std::string text(*value);
    char* end = nullptr;
    errno = 0;
    const double ms = std::strtod(text.c_str(), &end);
    if (errno != 0 || end == text.c_str() || *end != '\0' || !std::isfinite(ms) || ms < 1) {
      throw Error(kExitUsage,
                  fmt::format("{} must be a number of milliseconds (tests only)", kWatchTestingFloorVariable));
    }
    floor = std::min(floor, ms / 1000);
    testing = true;
  }
  if (interval < floor) {
    throw Error(kExitUsage, fmt::format("--watch takes at least {} seconds, not {} (see dotenv-run --help)",
                                        kMinWatchSeconds, interval));
  }
  if (testing && interval < kMinWatchSeconds) {
    return fmt::format("warning: watching every {} s, under the {} s minimum, as {} (for tests only) allows", interval,
                       kMinWatchSeconds, kWatchTestingFloorVariable);
  }
  return {};
}

std::string fleet_budget_line(double interval) {
  const double per_minute = 60 / interval;
  const double instances = std::floor(kDefaultOrgRequestsPerMinute / per_minute);
  return fmt::format(
      "watch: a resolve every {} s (+-10 %) is {:.2g} per minute per instance; the default organization budget "
      "of {:.0f} per minute covers at most {:.0f} instances (N / SEC x 60 <= {:.0f}), fewer to leave room for "
      "starts",
      interval, per_minute, kDefaultOrgRequestsPerMinute, instances, kDefaultOrgRequestsPerMinute);
}

double WatchSchedule::after_change_or_same(double uniform01) {
  failures_ = 0;
  return jittered(interval_, uniform01);
}

double WatchSchedule::after_failure(double uniform01) {
  failures_ = std::min(failures_ + 1, 2u);
  return jittered(interval_ * static_cast<double>(1u << failures_), uniform01);
}

double WatchSchedule::after_refusal(double uniform01) {
  failures_ = 2;
  return jittered(interval_ * 4, uniform01);
}

double WatchSchedule::after_rate_limit(double retry_after, double uniform01) {
  return std::max(retry_after, jittered(interval_, uniform01));
}

}  // namespace dotenv_run
