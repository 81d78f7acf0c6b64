// What the program receives: every source of a launch loaded, merged, selected, prefixed and
// checked, and the program's environment built from it. The launch, the --watch watcher and
// the --restart supervisor all go through here, so a digest is over exactly what runs.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <memory_resource>
#include <vector>

#include "api/settings.hpp"
#include "core/merge.hpp"
#include "run/cli.hpp"
#include "run/environment.hpp"

namespace dotenv_run {

struct LoadedSecrets {
  std::vector<Source> sources;  // in merge order, for --check
  std::vector<std::size_t> counts;
  std::size_t merged_count = 0;
  Variables secrets;  // after --only, --exclude and --prefix, checked by validate_secrets
};

// Loads the sources of `settings` and `options` (the cloud levels through `load`, then the
// --env-file files), merges them with ${...} expanded from `inherited_env`, selects and checks
// them. Everything lives in `mem`.
using SourceLoader = std::function<std::vector<Source>(std::pmr::memory_resource* mem)>;
LoadedSecrets load_secrets(const SourceLoader& load, const Options& options, const Lookup& inherited_env,
                           std::pmr::memory_resource* mem);

// The program's environment from the inherited one and `secrets`, checked against execve()'s limits.
ChildEnvironment program_environment(char* const* inherited, const LoadedSecrets& loaded, const Options& options,
                                     std::pmr::memory_resource* mem);

// A keyed BLAKE2b over the program's environment, entry by entry in sorted order (so an order
// that changes nothing changes no digest). The key is random per launch: the digest says
// nothing about the values.
using DigestKey = std::array<unsigned char, 32>;
using Digest = std::array<unsigned char, 32>;
DigestKey new_digest_key();
Digest environment_digest(const ChildEnvironment& env, const DigestKey& key);

}  // namespace dotenv_run
