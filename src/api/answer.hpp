// The resolve answer (docs/api.md section 7): its shape, checked field by field, as views into the secret body.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/secure_memory.hpp"

namespace dotenv_run {

struct ResolveQuery {
  std::string org;  // the organization's ULID
  std::string project;
  std::optional<std::string> target;
  std::optional<std::string> environment;  // needs a target
};

struct ResolvedLevel {
  std::string_view level;  // "project", "target" or "environment"
  std::string_view id;     // the level's ULID (bound into the blob's associated data)
  std::string_view slug;
  std::optional<long long> version;
  std::optional<unsigned> key_version;
  std::optional<std::string_view> blob;  // nullopt: the level has no secrets
};

struct KeyProofView {
  std::string_view algorithm;
  unsigned iterations = 0;
  std::string_view salt;
  std::string_view proof;
};

struct ResolvedKey {
  std::string_view mode;  // "server" or "client"
  unsigned version = 0;
  std::optional<std::string_view> key_b64;  // server-managed
  std::optional<KeyProofView> proof;        // client-managed
};

// Every view points into `body`. Moving the answer keeps them valid (the string's buffer
// moves with it); assigning could copy the buffer between arenas, so it is not allowed.
struct ResolveAnswer {
  explicit ResolveAnswer(SecretString answer_body, std::unique_ptr<SecretArena> answer_memory = nullptr)
      : body_memory(std::move(answer_memory)), body(std::move(answer_body)) {}
  ResolveAnswer(ResolveAnswer&&) = default;
  ResolveAnswer(const ResolveAnswer&) = delete;
  ResolveAnswer& operator=(const ResolveAnswer&) = delete;
  ResolveAnswer& operator=(ResolveAnswer&&) = delete;

  // The arena `body` lives in when the answer has one of its own (a resolve's): wiped and unmapped
  // with the answer, so the answer's pages are gone before the .env texts are parsed. Declared
  // before `body`, so the string goes first.
  std::unique_ptr<SecretArena> body_memory;
  SecretString body;  // owns the bytes (escapes decoded in place)
  std::string_view org_id, project_id, project_slug, encryption;
  std::vector<ResolvedLevel> levels;  // project, then target, then environment, as asked
  ResolvedKey key;
};

// Parses and checks a 200 answer to `query`. Throws Error(kExitUnavailable) naming the
// field path ("answer field data.levels[1].blob is not a string or null"), never content.
// `body_memory`, when given, is the arena `body` lives in; the answer keeps it (also when this
// throws, the body is dropped before its arena).
ResolveAnswer parse_resolve_answer(SecretString body, const ResolveQuery& query,
                                   std::unique_ptr<SecretArena> body_memory = nullptr);

}  // namespace dotenv_run
