// Backoff with full jitter, Retry-After parsing and the deadline rule for the resolve request.
#include "api/retry.hpp"

#include <curl/curl.h>
#include <sodium.h>

#include <time.h>
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <string>

#include "core/sodium.hpp"

namespace dotenv_run {

double backoff_delay(const BackoffPolicy& policy, unsigned retry, double uniform01) {
  // 2^retry overflows nothing below 64; past that the cap has long applied.
  const double ceiling =
      std::min(policy.cap_seconds, policy.base_seconds * std::ldexp(1.0, static_cast<int>(std::min(retry, 60u))));
  return ceiling * std::clamp(uniform01, 0.0, 1.0);
}

std::optional<double> parse_retry_after(std::string_view value, std::time_t now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() &&
         (value.back() == ' ' || value.back() == '\t' || value.back() == '\r' || value.back() == '\n'))
    value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    // Saturate rather than overflow: any value this large is past every deadline anyway.
    if (value.size() > 9) return 1e9;
    return static_cast<double>(std::stol(std::string(value)));
  }
  // curl_getdate understands the three HTTP date forms; it is also lenient about other
  // forms, so insist on something that looks like a date with a GMT zone.
  if (value.size() < 20 || value.size() > 40 || value.find("GMT") == std::string_view::npos) return std::nullopt;
  const std::string text(value);
  const std::time_t when = curl_getdate(text.c_str(), nullptr);
  if (when == static_cast<std::time_t>(-1)) return std::nullopt;
  return when > now ? static_cast<double>(when - now) : 0.0;
}

double retry_after_jitter(double retry_after_seconds, unsigned told, double uniform01) {
  // Past 60 refusals in a row the deadline has long capped the wait anyway.
  const double span = 2 * std::max(1.0, retry_after_seconds) * std::clamp(told, 1u, 60u);
  return span * std::clamp(uniform01, 0.0, 1.0);
}

std::optional<double> plan_wait(const BackoffPolicy& policy, unsigned retry, std::optional<double> retry_after,
                                unsigned told, double remaining, double uniform01) {
  const double usable = remaining - policy.min_attempt_seconds;
  if (usable < 0) return std::nullopt;
  if (retry_after) {
    if (*retry_after > usable) return std::nullopt;
    return std::min(*retry_after + retry_after_jitter(*retry_after, told, uniform01), usable);
  }
  return std::min(backoff_delay(policy, retry, uniform01), usable);
}

void sleep_for_seconds(double seconds) {
  if (!(seconds > 0)) return;
  timespec left{};
  left.tv_sec = static_cast<time_t>(seconds);
  left.tv_nsec = static_cast<long>((seconds - static_cast<double>(left.tv_sec)) * 1e9);
  while (nanosleep(&left, &left) == -1 && errno == EINTR) {
  }
}

RetryEnvironment system_retry_environment() {
  RetryEnvironment env;
  env.monotonic_now = [] {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
  };
  env.sleep = sleep_for_seconds;
  env.wall_now = [] { return std::time(nullptr); };
  ensure_sodium();  // before any draw: a fixed jitter would synchronise a fleet
  env.uniform01 = [] { return static_cast<double>(randombytes_random()) / 4294967296.0; };
  return env;
}

}  // namespace dotenv_run
