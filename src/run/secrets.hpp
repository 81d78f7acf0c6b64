// What the program receives: every source of a launch loaded, merged, selected, prefixed and
// checked, and the program's environment built from it. The launch, the --watch watcher and
// the --restart supervisor all go through here, so a digest is over exactly what runs.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <span>
#include <memory_resource>
#include <vector>

#include "api/settings.hpp"
#include "core/merge.hpp"
#include "run/cli.hpp"
#include "core/fd.hpp"
#include "run/environment.hpp"
#include "run/secret_files.hpp"

namespace dotenv_run {

struct LoadedSecrets {
  std::vector<Source> sources;  // in merge order, for --check
  std::vector<std::size_t> counts;
  std::size_t merged_count = 0;
  Variables secrets;     // after --only, --exclude and --prefix, checked by validate_secrets
  SecretFilePlan files;  // the secrets --as-file and --env-as-file took out of `secrets`
  std::size_t selected_count() const { return secrets.size() + files.secrets(); }
};

// Loads the sources of `settings` and `options` (the cloud levels through `load`, then the
// --env-file files), merges them with ${...} expanded from `inherited_env`, selects and checks
// them. Everything lives in `mem`.
using SourceLoader = std::function<std::vector<Source>(std::pmr::memory_resource* mem)>;
LoadedSecrets load_secrets(const SourceLoader& load, const Options& options, const Lookup& inherited_env,
                           std::pmr::memory_resource* mem);

// The program's environment from the inherited one and `secrets`, checked against execve()'s limits.
// Without the paths of the secret files: add_secret_files() adds them.
ChildEnvironment program_environment(char* const* inherited, const LoadedSecrets& loaded, const Options& options,
                                     std::pmr::memory_resource* mem);

// Makes the planned secret files (sealed memfds above every descriptor in `inherited_fds`) and
// rebuilds `env` with their /dev/fd/N paths. Nothing to do without --as-file or --env-as-file.
// Call it once every other descriptor of the launcher's is closed.
std::vector<UniqueFd> add_secret_files(LoadedSecrets& loaded, std::span<const int> inherited_fds,
                                       char* const* inherited, const Options& options, ChildEnvironment& env,
                                       std::pmr::memory_resource* mem);

// A keyed BLAKE2b over the program's environment, entry by entry in sorted order (so an order
// that changes nothing changes no digest), then over each secret file's variable and content
// (the files' /dev/fd/N paths are not in `env`, so a descriptor number changes nothing). The
// key is random per launch: the digest says nothing about the values.
using DigestKey = std::array<unsigned char, 32>;
using Digest = std::array<unsigned char, 32>;
DigestKey new_digest_key();
Digest environment_digest(const ChildEnvironment& env, const SecretFilePlan& files, const DigestKey& key);

}  // namespace dotenv_run
