// Settings and CA files: one descriptor for the directory, one for the file, each checked as opened.
#include "core/trusted_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/fd.hpp"
#include "core/text.hpp"

namespace dotenv_run {

namespace fs = std::filesystem;

namespace {

Error refused(std::string_view what, const fs::path& path, std::string_view why) {
  const std::string name = sanitized(path.string());
  return Error(kExitConfig,
               what.empty() ? fmt::format("{}: {}", name, why) : fmt::format("{} {}: {}", what, name, why));
}

bool trusted_owner(uid_t uid) { return uid == ::geteuid() || uid == 0; }

// Another user who could write the file, or rename entries of its directory, could decide where
// the token goes: refused as git refuses a repository of dubious ownership.
void check_directory(std::string_view what, const fs::path& path, const struct stat& dir) {
  if (!trusted_owner(dir.st_uid))
    throw refused(what, path,
                  fmt::format("its directory is owned by uid {}, not by you or root; refused, since another user "
                              "could replace the file",
                              dir.st_uid));
  if ((dir.st_mode & 022) != 0 && (dir.st_mode & S_ISVTX) == 0)
    throw refused(what, path,
                  fmt::format("group or others may write its directory (mode {:04o}); refused, since another user "
                              "could replace the file",
                              dir.st_mode & 07777));
}

void check_file(std::string_view what, const fs::path& path, const struct stat& st) {
  if (!S_ISREG(st.st_mode)) throw refused(what, path, "is not a regular file");
  if (!trusted_owner(st.st_uid))
    throw refused(what, path,
                  fmt::format("owned by uid {}, not by you or root; refused, since it could send the token elsewhere",
                              st.st_uid));
  if ((st.st_mode & 022) != 0)
    throw refused(what, path,
                  fmt::format("group or others may write it (mode {:04o}); refused, since it could send the token "
                              "elsewhere",
                              st.st_mode & 07777));
}

std::string read_all(int fd, std::string_view what, const fs::path& path, std::size_t max_bytes) {
  std::string body;
  char chunk[16384];
  while (true) {
    // Never more than one byte past the limit, whatever the file claims its size is.
    const std::size_t room = std::min(sizeof chunk, max_bytes + 1 - body.size());
    const ssize_t n = ::read(fd, chunk, room);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw refused(what, path, std::strerror(errno));
    if (n == 0) break;
    body.append(chunk, static_cast<std::size_t>(n));
    if (body.size() > max_bytes) throw refused(what, path, fmt::format("larger than {} KiB", max_bytes / 1024));
  }
  return body;
}

std::optional<std::string> read_checked(const fs::path& path, std::string_view what, std::size_t max_bytes,
                                        bool must_exist) {
  const fs::path parent = path.has_parent_path() ? path.parent_path() : fs::path(".");
  const std::string name = path.filename().string();
  const UniqueFd dir(::open(parent.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir) {
    if (!must_exist) return std::nullopt;
    throw refused(what, path, std::strerror(errno));
  }
  const UniqueFd fd(::openat(dir.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd) {
    const int err = errno;
    if (!must_exist && err == ENOENT) return std::nullopt;
    if (err == ELOOP) throw refused(what, path, "is a symbolic link; refused, name the file itself");
    throw refused(what, path, std::strerror(err));
  }
  struct stat dir_st {};
  struct stat st {};
  if (::fstat(dir.get(), &dir_st) != 0 || ::fstat(fd.get(), &st) != 0) throw refused(what, path, std::strerror(errno));
  check_file(what, path, st);
  check_directory(what, path, dir_st);
  return read_all(fd.get(), what, path, max_bytes);
}

}  // namespace

std::string read_trusted_file(const fs::path& path, std::string_view what, std::size_t max_bytes) {
  return *read_checked(path, what, max_bytes, true);
}

std::optional<std::string> read_trusted_file_if_present(const fs::path& path, std::string_view what,
                                                        std::size_t max_bytes) {
  return read_checked(path, what, max_bytes, false);
}

}  // namespace dotenv_run
