// The offline fallback (docs/fallback.md): its settings, and the launch's choice between the
// API and the last answer it gave, sealed on disk.
#pragma once

#include <cstdint>
#include <functional>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/api_error.hpp"
#include "api/connection.hpp"
#include "api/settings.hpp"
#include "core/key.hpp"
#include "core/lookup.hpp"
#include "core/merge.hpp"

namespace dotenv_run {

inline constexpr std::int64_t kDefaultFallbackMaxAge = 72 * 3600;
inline constexpr std::string_view kFallbackKeyCredential = "dotenv-cloud-fallback-key";

// What the command line said: --fallback, --fallback-key-file, --fallback-max-age, --fallback-only.
struct FallbackFlags {
  std::optional<std::string> dir, key_file;
  std::optional<std::int64_t> max_age;  // seconds
  bool only = false;
};

struct FallbackSettings {
  Setting dir;
  SecretKey key;
  std::string key_source;  // for -v and errors; never the key
  std::int64_t max_age = kDefaultFallbackMaxAge;
  bool only = false;
};

// "72h", "90m", "3d", "1d12h", "45s" in seconds (1 s to 10 years), else Error(kExitUsage)
// naming `option`.
std::int64_t parse_duration(std::string_view text, std::string_view option);

// "3h12m", "2d0h", "5m20s", "42s": the two largest units.
std::string age_text(std::int64_t seconds);

// "2026-12-01T02:14:33Z"
std::string utc_text(std::int64_t unix_seconds);

// The fallback's settings: the directory from --fallback or DOTENV_CLOUD_FALLBACK_DIR, the key
// from --fallback-key-file, DOTENV_CLOUD_FALLBACK_KEY_FILE or the systemd credential
// dotenv-cloud-fallback-key (read as token files are: core/secret_file.hpp; then strict
// base64 of 32 bytes). nullopt when neither is set; Error(kExitConfig) when only one is (or
// --fallback-only or --fallback-max-age without both), or the key is not a key.
std::optional<FallbackSettings> fallback_settings(const FallbackFlags& flags, const Lookup& env,
                                                  std::pmr::memory_resource* mem);

// Lines for -v: where the directory and the key come from (never the key), the maximum age.
std::vector<std::string> describe_fallback(const std::optional<FallbackSettings>& fallback);

// Refreshes an expired stored login before the resolve (refresh_login_if_expired). With a
// fallback, a refresh the API stayed out for (connections, timeouts, 5xx, 429 until the
// deadline) is returned instead of thrown: the launch then goes to the fallback with it, as
// after a resolve that gave up (load_cloud_levels' `refresh_outage`). A refused refresh (400,
// 401, 403: the login is bad), a certificate or pin failure and any other error are thrown, as
// without a fallback. `settings` keeps the expired token when the refresh failed.
std::optional<ApiFailure> refresh_login_unless_out(Settings& settings, const std::optional<FallbackSettings>& fallback,
                                                   const Notice& notice, std::pmr::memory_resource* mem);

// The cloud levels of a launch, opened (api/levels.hpp). Without a fallback: from the API. With
// one: from the API, and then the answer is sealed into the fallback file (a failed write is
// one `notice` line, never a failure); when the API stays out until the deadline (connections,
// timeouts, 5xx, 429), from the fallback file, with the `notice` line "using the fallback from
// <time> (age <age>): <why>", and each level's detail naming it. A 401, 403 or 404 removes the
// file, then fails as without one. With --fallback-only the API is never asked. A file older
// than the maximum age is Error(kExitUnavailable); one that does not open Error(kExitDataError);
// none at all, the API's own error. With `refresh_outage` (the refresh before the resolve gave
// up: refresh_login_unless_out) the API is not asked again: from the fallback file, with that
// failure as the reason.
std::vector<Source> load_cloud_levels(const Settings& settings, const std::optional<FallbackSettings>& fallback,
                                      std::pmr::memory_resource* mem,
                                      const std::function<void(std::string_view)>& notice,
                                      const ApiFailure* refresh_outage = nullptr);

}  // namespace dotenv_run
