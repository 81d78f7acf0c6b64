// The confirmation question.
#include "cloud/confirm.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>

#include <fmt/format.h>

#include "core/error.hpp"

namespace dotenv_run {

namespace {

// One line from stdin, read byte by byte so nothing past it is consumed; EOF ends it too.
std::string read_answer() {
  std::string line;
  char c = 0;
  while (line.size() < 64) {
    const ssize_t n = ::read(STDIN_FILENO, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || c == '\n') break;
    line += c;
  }
  return line;
}

}  // namespace

void confirm(std::string_view question, std::string_view what, bool yes) {
  if (yes) return;
  if (!::isatty(STDIN_FILENO) || !::isatty(STDERR_FILENO)) {
    throw Error(kExitUsage, fmt::format("{} needs --yes when not run on a terminal; nothing was deleted", what));
  }
  std::fprintf(stderr, "%.*s [y/N] ", static_cast<int>(question.size()), question.data());
  std::fflush(stderr);
  const std::string answer = read_answer();
  if (answer != "y" && answer != "Y" && answer != "yes" && answer != "YES" && answer != "Yes") {
    throw Error(kExitUsage, fmt::format("{} was not confirmed; nothing was deleted", what));
  }
}

}  // namespace dotenv_run
