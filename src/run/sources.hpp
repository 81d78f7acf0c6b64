// The plaintext sources of one launch: the cloud levels (fetched and opened) and the
// --env-file files, in merge order; and the --check report over them.
#pragma once

#include <filesystem>
#include <functional>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/settings.hpp"
#include "core/lookup.hpp"
#include "core/merge.hpp"
#include "run/fallback.hpp"

namespace dotenv_run {

// The launcher's settings: a project (then an organization and a token are required; no
// token with `offline`, --fallback-only) or at least one --env-file. Throws
// Error(kExitConfig) naming what is missing.
Settings launch_settings(const SettingFlags& flags, bool has_env_files, const Lookup& env,
                         const std::filesystem::path& cwd, std::pmr::memory_resource* mem, bool offline = false);

// Fetches and opens every cloud level (all or nothing; from the offline fallback when the API
// is out, or when `refresh_outage` says it was: run/fallback.hpp), then reads each --env-file.
// `notice` receives one line per retry.
std::vector<Source> load_sources(const Settings& settings, const std::optional<FallbackSettings>& fallback,
                                 const std::vector<std::string>& env_files, std::pmr::memory_resource* mem,
                                 const std::function<void(std::string_view)>& notice,
                                 const ApiFailure* refresh_outage = nullptr);

// Appends a source for each --env-file, in the order given (load_sources' second half).
void append_env_files(std::vector<Source>& sources, const std::vector<std::string>& env_files,
                      std::pmr::memory_resource* mem);

// --check: one line per source with its count of names, then the total; never a value.
std::string check_report(const std::vector<Source>& loaded, const std::vector<std::size_t>& counts, std::size_t merged,
                         std::size_t selected);

// Reads a .env file given with --env-file into the arena (monotonic: the text stays until its
// release, which wipes it). Error(kExitConfig) if it cannot be read.
std::string_view read_env_file(const std::string& path, std::pmr::memory_resource* mem);

}  // namespace dotenv_run
