// Creating the key file exclusively, with the right mode whatever the umask.
#include "cloud/new_key_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/fd.hpp"
#include "core/secure_memory.hpp"
#include "core/text.hpp"

namespace dotenv_run {

NewKeyFile::NewKeyFile(std::string path, std::string label) : path_(std::move(path)), label_(std::move(label)) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd_ < 0 && errno == EEXIST) {
    throw Error(kExitUsage, fmt::format("{} {}: already exists; refusing to overwrite it (choose a new "
                                        "file, or move that one away)",
                                        label_, sanitized(path_)));
  }
  if (fd_ < 0) {
    throw Error(kExitConfig,
                fmt::format("{} {}: cannot be created: {}", label_, sanitized(path_), std::strerror(errno)));
  }
  // The umask can only have removed bits; make it exactly owner read and write.
  if (::fchmod(fd_, 0600) != 0) {
    const int saved = errno;
    discard();
    throw Error(kExitConfig,
                fmt::format("{} {}: cannot set mode 0600: {}", label_, sanitized(path_), std::strerror(saved)));
  }
}

NewKeyFile::~NewKeyFile() {
  if (fd_ >= 0) ::close(fd_);
}

namespace {

bool write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

void NewKeyFile::write_line(std::string_view text) {
  const bool written = write_all(fd_, text) && write_all(fd_, "\n") && ::fsync(fd_) == 0;
  const int saved = errno;
  const bool closed = ::close(fd_) == 0;
  fd_ = -1;
  if (!written || !closed) {
    discard();
    throw Error(kExitConfig, fmt::format("{} {}: cannot be written: {}", label_, sanitized(path_),
                                         std::strerror(written ? errno : saved)));
  }
  // The file's name is on disk too before anything depends on the key (a server proof, a rotation).
  std::filesystem::path dir = std::filesystem::path(path_).parent_path();
  if (dir.empty()) dir = ".";
  const UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd || ::fsync(dir_fd.get()) != 0) {
    const int err = errno;
    discard();
    throw Error(kExitConfig,
                fmt::format("{} {}: its directory cannot be synced: {}", label_, sanitized(path_), std::strerror(err)));
  }
}

void NewKeyFile::discard() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(path_.c_str());
}

SecretKey NewKeyFile::write_new_key() {
  SecretKey key = SecretKey::generate();
  std::string text = key.to_base64();
  const struct Wiped {
    std::string& text;
    ~Wiped() { wipe(text); }
  } wiped{text};
  write_line(text);
  return key;
}

}  // namespace dotenv_run
