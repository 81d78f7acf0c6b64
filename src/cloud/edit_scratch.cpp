// The RAM scratch directory, its removal from normal code and from signal handlers alike, and the editor.
#include "cloud/edit_scratch.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstring>
#include <iterator>
#include <vector>

#include <fmt/format.h>

#include "api/settings.hpp"
#include "cloud/secret_input.hpp"
#include "core/error.hpp"
#include "core/text.hpp"

extern char** environ;

namespace dotenv_run {

namespace {

// What the signal handlers need, set while a scratch exists. Only async-signal-safe calls
// touch them in a handler.
int g_dir_fd = -1;
char g_dir_path[PATH_MAX];
volatile pid_t g_editor_pid = 0;

constexpr int kCleanupSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
struct sigaction g_old_actions[std::size(kCleanupSignals)];

// The fixed head of a getdents64 record; the NUL-terminated name follows it.
struct linux_dirent64_head {
  ino64_t d_ino;
  off64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
};

// Overwrites a regular file with zeros (best effort) and removes it, or removes an empty directory.
void wipe_and_remove(int dir_fd, const char* name) {
  const int fd = ::openat(dir_fd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd >= 0) {
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
      static const char zeros[4096] = {};
      for (off_t done = 0; done < st.st_size;) {
        const ssize_t n =
            ::write(fd, zeros, static_cast<std::size_t>(std::min<off_t>(st.st_size - done, sizeof zeros)));
        if (n <= 0) break;
        done += n;
      }
      ::fdatasync(fd);
    }
    ::close(fd);
  }
  if (::unlinkat(dir_fd, name, 0) != 0 && errno == EISDIR) ::unlinkat(dir_fd, name, AT_REMOVEDIR);
}

// Empties and removes the scratch directory: every entry (the file, an editor's swap or backup
// files), then the directory. Async-signal-safe: getdents64, openat, write, unlinkat only.
void remove_scratch() noexcept {
  const int dir_fd = g_dir_fd;
  if (dir_fd < 0) return;
  alignas(linux_dirent64_head) char buffer[4096];
  for (int pass = 0; pass < 64; ++pass) {
    ::lseek(dir_fd, 0, SEEK_SET);
    bool removed = false;
    for (;;) {
      const long n = ::syscall(SYS_getdents64, dir_fd, buffer, sizeof buffer);
      if (n <= 0) break;
      for (long at = 0; at < n;) {
        const auto* entry = reinterpret_cast<const linux_dirent64_head*>(buffer + at);
        at += entry->d_reclen;
        const char* name = buffer + (at - entry->d_reclen) + offsetof(linux_dirent64_head, d_type) + 1;
        if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) continue;
        wipe_and_remove(dir_fd, name);
        removed = true;
      }
    }
    if (!removed) break;
  }
  ::unlinkat(AT_FDCWD, g_dir_path, AT_REMOVEDIR);
  ::close(dir_fd);
  g_dir_fd = -1;
}

extern "C" void clean_up_and_die(int signal_number) {
  // The editor is passed the signal; when this program leads its process group (a job of an
  // interactive shell), the whole group is, so an editor the shell started goes too. A group
  // this program merely belongs to (a script's) is never signalled.
  if (g_editor_pid > 0) ::kill(::getpgrp() == ::getpid() ? -::getpid() : g_editor_pid, signal_number);
  remove_scratch();
  ::signal(signal_number, SIG_DFL);
  sigset_t just_this;
  sigemptyset(&just_this);
  sigaddset(&just_this, signal_number);
  ::sigprocmask(SIG_UNBLOCK, &just_this, nullptr);
  ::raise(signal_number);
}

void install_handlers() {
  struct sigaction action {};
  action.sa_handler = clean_up_and_die;
  sigfillset(&action.sa_mask);  // one handler at a time
  for (std::size_t i = 0; i < std::size(kCleanupSignals); ++i)
    ::sigaction(kCleanupSignals[i], &action, &g_old_actions[i]);
}

