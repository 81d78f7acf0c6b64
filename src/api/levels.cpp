// From a resolve answer to plaintext: the key, its proof, each level's blob.
#include "api/levels.hpp"

#include <fmt/format.h>

#include <functional>
#include <span>

#include "core/blob.hpp"
#include "core/error.hpp"
#include "core/key_proof.hpp"

namespace dotenv_run {

namespace {

SecretKey key_for(const ResolveAnswer& answer, const std::optional<SecretSetting>& client_key) {
  if (answer.key.mode == "server") {
    if (!answer.key.key_b64) {
      throw Error(kExitUnavailable, fmt::format("the API answer for project {} has no key", answer.project_slug));
    }
    return SecretKey::from_base64(*answer.key.key_b64, "the project key in the API answer");
  }
  if (!client_key) {
    throw Error(kExitConfig, fmt::format("project {} is client-managed: give its key with DOTENV_CLOUD_KEY_FILE, "
                                         "DOTENV_CLOUD_KEY, --key-file or a systemd credential dotenv-cloud-key",
                                         answer.project_slug));
  }
  std::string what = fmt::format("the project key from {}", client_key->source);
  SecretKey key = [&] {
    try {
      return SecretKey::from_base64(client_key->value, what);
    } catch (const Error& e) {
      throw Error(kExitConfig, e.what());
    }
  }();
  const KeyProofView& p = *answer.key.proof;
  KeyProof proof{std::string(p.algorithm), p.iterations, std::string(p.salt), std::string(p.proof)};
  if (!key_matches_proof(key, proof)) {
    throw Error(kExitDataError, fmt::format("{} does not match project {}", what, answer.project_slug));
  }
  return key;
}

}  // namespace

namespace {

// Whether `part` views bytes of `whole` (std::less orders any two pointers).
bool within(std::string_view whole, std::string_view part) {
  const std::less_equal<const char*> le;
  return le(whole.data(), part.data()) && le(part.data() + part.size(), whole.data() + whole.size());
}

// `body`, when not empty, is the answer's own text, writable: each blob is decoded over itself.
std::vector<Source> open_each(const ResolveAnswer& answer, const std::optional<SecretSetting>& client_key,
                              std::pmr::memory_resource* mem, std::span<char> body) {
  SecretKey key = key_for(answer, client_key);
  std::vector<Source> out;
  for (const ResolvedLevel& level : answer.levels) {
    std::string name = fmt::format("level {} {}", level.level, level.slug);
    if (!level.blob) {
      out.push_back({std::move(name), {}, "no secrets"});
      continue;
    }
    unsigned version = blob_key_version(*level.blob, name);
    if (version != answer.key.version) {
      throw Error(kExitDataError, fmt::format("{} is sealed with key version {}, but the key is version {}", name,
                                              version, answer.key.version));
    }
    // In place over the answer's own bytes when it is writable, else a copy: either way in `mem`.
    const std::string_view text =
        !body.empty() && within({body.data(), body.size()}, *level.blob)
            ? open_blob_in_place(body.subspan(static_cast<std::size_t>(level.blob->data() - body.data()),
                                              level.blob->size()),
                                 key, answer.org_id, level.id, name)
            : keep_in_arena(open_blob(*level.blob, key, answer.org_id, level.id, name, mem), mem);
    std::string detail = level.version ? fmt::format("version {}", *level.version) : std::string("no version");
    out.push_back({std::move(name), text, std::move(detail)});
  }
  return out;
}

}  // namespace

std::vector<Source> open_levels(const ResolveAnswer& answer, const std::optional<SecretSetting>& client_key,
                                std::pmr::memory_resource* mem) {
  return open_each(answer, client_key, mem, {});
}

std::vector<Source> open_levels(ResolveAnswer&& answer, const std::optional<SecretSetting>& client_key,
                                std::pmr::memory_resource* mem) {
  // The levels are opened over the body only when it lives in `mem`: the body is then handed to
  // the arena, so the texts stay valid after the answer is gone, and are wiped with the arena.
  if (answer.body_memory || !answer.body.get_allocator().resource()->is_equal(*mem)) {
    return open_each(answer, client_key, mem, {});
  }
  const std::string_view body = keep_in_arena(std::move(answer.body), mem);
  return open_each(answer, client_key, mem, std::span(const_cast<char*>(body.data()), body.size()));
}

}  // namespace dotenv_run
