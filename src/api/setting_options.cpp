// The settings part of both programs' getopt tables, and how each option fills SettingFlags.
#include "api/setting_options.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iterator>

#include <fmt/format.h>

#include "core/error.hpp"

namespace dotenv_run {

namespace {

const struct option kSettingOptions[] = {
    {"org", required_argument, nullptr, 'o'},
    {"project", required_argument, nullptr, 'p'},
    {"target", required_argument, nullptr, 't'},
    {"environment", required_argument, nullptr, 'e'},
    {"api-url", required_argument, nullptr, kOptApiUrl},
    {"ca-file", required_argument, nullptr, kOptCaFile},
    {"token-file", required_argument, nullptr, kOptTokenFile},
    {"key-file", required_argument, nullptr, kOptKeyFile},
    {"pin", required_argument, nullptr, kOptPin},
    {"retry-timeout", required_argument, nullptr, kOptRetryTimeout},
    {"connect-timeout", required_argument, nullptr, kOptConnectTimeout},
    {"timeout", required_argument, nullptr, kOptTimeout},
};

}  // namespace

std::span<const option> setting_options() { return {std::begin(kSettingOptions), std::end(kSettingOptions)}; }

// A zero timeout would fail every request, so timeouts start at 0.1 s, and the deadline
// that bounds every attempt at 1 s; --splay (dotenv-run's) may be 0.
double parse_seconds(const char* text, std::string_view option, double min, std::string_view program) {
  errno = 0;
  char* end = nullptr;
  double value = std::strtod(text, &end);
  if (errno != 0 || end == text || *end != '\0' || !std::isfinite(value) || value < min || value > 86400) {
    throw Error(kExitUsage, fmt::format("{} takes a number of seconds from {} to 86400, not '{}' (see {} --help)",
                                        option, min, text, program));
  }
  return value;
}

bool apply_setting_option(SettingFlags& flags, int code, const char* arg, std::string_view program) {
  switch (code) {
    case 'o': flags.org = arg; return true;
    case 'p': flags.project = arg; return true;
    case 't': flags.target = arg; return true;
    case 'e': flags.environment = arg; return true;
    case kOptApiUrl: flags.api_url = arg; return true;
    case kOptCaFile: flags.ca_file = arg; return true;
    case kOptTokenFile: flags.token_file = arg; return true;
    case kOptKeyFile: flags.key_file = arg; return true;
    case kOptPin: flags.pins.emplace_back(arg); return true;
    case kOptRetryTimeout: flags.retry_timeout = parse_seconds(arg, "--retry-timeout", 1, program); return true;
    case kOptConnectTimeout: flags.connect_timeout = parse_seconds(arg, "--connect-timeout", 0.1, program); return true;
    case kOptTimeout: flags.request_timeout = parse_seconds(arg, "--timeout", 0.1, program); return true;
    default: return false;
  }
}

}  // namespace dotenv_run
