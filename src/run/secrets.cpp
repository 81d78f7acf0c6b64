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
  LoadedSecrets out;
  out.sources = load(mem);
  MergeResult merged = merge_sources(out.sources, inherited_env, ParseOptions{.expand = !options.no_expand}, mem);
  out.counts = std::move(merged.counts);
  out.merged_count = merged.variables.size();
  out.secrets = select_variables(std::move(merged.variables), options.selection, mem);
  validate_secrets(out.secrets, options.child_env.allow_unsafe_names);
  return out;
}

ChildEnvironment program_environment(char* const* inherited, const LoadedSecrets& loaded, const Options& options,
                                     std::pmr::memory_resource* mem) {
  ChildEnvironment env = build_child_environment(inherited, loaded.secrets, options.child_env, mem);
  check_exec_limits(options.command, env);
  return env;
}

DigestKey new_digest_key() {
  ensure_sodium();
  DigestKey key{};
  crypto_generichash_keygen(key.data());
  return key;
}

Digest environment_digest(const ChildEnvironment& env, const DigestKey& key) {
  std::vector<const char*> entries(env.entries().begin(), env.entries().end());
  std::sort(entries.begin(), entries.end(), [](const char* a, const char* b) { return std::strcmp(a, b) < 0; });
  crypto_generichash_state state;
  crypto_generichash_init(&state, key.data(), key.size(), sizeof(Digest));
  for (const char* entry : entries) {
    // Each entry with its terminating NUL, so no two lists of entries hash alike.
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(entry), std::strlen(entry) + 1);
  }
  Digest digest{};
  crypto_generichash_final(&state, digest.data(), digest.size());
  sodium_memzero(&state, sizeof state);
  return digest;
}

}  // namespace dotenv_run
