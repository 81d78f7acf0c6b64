// The file a new client-managed key goes to: created, never replaced.
#pragma once

#include <string>
#include <string_view>

#include "core/key.hpp"

namespace dotenv_run {

class NewKeyFile {
 public:
  // Creates `path` with O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600, so an existing file or a
  // symlink is never written through. Error(kExitUsage) when something is already there,
  // Error(kExitConfig) when it cannot be created.
  // `label` starts its error lines: the option or command that named the file.
  explicit NewKeyFile(std::string path, std::string label = "--new-key-file");
  ~NewKeyFile();
  NewKeyFile(const NewKeyFile&) = delete;
  NewKeyFile& operator=(const NewKeyFile&) = delete;

  // Writes `text` and a newline, syncs the file and its directory; on failure removes the file,
  // Error(kExitConfig).
  void write_line(std::string_view text);
  // A new random key, written in base64 (write_line) before it is returned, so no key exists that is not on
  // disk; the base64 text is wiped, whatever happens.
  SecretKey write_new_key();
  // Removes the file (it was created here, so it holds only what write() put there).
  void discard() noexcept;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string label_;
  int fd_ = -1;
};

}  // namespace dotenv_run