void restore_handlers() {
  for (std::size_t i = 0; i < std::size(kCleanupSignals); ++i)
    ::sigaction(kCleanupSignals[i], &g_old_actions[i], nullptr);
}

bool is_ram(const struct statfs& fs) { return fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC; }

bool on_ram(const std::string& dir) {
  struct statfs fs {};
  return ::statfs(dir.c_str(), &fs) == 0 && is_ram(fs);
}

// The directory as opened, not its path: what was checked by path could have been swapped since.
bool fd_on_ram(int fd) {
  struct statfs fs {};
  return ::fstatfs(fd, &fs) == 0 && is_ram(fs);
}

// Blocks the cleanup signals for a scope, so the globals never change under a handler.
class SignalsHeld {
 public:
  SignalsHeld() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : kCleanupSignals) sigaddset(&set, s);
    ::sigprocmask(SIG_BLOCK, &set, &old_);
  }
  ~SignalsHeld() { ::sigprocmask(SIG_SETMASK, &old_, nullptr); }
  SignalsHeld(const SignalsHeld&) = delete;
  SignalsHeld& operator=(const SignalsHeld&) = delete;

 private:
  sigset_t old_;
};

}  // namespace

std::string ram_directory(const std::optional<std::string>& runtime_dir) {
  if (runtime_dir && !runtime_dir->empty() && runtime_dir->front() == '/' && on_ram(*runtime_dir)) return *runtime_dir;
  if (on_ram("/dev/shm")) return "/dev/shm";
  throw Error(kExitConfig, fmt::format("no RAM file system for the decrypted file: {} and /dev/shm are not tmpfs or "
                                       "ramfs; refusing to write secrets to a disk",
                                       runtime_dir ? fmt::format("XDG_RUNTIME_DIR={}", sanitized(*runtime_dir))
                                                   : std::string("XDG_RUNTIME_DIR (unset)")));
}

