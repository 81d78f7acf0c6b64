// The read-change-seal-write loop of one level, with conflicts re-applied.
#include "cloud/level_change.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "core/error.hpp"

namespace dotenv_run {

LevelEditor::LevelEditor(ApiClient& client, LevelRef ref, const std::optional<SecretSetting>& client_key,
                         RetryEnvironment environment, Notice notice, std::pmr::memory_resource* mem,
                         ConflictPolicy policy)
    : client_(client),
      ref_(std::move(ref)),
      client_key_(client_key),
      environment_(std::move(environment)),
      notice_(std::move(notice)),
      mem_(mem),
      policy_(policy) {}

const SealingKey& LevelEditor::key() {
  if (!key_) key_.emplace(sealing_key(client_, ref_.org, ref_.project, client_key_, mem_));
  return *key_;
}

LevelText LevelEditor::read() {
  LevelText out(mem_);
  for (int pass = 0;; ++pass) {
    out.state = read_level(client_, ref_, mem_);
    if (!out.state.blob) return out;
    // A key rotated since the key was fetched: fetch it again (a client-managed key that no
    // longer matches the new proof is then refused before anything is opened).
    if (key_ && out.state.key_version != key_->version) key_.reset();
    const SealingKey& k = key();
    // A key rotated between the level's read and the key's: the level, re-sealed, is read again.
    if (out.state.key_version < k.version && pass < 2) continue;
    out.text = open_level(out.state, ref_, k.key, k.version, mem_);
    return out;
  }
}

void LevelEditor::after_conflict(unsigned retry, const std::string& line) {
  if (retry >= policy_.retries) {
    throw Error(kExitTempFail,
                fmt::format("{} kept changing: the write conflicted {} times, nothing was written (last: {})",
                            ref_.name(), retry + 1, line));
  }
  const double ceiling = std::min(policy_.cap_seconds, policy_.base_seconds * std::ldexp(1.0, static_cast<int>(retry)));
  const double wait = ceiling * environment_.uniform01();
  if (notice_) {
    notice_(fmt::format("{} was changed by someone else; reading it again in {:.1f} s (attempt {})", ref_.name(), wait,
                        retry + 2));
  }
  environment_.sleep(wait);
}

ChangeResult LevelEditor::apply(const LevelEdit& edit) {
  ChangeResult result;
  for (unsigned retry = 0;; ++retry) {
    LevelText current = read();
    std::optional<SecretString> next = edit(current.text, mem_);
    if (!next || *next == current.text) {
      result.version = current.state.base_version();
      return result;
    }
    // A new level (or a key rotated since the read) is sealed under the current key version.
    const SealingKey& k = key();
    const std::string blob = seal_level(*next, ref_, current.state.id, k.key, k.version, mem_);
    ++result.attempts;
    WriteResult written = put_level(client_, ref_, blob, k.version, current.state.base_version(), k.proof, mem_);
    if (!written.conflict && !written.stale_key) {
      result.changed = true;
      result.version = written.state.base_version();
      return result;
    }
    if (written.stale_key) key_.reset();  // rotated since it was fetched: fetch it and seal again
    after_conflict(retry, written.conflict_line);
  }
}

ChangeResult LevelEditor::clear() {
  ChangeResult result;
  for (unsigned retry = 0;; ++retry) {
    const LevelState current = read_level(client_, ref_, mem_);
    if (!current.blob) return result;
    ++result.attempts;
    WriteResult written = clear_level(client_, ref_, current.base_version(), mem_);
    if (!written.conflict) {
      result.changed = true;
      return result;
    }
    after_conflict(retry, written.conflict_line);
  }
}

}  // namespace dotenv_run
