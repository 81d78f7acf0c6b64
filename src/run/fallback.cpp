// The launch's choice between the API and its sealed fallback: written after every success, read only in an outage.
#include "run/fallback.hpp"

#include <ctime>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "api/api_error.hpp"
#include "api/fallback_seal.hpp"
#include "api/fallback_store.hpp"
#include "api/levels.hpp"
#include "api/login_refresh.hpp"
#include "api/resolve.hpp"
#include "core/error.hpp"
#include "core/secret_file.hpp"
#include "core/text.hpp"

namespace dotenv_run {

namespace {

constexpr std::int64_t kMaxDuration = 3650LL * 86400;

Error usage(const std::string& message) { return Error(kExitUsage, message + " (see dotenv-run --help)"); }

std::optional<std::int64_t> unit_seconds(char unit) {
  switch (unit) {
    case 's': return 1;
    case 'm': return 60;
    case 'h': return 3600;
    case 'd': return 86400;
    default: return std::nullopt;
  }
}

std::int64_t now_seconds() { return static_cast<std::int64_t>(std::time(nullptr)); }

}  // namespace

std::int64_t parse_duration(std::string_view text, std::string_view option) {
  const auto bad = [&] {
    return usage(fmt::format("{} takes a duration such as 72h, 90m, 3d or 1d12h (s, m, h, d; 1s to 3650d), not '{}'",
                             option, sanitized(text)));
  };
  if (text.empty()) throw bad();
  std::int64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::int64_t number = 0;
    const std::size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      number = number * 10 + (text[i] - '0');
      if (number > kMaxDuration) throw bad();
      ++i;
    }
    if (i == start || i == text.size()) throw bad();
    const auto unit = unit_seconds(text[i++]);
    if (!unit) throw bad();
    total += number * *unit;
    if (total > kMaxDuration) throw bad();
  }
  if (total < 1) throw bad();
  return total;
}

std::string age_text(std::int64_t s) {
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{}s", s / 60, s % 60);
  if (s < 86400) return fmt::format("{}h{}m", s / 3600, s % 3600 / 60);
  return fmt::format("{}d{}h", s / 86400, s % 86400 / 3600);
}

std::string utc_text(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (::gmtime_r(&t, &tm) == nullptr) return fmt::format("@{}", unix_seconds);
  char out[32];
  return std::string(out, std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm));
}

std::optional<FallbackSettings> fallback_settings(const FallbackFlags& flags, const Lookup& env,
                                                  std::pmr::memory_resource* mem) {
  std::optional<Setting> dir;
  if (flags.dir) {
    dir = Setting{*flags.dir, "--fallback"};
  } else if (auto v = env.find(env_names::kFallbackDir); v && !v->empty()) {
    dir = Setting{std::string(*v), std::string(env_names::kFallbackDir)};
  }
  std::optional<Setting> key_file;
  if (flags.key_file) {
    key_file = Setting{*flags.key_file, fmt::format("--fallback-key-file {}", *flags.key_file)};
  } else if (auto v = env.find(env_names::kFallbackKeyFile); v && !v->empty()) {
    key_file = Setting{std::string(*v), fmt::format("{}={}", env_names::kFallbackKeyFile, *v)};
  } else if (auto path = systemd_credential_path(env, kFallbackKeyCredential)) {
    key_file = Setting{*path, fmt::format("systemd credential {}", *path)};
  }
  if (!dir && !key_file) {
    if (flags.only || flags.max_age)
      throw Error(kExitConfig,
                  fmt::format("{} needs a fallback: set --fallback DIR (or {}) and a fallback key",
                              flags.only ? "--fallback-only" : "--fallback-max-age", env_names::kFallbackDir));
    return std::nullopt;
  }
  if (!dir)
    throw Error(kExitConfig, fmt::format("a fallback key is set ({}) but no fallback directory: set --fallback DIR "
                                         "or {}",
                                         key_file->source, env_names::kFallbackDir));
  if (!key_file)
    throw Error(kExitConfig, fmt::format("a fallback directory is set ({}) but no fallback key: set "
                                         "--fallback-key-file, {} or the systemd credential {} (make one with "
                                         "dotenv-cloud fallback-key new FILE)",
                                         dir->source, env_names::kFallbackKeyFile, kFallbackKeyCredential));
  const std::string what = fmt::format("the fallback key from {}", key_file->source);
  SecretString text = read_secret_file(key_file->value, "fallback key", mem);
  SecretKey key = [&] {
    try {
      return SecretKey::from_base64(text, what);
    } catch (const Error& e) {
      throw Error(kExitConfig, e.what());
    }
  }();
  wipe(text.data(), text.size());
  return FallbackSettings{*dir, std::move(key), key_file->source, flags.max_age.value_or(kDefaultFallbackMaxAge),
                          flags.only};
}

std::vector<std::string> describe_fallback(const std::optional<FallbackSettings>& fallback) {
  if (!fallback) return {};
  return {fmt::format("fallback directory = {} (from {})", sanitized(fallback->dir.value), fallback->dir.source),
          fmt::format("fallback key from {}", sanitized(fallback->key_source)),
          fmt::format("fallback max age = {}{}", age_text(fallback->max_age),
                      fallback->only ? "; --fallback-only: the API is not asked" : "")};
}

