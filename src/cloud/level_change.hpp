// Changing one level's text on the client: read the level, open it, apply a change, seal under
// the current key version, check, write conditionally; on 409 version_conflict read again and
// re-apply the same change, so a concurrent write is never overwritten (docs/api.md section 6).
#pragma once

#include <cstdint>
#include <functional>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>

#include "api/client.hpp"
#include "api/retry.hpp"
#include "api/settings.hpp"
#include "cloud/level.hpp"
#include "cloud/project_key.hpp"
#include "core/secure_memory.hpp"

namespace dotenv_run {

// A change of a level's text: the new text (in `mem`), or nullopt when there is nothing to
// change. After a conflict it is called again with the new current text, so it must depend on
// its input and on what it captured only. It may throw Error to stop (nothing is written).
using LevelEdit = std::function<std::optional<SecretString>(std::string_view text, std::pmr::memory_resource* mem)>;

// How often a conflicting write is re-applied, and the randomised wait before each retry:
// uniform in [0, min(cap, base * 2^n)] before retry n (0 for the first).
struct ConflictPolicy {
  unsigned retries = 5;
  double base_seconds = 0.2;
  double cap_seconds = 5;
};

struct ChangeResult {
  bool changed = false;       // false: the change found nothing to do, nothing was sent
  std::uint64_t version = 0;  // the level's version after the write (or as read, when unchanged)
  unsigned attempts = 0;      // writes sent (1 without a conflict)
};

// The current text of a level and what it was read at: for commands that show it, and for
// changes that must start from what a person saw (secrets edit).
struct LevelText {
  explicit LevelText(std::pmr::memory_resource* mem) : text(mem) {}
  LevelState state;
  SecretString text;  // empty for a level without a blob
};

class LevelEditor {
 public:
  // `client_key`: the client-managed key read_credentials found (or none). `environment`
  // gives the waits between conflicting attempts (sleep, uniform01); `notice` gets one line
  // per retry (never a value). Every plaintext lives in `mem`.
  LevelEditor(ApiClient& client, LevelRef ref, const std::optional<SecretSetting>& client_key,
              RetryEnvironment environment, Notice notice, std::pmr::memory_resource* mem, ConflictPolicy policy = {});

  const LevelRef& ref() const { return ref_; }

  // Reads and opens the level. The key is fetched only when the level has a blob (GET key
  // needs key:retrieve), once per editor.
  LevelText read();

  // Applies `edit` as the header says. Error(kExitTempFail) when the level still conflicts
  // after policy.retries re-applications, naming the level and the attempts; any other
  // failure throws as it came (nothing invalid is ever sent: each new text is sealed, opened
  // again and parsed first).
  ChangeResult apply(const LevelEdit& edit);

  // Clears the level's blob (DELETE, conditional on the version read, re-read on conflict).
  // Unchanged when the level already has none.
  ChangeResult clear();

  // The key new texts are sealed with, fetched on first use.
  const SealingKey& key();

 private:
  // Waits before retry `retry` (0-based) and says so; Error(kExitTempFail) past the last one.
  void after_conflict(unsigned retry, const std::string& line);

  ApiClient& client_;
  LevelRef ref_;
  const std::optional<SecretSetting>& client_key_;
  RetryEnvironment environment_;
  Notice notice_;
  std::pmr::memory_resource* mem_;
  ConflictPolicy policy_;
  std::optional<SealingKey> key_;
};

}  // namespace dotenv_run
