// Token and key files: the checks an operator expects from ssh or systemd credentials.
#include "core/secret_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/fd.hpp"

namespace dotenv_run {

namespace {

constexpr std::size_t kMaxSecretFile = 64 * 1024;

Error file_error(std::string_view what, const std::string& path, std::string_view why) {
  return Error(kExitConfig, fmt::format("{} file {}: {}", what, path, why));
}

}  // namespace

SecretString take_secret_text(std::string_view text, std::string_view what, std::pmr::memory_resource* mem) {
  if (text.size() >= 2 && text.substr(text.size() - 2) == "\r\n") {
    text.remove_suffix(2);
  } else if (!text.empty() && text.back() == '\n') {
    text.remove_suffix(1);
  }
  if (text.empty()) throw Error(kExitConfig, fmt::format("{} is empty", what));
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      throw Error(kExitConfig, fmt::format("{} holds a line break or control character", what));
    }
  }
  return secret_copy(text, mem);
}

SecretString read_secret_file(const std::string& path, std::string_view what, std::pmr::memory_resource* mem) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) {
    if (errno == ELOOP) throw file_error(what, path, "is a symbolic link; name the file itself");
    throw file_error(what, path, std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw file_error(what, path, std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw file_error(what, path, "is not a regular file");
  // Another user's file could hold their token, so the secrets would go to them (or their key
  // would decrypt what they chose); root reads anyone's file, so only root's is taken then.
  if (st.st_uid != ::geteuid() && st.st_uid != 0) {
    throw file_error(what, path, fmt::format("owned by uid {}, not by you or root; refused", st.st_uid));
  }
  if ((st.st_mode & 077) != 0) {
    throw file_error(what, path,
                     fmt::format("group or others have access (mode {:04o}); run chmod 600", st.st_mode & 07777));
  }
  if (st.st_size == 0) throw file_error(what, path, "is empty");
  if (static_cast<std::size_t>(st.st_size) > kMaxSecretFile) throw file_error(what, path, "is larger than 64 KiB");

  SecretString buffer(static_cast<std::size_t>(st.st_size), '\0', mem);
  std::size_t got = 0;
  while (got < buffer.size()) {
    ssize_t n = ::read(fd.get(), buffer.data() + got, buffer.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw file_error(what, path, std::strerror(errno));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  buffer.resize(got);
  std::string described = fmt::format("{} file {}", what, path);
  SecretString result = take_secret_text(buffer, described, mem);
  wipe(buffer.data(), buffer.size());
  return result;
}

}  // namespace dotenv_run