namespace {

// The launch from the file, after the API failed for `why`.
std::vector<Source> from_fallback(const Settings& settings, const FallbackSettings& fallback, const ResolveQuery& query,
                                  const std::string& why, std::pmr::memory_resource* mem,
                                  const std::function<void(std::string_view)>& notice) {
  const FallbackStore store(fallback.dir.value);
  const std::string name = fallback_file_name(query);
  const std::string path = store.path_of(name);
  std::optional<std::string> file;
  try {
    file = store.read(name);
  } catch (const Error& e) {
    throw Error(e.code(), fmt::format("{}; and the fallback cannot be read: {}", why, e.what()));
  }
  if (!file) throw Error(kExitUnavailable, fmt::format("{}; and there is no fallback file yet ({})", why, path));
  OpenedFallback opened = [&] {
    try {
      return open_fallback(*file, query, fallback.key, fmt::format("the fallback file {}", path), mem);
    } catch (const Error& e) {
      throw Error(e.code(), fmt::format("{} ({})", e.what(), why));
    }
  }();
  const std::int64_t age = std::max<std::int64_t>(0, now_seconds() - opened.written_at);
  const std::string when = utc_text(opened.written_at);
  if (age > fallback.max_age)
    throw Error(kExitUnavailable, fmt::format("the fallback from {} is {} old, older than the maximum age {}; not used "
                                              "({})",
                                              when, age_text(age), age_text(fallback.max_age), why));
  notice(fmt::format("using the fallback from {} (age {}): {}", when, age_text(age), why));
  std::vector<Source> levels = open_levels(std::move(opened.answer), settings.key, mem);
  for (Source& level : levels) level.detail += fmt::format("; from the fallback of {}", when);
  return levels;
}

// The answer sealed for the fallback file, before its levels are opened over its own bytes. A
// failure is a warning (a fallback must never be the reason a launch fails), said only once the
// levels have opened: `warning` holds it until then.
std::optional<std::string> sealed(const ResolveAnswer& answer, const FallbackSettings& fallback,
                                  const ResolveQuery& query, std::string& warning) {
  // The answer as JSON is secret (it holds the blobs and a server-managed key): built in an arena
  // of its own, wiped and unmapped as soon as it is sealed.
  SecretArena scratch(16 * 1024, 1);
  try {
    return seal_fallback(answer, query, now_seconds(), fallback.key, scratch.resource());
  } catch (const Error& e) {
    warning = fmt::format("warning: the fallback was not written: {}", e.what());
  } catch (const std::bad_alloc&) {
    warning = "warning: the fallback was not written: out of memory";
  }
  return std::nullopt;
}

void save(const std::string& sealed_answer, const FallbackSettings& fallback, const ResolveQuery& query,
          const std::function<void(std::string_view)>& notice) {
  const FallbackStore store(fallback.dir.value);
  try {
    store.write(fallback_file_name(query), sealed_answer);
  } catch (const Error& e) {
    notice(fmt::format("warning: the fallback was not written: {}", e.what()));
  } catch (const std::bad_alloc&) {
    notice("warning: the fallback was not written: out of memory");
  }
}

// After a 401, 403 or 404: access was revoked or the thing is gone, and so is its fallback.
Error removed(const ApiFailure& failure, const FallbackSettings& fallback, const ResolveQuery& query) {
  const FallbackStore store(fallback.dir.value);
  const std::string name = fallback_file_name(query);
  try {
    if (store.remove(name))
      return Error(failure.code(),
                   fmt::format("{}; removed its fallback file {}", failure.what(), store.path_of(name)));
  } catch (const Error& e) {
    return Error(failure.code(), fmt::format("{}; and {}", failure.what(), e.what()));
  }
  return failure;
}

}  // namespace

std::optional<ApiFailure> refresh_login_unless_out(Settings& settings, const std::optional<FallbackSettings>& fallback,
                                                   const Notice& notice, std::pmr::memory_resource* mem) {
  try {
    refresh_login_if_expired(settings, notice, mem);
  } catch (const ApiFailure& failure) {
    if (!fallback || failure.kind() != FailureKind::kOutage) throw;
    return failure;
  }
  return std::nullopt;
}

std::vector<Source> load_cloud_levels(const Settings& settings, const std::optional<FallbackSettings>& fallback,
                                      std::pmr::memory_resource* mem,
                                      const std::function<void(std::string_view)>& notice,
                                      const ApiFailure* refresh_outage) {
  if (!fallback) return open_levels(resolve(settings, mem, notice), settings.key, mem);
  const ResolveQuery query = resolve_query(settings);
  check_query(query);
  if (fallback->only) return from_fallback(settings, *fallback, query, "--fallback-only", mem, notice);
  if (refresh_outage) return from_fallback(settings, *fallback, query, refresh_outage->what(), mem, notice);
  std::optional<ResolveAnswer> answer;
  try {
    answer.emplace(resolve(settings, mem, notice));
  } catch (const ApiFailure& failure) {
    if (failure.kind() == FailureKind::kAccessEnded) throw removed(failure, *fallback, query);
    return from_fallback(settings, *fallback, query, failure.what(), mem, notice);
  }
  std::string warning;
  const std::optional<std::string> sealed_answer = sealed(*answer, *fallback, query, warning);
  std::vector<Source> levels = open_levels(std::move(*answer), settings.key, mem);
  if (sealed_answer) {
    save(*sealed_answer, *fallback, query, notice);
  } else {
    notice(warning);
  }
  return levels;
}

}  // namespace dotenv_run
