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

// Their lines in --help, the same in both programs.
inline constexpr std::string_view kSettingOptionsHelp =
    R"(  -o, --org ID              organization ULID (DOTENV_CLOUD_ORG)
  -p, --project SLUG        project (DOTENV_CLOUD_PROJECT)
  -t, --target SLUG         target; needs --project (DOTENV_CLOUD_TARGET)
  -e, --environment SLUG    environment; needs --target (DOTENV_CLOUD_ENVIRONMENT)
      --api-url URL         API base URL, https only (DOTENV_CLOUD_API_URL;
                            default https://api.dotenv.cloud)
      --ca-file FILE        trust the CAs in FILE instead of the system store
                            (DOTENV_CLOUD_CA_FILE)
      --pin sha256//BASE64  require this server public key; repeatable
      --token-file FILE     read the API token from FILE (DOTENV_CLOUD_TOKEN_FILE);
                            a token is never taken from the command line
      --key-file FILE       read a client-managed project key from FILE
                            (DOTENV_CLOUD_KEY_FILE)
)";

// Applies one option to `flags`; false when `code` is not a settings option. A bad value is
// Error(kExitUsage, "... (see <program> --help)").
bool apply_setting_option(SettingFlags& flags, int code, const char* arg, std::string_view program);

// Seconds from `min` to 86400, else Error(kExitUsage) naming the option and the value.
double parse_seconds(const char* text, std::string_view option, double min, std::string_view program);

}  // namespace dotenv_run