RamScratch::RamScratch(const std::optional<std::string>& runtime_dir, std::string_view file_name)
    : file_name_(file_name) {
  if (g_dir_fd >= 0) throw Error(kExitSoftware, "a second edit scratch directory while one exists");
  std::string pattern = ram_directory(runtime_dir) + "/dotenv-cloud-XXXXXX";
  if (pattern.size() >= PATH_MAX) throw Error(kExitConfig, "the RAM directory's path is too long");
  SignalsHeld held;
  if (::mkdtemp(pattern.data()) == nullptr)
    throw Error(kExitConfig, fmt::format("cannot create a directory in {}: {}",
                                         sanitized(pattern.substr(0, pattern.rfind('/'))), std::strerror(errno)));
  dir_path_ = pattern;
  dir_fd_.reset(::open(dir_path_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  struct stat st {};
  if (!dir_fd_ || ::fstat(dir_fd_.get(), &st) != 0 || st.st_uid != ::geteuid() || (st.st_mode & 07777) != 0700 ||
      !fd_on_ram(dir_fd_.get())) {
    ::rmdir(dir_path_.c_str());
    throw Error(kExitConfig,
                fmt::format("the new directory {} is not a private directory of this user on a RAM file system",
                            sanitized(dir_path_)));
  }
  std::memcpy(g_dir_path, dir_path_.c_str(), dir_path_.size() + 1);
  g_dir_fd = dir_fd_.get();
  install_handlers();
  file_path_ = dir_path_ + "/" + file_name_;
  const int fd =
      ::openat(dir_fd_.get(), file_name_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int error = errno;
    remove_scratch();
    restore_handlers();
    dir_fd_.release();
    throw Error(kExitConfig, fmt::format("cannot create {}: {}", file_path_, std::strerror(error)));
  }
  ::close(fd);
}

RamScratch::~RamScratch() {
  SignalsHeld held;
  remove_scratch();
  dir_fd_.release();  // closed by remove_scratch
  restore_handlers();
}

void RamScratch::write(std::string_view text) {
  UniqueFd fd(::openat(dir_fd_.get(), file_name_.c_str(), O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) throw Error(kExitConfig, fmt::format("cannot write {}: {}", file_path_, std::strerror(errno)));
  while (!text.empty()) {
    const ssize_t n = ::write(fd.get(), text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error(kExitConfig, fmt::format("cannot write {}: {}", file_path_, std::strerror(errno)));
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

SecretString RamScratch::read(std::pmr::memory_resource* mem) const {
  UniqueFd fd(::openat(dir_fd_.get(), file_name_.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
    throw Error(kExitDataError,
                fmt::format("the edited file {} is gone or is not a regular file; nothing was changed", file_path_));
  return read_all(fd.get(), "the edited file", kMaxPlaintextBytes, mem);
}

// This program's environment without the variables that carry the token or the key: the
// editor (and whatever it starts) never sees them. Built before fork, so the child allocates nothing.
std::vector<char*> editor_environment() {
  std::vector<char*> out;
  for (char* const* e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const std::string_view name = entry.substr(0, entry.find('='));
    if (std::find(std::begin(kSecretVariables), std::end(kSecretVariables), name) == std::end(kSecretVariables))
      out.push_back(*e);
  }
  out.push_back(nullptr);
  return out;
}

void run_editor(std::string_view editor, const std::string& path) {
  std::string script = fmt::format("{} \"$@\"", editor);
  std::string name(editor);
  std::string path_arg = path;
  char sh[] = "sh", dash_c[] = "-c";
  char* const argv[] = {sh, dash_c, script.data(), name.data(), path_arg.data(), nullptr};
  const std::vector<char*> child_env = editor_environment();
  struct sigaction ignore {
  }, old_int{}, old_quit{};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  pid_t pid = 0;
  {
    SignalsHeld held;
    pid = ::fork();
    if (pid == 0) {
      // The editor gets the default dispositions and an empty mask (the mask is inherited).
      for (int s : kCleanupSignals) ::signal(s, SIG_DFL);
      ::signal(SIGPIPE, SIG_DFL);
      sigset_t none;
      sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      ::execve("/bin/sh", argv, child_env.data());
      ::_exit(127);
    }
    if (pid < 0) throw Error(kExitCannotExecute, fmt::format("cannot start the editor: {}", std::strerror(errno)));
    g_editor_pid = pid;
    ::sigaction(SIGINT, &ignore, &old_int);
    ::sigaction(SIGQUIT, &ignore, &old_quit);
  }
  int status = 0;
  pid_t waited = 0;
  do {
    waited = ::waitpid(pid, &status, 0);
  } while (waited < 0 && errno == EINTR);
  {
    SignalsHeld held;
    g_editor_pid = 0;
    ::sigaction(SIGINT, &old_int, nullptr);
    ::sigaction(SIGQUIT, &old_quit, nullptr);
  }
  const std::string shown = sanitized(editor);
  if (waited < 0) throw Error(kExitCannotExecute, fmt::format("lost the editor {}: {}", shown, std::strerror(errno)));
  if (WIFSIGNALED(status))
    throw Error(kExitCannotExecute,
                fmt::format("the editor {} was killed by signal {}; nothing was changed", shown, WTERMSIG(status)));
  const int code = WEXITSTATUS(status);
  if (code == 127) throw Error(kExitNotFound, fmt::format("the editor {} was not found; nothing was changed", shown));
  // The shell reports an editor killed by signal N as status 128 + N.
  if (code > 128 && code < 128 + NSIG)
    throw Error(kExitCannotExecute,
                fmt::format("the editor {} was killed by signal {}; nothing was changed", shown, code - 128));
  if (code != 0)
    throw Error(kExitCannotExecute,
                fmt::format("the editor {} exited with status {}; nothing was changed", shown, code));
}

}  // namespace dotenv_run
