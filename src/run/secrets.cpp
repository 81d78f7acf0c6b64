// The one pipeline from the sources to the program's environment, and its digest.
#include "run/secrets.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <string_view>

#include "core/sodium.hpp"

namespace dotenv_run {

LoadedSecrets load_secrets(const SourceLoader& load, const Options& options, const Lookup& inherited_env,
                           std::pmr::memory_resource* mem) {
  // Lists made with `mem` up front: a result moved into a list of another allocator would be
  // copied element by element into malloc'd memory (short names and values sit inside the elements).
  LoadedSecrets out{.sources = {},
                    .counts = {},
                    .merged_count = 0,
                    .secrets = Variables(mem),
                    .files = SecretFilePlan{.files = {}, .held = Variables(mem), .env_text = SecretString(mem)}};
  out.sources = load(mem);
  MergeResult merged = merge_sources(out.sources, inherited_env, ParseOptions{.expand = !options.no_expand}, mem);
  out.counts = std::move(merged.counts);
  out.merged_count = merged.variables.size();
  out.secrets = select_variables(std::move(merged.variables), options.selection, mem);
  out.files = plan_secret_files(out.secrets, options.files, options.selection.prefix,
                                options.child_env.allow_unsafe_names, mem);
  validate_secrets(out.secrets, options.child_env.allow_unsafe_names);
  return out;
}

ChildEnvironment program_environment(char* const* inherited, const LoadedSecrets& loaded, const Options& options,
                                     std::pmr::memory_resource* mem) {
  ChildEnvironment env = build_child_environment(inherited, loaded.secrets, options.child_env, mem);
  check_exec_limits(options.command, env);
  return env;
}

std::vector<UniqueFd> add_secret_files(LoadedSecrets& loaded, std::span<const int> inherited_fds,
                                       char* const* inherited, const Options& options, ChildEnvironment& env,
                                       std::pmr::memory_resource* mem) {
  if (loaded.files.files.empty()) return {};
  std::vector<UniqueFd> fds = place_secret_files(loaded.files, inherited_fds, loaded.secrets, mem);
  env = program_environment(inherited, loaded, options, mem);
  return fds;
}

DigestKey new_digest_key() {
  ensure_sodium();
  DigestKey key{};
  crypto_generichash_keygen(key.data());
  return key;
}

Digest environment_digest(const ChildEnvironment& env, const SecretFilePlan& files, const DigestKey& key) {
  std::vector<const char*> entries(env.entries().begin(), env.entries().end());
  std::sort(entries.begin(), entries.end(), [](const char* a, const char* b) { return std::strcmp(a, b) < 0; });
  crypto_generichash_state state;
  crypto_generichash_init(&state, key.data(), key.size(), sizeof(Digest));
  for (const char* entry : entries) {
    // Each entry with its terminating NUL, so no two lists of entries hash alike.
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(entry), std::strlen(entry) + 1);
  }
  for (const PlannedFile& file : files.files) {
    // A marker byte that no entry starts with ('=' never begins a name), then the variable and the content with
    // its length, so no environment entry and no other file can hash alike.
    const std::string_view content = file_content(files, file);
    const std::size_t length = content.size();
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>("="), 1);
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(file.variable.c_str()),
                              file.variable.size() + 1);
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(&length), sizeof length);
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(content.data()), content.size());
  }
  Digest digest{};
  crypto_generichash_final(&state, digest.data(), digest.size());
  sodium_memzero(&state, sizeof state);
  return digest;
}

}  // namespace dotenv_run
