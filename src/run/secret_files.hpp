// Secrets handed to the command as files with no path on disk (--as-file, --env-as-file):
// which secrets become files, and the sealed memfds that hold them, placed above every
// descriptor the launcher inherited.
#pragma once

#include <cstddef>
#include <memory_resource>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/dotenv.hpp"
#include "core/fd.hpp"

namespace dotenv_run {

// One --as-file item: NAME, or NAME=VAR.
struct AsFile {
  std::string name;      // the secret, as --only names it (before --prefix)
  std::string variable;  // empty: the secret's name in the environment followed by "_FILE"
};

// What the command line asks for.
struct FileRequests {
  std::vector<AsFile> as_file;
  std::string env_as_file;  // empty: none
  bool any() const { return !as_file.empty() || !env_as_file.empty(); }
};

// One file to make: the variable that will carry its /dev/fd/N path and what it holds.
struct PlannedFile {
  std::string variable;
  std::string label;                  // the memfd's name is "dotenv-run:" + label
  std::vector<std::string> names;     // the secrets it holds (names only, for --check)
  std::optional<std::size_t> secret;  // its value: held[*secret]; nullopt: env_text
};

struct SecretFilePlan {
  std::vector<PlannedFile> files;
  Variables held;         // the secrets that left the environment for a file (arena)
  SecretString env_text;  // --env-as-file's .env text (arena)
  std::size_t secrets() const { return held.size(); }
};

// The bytes `file` holds: a view into the plan's arena memory.
std::string_view file_content(const SecretFilePlan& plan, const PlannedFile& file);

// Moves the secrets named by --as-file, then with --env-as-file every other one, out of `secrets`
// (what is left stays in the environment) into the plan. A name that is not among the selected
// secrets, a path variable that is a secret staying in the environment, and a code-loading
// path variable (unless allowed) are Error(kExitDataError); one secret or one variable used
// twice is Error(kExitUsage). The held secrets get the checks of validate_secrets, except the
// size limit of one environment string.
SecretFilePlan plan_secret_files(Variables& secrets, const FileRequests& requests, std::string_view prefix,
                                 bool allow_unsafe_names, std::pmr::memory_resource* mem);

// --check: one line per file (the variable, then the secrets it would hold); never a value.
std::string describe_secret_files(const SecretFilePlan& plan);

// Makes each planned file: memfd_create (sealing allowed, MFD_NOEXEC_SEAL where the kernel has it),
// the bytes written from the arena, sealed against write, grow, shrink and further seals, then
// moved to the next free descriptor above every one in `inherited` (sorted; never below 3) without
// FD_CLOEXEC. Appends VAR=/dev/fd/N to `env` for each. Any failure is Error(kExitSoftware) naming
// the variable, with every descriptor made so far closed. The descriptors returned are meant to
// survive exec.
std::vector<UniqueFd> place_secret_files(const SecretFilePlan& plan, std::span<const int> inherited, Variables& env,
                                         std::pmr::memory_resource* mem);

}  // namespace dotenv_run
