// The plaintext sources of one launch: the cloud levels (fetched and opened) and the
// --env-file files, in merge order; and the --check report over them.
#pragma once

#include <functional>
#include <memory_resource>
#include <string>
#include <string_view>
#include <vector>

#include "cli.hpp"
#include "config.hpp"
#include "merge.hpp"

namespace dotenv_run {

struct LoadedSource {
  std::string name;    // "level project api", "file ./local.env": used in errors
  std::string detail;  // "version 7", "no secrets": used by --check
  SecretString text;
};

// Fetches and opens every cloud level (all or nothing), then reads each --env-file.
// `notice` receives one line per retry.
std::vector<LoadedSource> load_sources(const Options& options, const Settings& settings,
                                       std::pmr::memory_resource* mem,
                                       const std::function<void(std::string_view)>& notice);

std::vector<Source> as_sources(const std::vector<LoadedSource>& loaded);

// --check: one line per source with its count of names, then the total; never a value.
std::string check_report(const std::vector<LoadedSource>& loaded, const std::vector<std::size_t>& counts,
                         std::size_t merged, std::size_t selected);

// Reads a .env file given with --env-file into the arena. Error(kExitConfig) if it cannot be read.
SecretString read_env_file(const std::string& path, std::pmr::memory_resource* mem);

}  // namespace dotenv_run
