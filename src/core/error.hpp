// The one error type: a message for stderr (never a secret) and the exit code it maps to.
#pragma once

#include <stdexcept>
#include <string>

#include "core/exit_codes.hpp"

namespace dotenv_run {

// Thrown by every layer; main() prints "dotenv-run: error: <what()>" and exits with code().
// The message must never contain a secret value, a token or a response body.
class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ExitCode code() const noexcept { return code_; }

 private:
  ExitCode code_;
};

}  // namespace dotenv_run
