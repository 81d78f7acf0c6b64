// A progress line for long commands ("levels 3/7"), redrawn in place on a terminal, silent otherwise.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace dotenv_run {

class Progress {
 public:
  // Shows nothing unless stderr is a terminal.
  explicit Progress(std::string_view what);
  ~Progress();  // ends the line
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void update(std::size_t done, std::size_t total);

 private:
  std::string what_;
  bool shown_ = false;
  bool terminal_;
};

}  // namespace dotenv_run
