// `secrets edit` keeps the plaintext off disk: one file in a fresh 0700 directory on a RAM file
// system, wiped and removed on every exit path (return, exception, SIGINT, SIGTERM, SIGHUP,
// SIGQUIT), and the editor run on it the way git runs $EDITOR.
#pragma once

#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>

#include "core/fd.hpp"
#include "core/secure_memory.hpp"

namespace dotenv_run {

// Where the scratch directory goes: $XDG_RUNTIME_DIR when it is on tmpfs or ramfs (statfs),
// else /dev/shm when it is; Error(kExitConfig) naming both when neither is, so the plaintext
// is never written to a disk. `runtime_dir` is $XDG_RUNTIME_DIR (nullopt when unset).
std::string ram_directory(const std::optional<std::string>& runtime_dir);

// One plaintext file in a directory of its own. Only one exists at a time (the signal
// handlers it installs clean up the current one, then die of the same signal).
class RamScratch {
 public:
  // Creates <ram dir>/dotenv-cloud-XXXXXX (mkdtemp: 0700, checked by descriptor) and in it
  // `file_name`, empty, mode 0600, O_EXCL|O_NOFOLLOW.
  RamScratch(const std::optional<std::string>& runtime_dir, std::string_view file_name);
  ~RamScratch();
  RamScratch(const RamScratch&) = delete;
  RamScratch& operator=(const RamScratch&) = delete;

  const std::string& path() const { return file_path_; }
  // Replaces the file's contents.
  void write(std::string_view text);
  // The file as the editor left it (opened again by name in the directory: editors often
  // replace the file rather than write into it). Error(kExitDataError) when it is gone or is
  // not a regular file.
  SecretString read(std::pmr::memory_resource* mem) const;

 private:
  std::string dir_path_, file_name_, file_path_;
  UniqueFd dir_fd_;
};

// Runs `editor` on `path` as `sh -c '<editor> "$@"' <editor> <path>`, so EDITOR="code --wait"
// works, with this environment minus the token and key variables (kSecretVariables),
// and waits for it. While it runs, SIGINT and SIGQUIT go to the editor only; SIGTERM and
// SIGHUP are passed on to it (to this program's whole process group when it leads one, so the
// editor the shell started is reached too), then the scratch is removed and the program dies
// of the signal.
// Error(kExitNotFound) when the shell cannot find the editor (127), Error(kExitCannotExecute)
// when it fails or is killed.
void run_editor(std::string_view editor, const std::string& path);

}  // namespace dotenv_run
