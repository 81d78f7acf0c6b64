// Test helpers: what a call that should throw dotenv_run::Error threw.
#pragma once

#include <doctest/doctest.h>

#include <string>

#include "core/error.hpp"

namespace dotenv_run::testing {

// What a call threw: its exit code and message, or {0, "(no error)"}.
struct Failure {
  int code = 0;
  std::string message;
  bool operator==(const Failure&) const = default;
};

inline doctest::String toString(const Failure& f) {
  return doctest::String((std::to_string(f.code) + " " + f.message).c_str());
}

template <class Call>
Failure failure_of(Call&& call) {
  try {
    call();
  } catch (const Error& e) {
    return {e.code(), e.what()};
  }
  return {0, "(no error)"};
}

// Fails the test when `call` does not throw, or throws with another exit code.
template <class Call>
std::string error_of(ExitCode expected, Call&& call) {
  try {
    call();
  } catch (const Error& e) {
    CHECK(e.code() == expected);
    return e.what();
  }
  FAIL("no error was thrown");
  return "";
}

}  // namespace dotenv_run::testing
