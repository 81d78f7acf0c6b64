// The offline fallback's files (docs/fallback.md): one per organization, project, target and
// environment in a directory of the user's own, written atomically, read and removed by name.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/answer.hpp"

namespace dotenv_run {

// "<32 hex digits>.fallback": a BLAKE2b hash of the query's organization, project, target and
// environment, so the name says none of them (only someone who knows all four can tell whose
// file it is).
std::string fallback_file_name(const ResolveQuery& query);

class FallbackStore {
 public:
  explicit FallbackStore(std::string dir) : dir_(std::move(dir)) {}

  // Replaces the file `name` with `bytes`: a new 0600 file of a unique name (O_EXCL) in the
  // directory, written, synced, renamed over the old one, then the directory synced; so a
  // reader sees the old file or the new one, whole, however many write at once. Creates the
  // directory (0700) when it is missing. Throws Error naming the path and the cause: the
  // caller decides that a failed write is only a warning.
  void write(const std::string& name, std::string_view bytes) const;

  // The file's bytes, or nullopt when there is none. Error(kExitConfig) when the directory is
  // refused or the file cannot be read.
  std::optional<std::string> read(const std::string& name) const;

  // Removes the file: true when one was removed. Error(kExitConfig) when it is there but
  // cannot be removed.
  bool remove(const std::string& name) const;

  // "DIR/NAME", for messages.
  std::string path_of(const std::string& name) const;

 private:
  std::string dir_;
};

}  // namespace dotenv_run
