// The fallback directory: checked by descriptor, files replaced by rename, never written in place.
#include "api/fallback_store.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "api/fallback_seal.hpp"
#include "core/error.hpp"
#include "core/fd.hpp"
#include "core/sodium.hpp"
#include "core/text.hpp"

namespace dotenv_run {

namespace {

// A fallback holds one resolve answer (at most 8 MiB, api/connection.hpp) and a little more.
constexpr off_t kMaxFallbackFile = 16 * 1024 * 1024;

std::string errno_text(int err) { return std::strerror(err); }

std::string hex(const unsigned char* bytes, std::size_t size) {
  std::string out(size * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes, size);
  out.pop_back();
  return out;
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) {
      errno = ENOSPC;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

std::string fallback_file_name(const ResolveQuery& query) {
  ensure_sodium();
  const std::string text = fallback_query_text(query);
  std::array<unsigned char, 16> hash{};
  crypto_generichash(hash.data(), hash.size(), reinterpret_cast<const unsigned char*>(text.data()), text.size(),
                     nullptr, 0);
  return hex(hash.data(), hash.size()) + ".fallback";
}

std::string FallbackStore::path_of(const std::string& name) const {
  return sanitized(dir_.ends_with('/') ? dir_ + name : dir_ + "/" + name);
}

namespace {

Error dir_error(const std::string& dir, std::string_view why) {
  return Error(kExitConfig, fmt::format("the fallback directory {}: {}", sanitized(dir), why));
}

// The directory as opened: a directory, the user's own (or root's), writable by no one else,
// as the settings files are (api/settings.cpp). Whoever can write it could put back an older file.
UniqueFd open_directory(const std::string& dir, bool create) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd && errno == ENOENT && create) {
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
      throw dir_error(dir, "cannot be created: " + errno_text(errno));
    fd.reset(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  }
  if (!fd) {
    if (errno == ENOENT && !create) return fd;
    throw dir_error(dir, errno_text(errno));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw dir_error(dir, errno_text(errno));
  if (st.st_uid != ::geteuid() && st.st_uid != 0)
    throw dir_error(dir, fmt::format("owned by uid {}, not by you or root; refused", st.st_uid));
  if ((st.st_mode & 022) != 0)
    throw dir_error(dir, fmt::format("group or others may write it (mode {:04o}); refused", st.st_mode & 07777));
  return fd;
}

}  // namespace

void FallbackStore::write(const std::string& name, std::string_view bytes) const {
  const UniqueFd dir = open_directory(dir_, true);
  std::array<unsigned char, 8> random{};
  randombytes_buf(random.data(), random.size());
  const std::string temp = fmt::format(".{}.{}.tmp", name, hex(random.data(), random.size()));
  UniqueFd fd(::openat(dir.get(), temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) throw Error(kExitConfig, fmt::format("{}: cannot be created: {}", path_of(temp), errno_text(errno)));
  auto fail = [&](std::string_view step) {
    const int err = errno;
    ::unlinkat(dir.get(), temp.c_str(), 0);
    return Error(kExitConfig, fmt::format("{}: cannot be {}: {}", path_of(name), step, errno_text(err)));
  };
  if (::fchmod(fd.get(), 0600) != 0) throw fail("made 0600");
  if (!write_all(fd.get(), bytes)) throw fail("written");
  if (::fsync(fd.get()) != 0) throw fail("synced");
  if (::close(fd.release()) != 0) throw fail("closed");
  if (::renameat(dir.get(), temp.c_str(), dir.get(), name.c_str()) != 0) throw fail("replaced");
  if (::fsync(dir.get()) != 0)
    throw Error(kExitConfig, fmt::format("{}: its directory cannot be synced: {}", path_of(name), errno_text(errno)));
}

std::optional<std::string> FallbackStore::read(const std::string& name) const {
  const UniqueFd dir = open_directory(dir_, false);
  if (!dir) return std::nullopt;
  const UniqueFd fd(::openat(dir.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd && errno == ENOENT) return std::nullopt;
  auto refused = [&](std::string_view why) { return Error(kExitConfig, fmt::format("{}: {}", path_of(name), why)); };
  if (!fd) throw refused(errno == ELOOP ? "is a symbolic link" : errno_text(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw refused(errno_text(errno));
  if (!S_ISREG(st.st_mode)) throw refused("is not a regular file");
  if (st.st_size > kMaxFallbackFile) throw refused("is larger than 16 MiB");
  std::string out(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < out.size()) {
    const ssize_t n = ::read(fd.get(), out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw refused(errno_text(errno));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  return out;
}

bool FallbackStore::remove(const std::string& name) const {
  const UniqueFd dir = open_directory(dir_, false);
  if (!dir) return false;
  if (::unlinkat(dir.get(), name.c_str(), 0) == 0) {
    ::fsync(dir.get());
    return true;
  }
  if (errno == ENOENT) return false;
  throw Error(kExitConfig, fmt::format("{}: cannot be removed: {}", path_of(name), errno_text(errno)));
}

}  // namespace dotenv_run
