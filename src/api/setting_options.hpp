// The settings options both programs take (-o/--org ... --timeout): one getopt table, one apply function.
#pragma once

#include <getopt.h>

#include <span>
#include <string_view>

#include "api/settings.hpp"

namespace dotenv_run {

// getopt_long codes of the long-only settings options. Each program numbers its own
// long-only options from kFirstProgramOption; the short ones are their letters.
enum SettingOption : int {
  kOptApiUrl = 1000,
  kOptCaFile,
  kOptTokenFile,
  kOptKeyFile,
  kOptPin,
  kOptRetryTimeout,
  kOptConnectTimeout,
  kOptTimeout,
};
inline constexpr int kFirstProgramOption = 1100;

// The settings options, without the terminating zero entry: -o -p -t -e (each program's
// short-option string must hold "o:p:t:e:"), --api-url, --ca-file, --token-file,
// --key-file, --pin, --retry-timeout, --connect-timeout and --timeout.
std::span<const option> setting_options();

// Applies one option to `flags`; false when `code` is not a settings option. A bad value is
// Error(kExitUsage, "... (see <program> --help)").
bool apply_setting_option(SettingFlags& flags, int code, const char* arg, std::string_view program);

// Seconds from `min` to 86400, else Error(kExitUsage) naming the option and the value.
double parse_seconds(const char* text, std::string_view option, double min, std::string_view program);

}  // namespace dotenv_run
