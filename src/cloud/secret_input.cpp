// Reading values and files into the arena; the no-echo prompt puts the terminal back on every exit.
#include "cloud/secret_input.hpp"

#include <fcntl.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/fd.hpp"
#include "core/text.hpp"

namespace dotenv_run {

namespace {

// The terminal's settings before echo went off, for the signal handler to put back, and the
// quiet ones, to put on again when a stopped program is continued.
struct termios g_saved_termios;
struct termios g_quiet_termios;
volatile sig_atomic_t g_echo_off = 0;

// Puts the terminal back, then takes the signal's default action: death, or for SIGTSTP a stop
// (Ctrl-Z). A program continued after a stop (fg) is still at the prompt: echo goes off again
// and this handler is back, so what is typed next is not shown.
extern "C" void restore_echo_and_die(int signal_number) {
  const int saved_errno = errno;
  if (g_echo_off) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved_termios);
  struct sigaction default_action {
  }, mine{};
  default_action.sa_handler = SIG_DFL;
  sigemptyset(&default_action.sa_mask);
  ::sigaction(signal_number, &default_action, &mine);
  sigset_t just_this;
  sigemptyset(&just_this);
  sigaddset(&just_this, signal_number);
  ::sigprocmask(SIG_UNBLOCK, &just_this, nullptr);
  ::raise(signal_number);  // dies here, or stops here until continued
  ::sigprocmask(SIG_BLOCK, &just_this, nullptr);
  if (g_echo_off) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_quiet_termios);
  ::sigaction(signal_number, &mine, nullptr);
  errno = saved_errno;
}

constexpr int kPromptSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP};

// Echo off for its lifetime; the terminal comes back also when a signal ends the program.
class EchoOff {
 public:
  EchoOff() {
    if (::tcgetattr(STDIN_FILENO, &g_saved_termios) != 0) throw Error(kExitConfig, "cannot read the terminal settings");
    struct sigaction action {};
    action.sa_handler = restore_echo_and_die;
    sigemptyset(&action.sa_mask);
    for (std::size_t i = 0; i < std::size(kPromptSignals); ++i) ::sigaction(kPromptSignals[i], &action, &old_[i]);
    g_quiet_termios = g_saved_termios;
    g_quiet_termios.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    g_quiet_termios.c_lflag |= ECHONL;
    g_echo_off = 1;
    if (::tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_quiet_termios) != 0) {
      restore();
      throw Error(kExitConfig, "cannot turn off the terminal's echo");
    }
  }
  ~EchoOff() { restore(); }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  void restore() {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved_termios);
    g_echo_off = 0;
    for (std::size_t i = 0; i < std::size(kPromptSignals); ++i) ::sigaction(kPromptSignals[i], &old_[i], nullptr);
  }
  struct sigaction old_[std::size(kPromptSignals)]{};
};

// One line typed at the prompt, without its line break.
SecretString prompt_line(std::string_view prompt, std::pmr::memory_resource* mem) {
  SecretString line(mem);
  line.reserve(256);
  // Echo goes off before the prompt shows (TCSAFLUSH drops what was typed earlier), so
  // nothing typed after the prompt can be echoed.
  EchoOff quiet;
  std::fprintf(stderr, "%.*s", static_cast<int>(prompt.size()), prompt.data());
  std::fflush(stderr);
  for (;;) {
    char c = 0;
    const ssize_t n = ::read(STDIN_FILENO, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(kExitConfig, "cannot read the value from the terminal");
    if (n == 0 || c == '\n') break;
    if (line.size() >= kMaxPlaintextBytes) throw Error(kExitDataError, "the value typed is too long");
    line.push_back(c);
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace

SecretString read_all(int fd, std::string_view what, std::size_t max, std::pmr::memory_resource* mem) {
  SecretString out(mem);
  out.reserve(4096);
  for (;;) {
    if (out.size() == out.capacity()) out.reserve(out.capacity() * 2);
    const std::size_t room = out.capacity() - out.size();
    const std::size_t at = out.size();
    out.resize(out.capacity());
    const ssize_t n = ::read(fd, out.data() + at, room);
    if (n < 0 && errno == EINTR) {
      out.resize(at);
      continue;
    }
    if (n < 0) {
      const int error = errno;
      out.resize(at);
      throw Error(kExitConfig, fmt::format("cannot read {}: {}", what, std::strerror(error)));
    }
    out.resize(at + static_cast<std::size_t>(n));
    if (n == 0) return out;
    if (out.size() > max) throw Error(kExitDataError, fmt::format("{} is larger than {} bytes", what, max));
  }
}

SecretString read_secret_value(std::string_view name, std::pmr::memory_resource* mem) {
  if (::isatty(STDIN_FILENO) && ::isatty(STDERR_FILENO)) {
    const std::string shown = sanitized(name);
    SecretString first = prompt_line(fmt::format("Value of {}: ", shown), mem);
    SecretString second = prompt_line(fmt::format("Value of {} again: ", shown), mem);
    if (first != second)
      throw Error(kExitDataError, fmt::format("the two values typed for {} differ; nothing was changed", shown));
    return first;
  }
  // A terminal on stdin alone (stderr redirected): no prompt, but what is typed is not shown either.
  std::optional<EchoOff> quiet;
  if (::isatty(STDIN_FILENO)) quiet.emplace();
  SecretString value = read_all(STDIN_FILENO, "the value on stdin", kMaxPlaintextBytes, mem);
  quiet.reset();
  if (!value.empty() && value.back() == '\n') value.pop_back();
  return value;
}

SecretString read_import_text(const std::string& path, std::pmr::memory_resource* mem) {
  if (path == "-") {
    std::optional<EchoOff> quiet;  // a .env typed on a terminal is not shown either
    if (::isatty(STDIN_FILENO)) quiet.emplace();
    return read_all(STDIN_FILENO, "stdin", kMaxPlaintextBytes, mem);
  }
  const std::string what = fmt::format("file {}", sanitized(path));
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd) throw Error(kExitConfig, fmt::format("cannot open {}: {}", what, std::strerror(errno)));
  return read_all(fd.get(), what, kMaxPlaintextBytes, mem);
}

}  // namespace dotenv_run
