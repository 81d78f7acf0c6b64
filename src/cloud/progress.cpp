// The progress line: carriage return and erase, only on a terminal.
#include "cloud/progress.hpp"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

namespace dotenv_run {

Progress::Progress(std::string_view what) : what_(what), terminal_(::isatty(STDERR_FILENO) == 1) {}

Progress::~Progress() {
  if (shown_) std::fputs("\n", stderr);
}

void Progress::update(std::size_t done, std::size_t total) {
  if (!terminal_) return;
  const std::string line = fmt::format("\r\x1b[Kdotenv-cloud: {} {}/{}", what_, done, total);
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
  shown_ = true;
}

}  // namespace dotenv_run
