// Test helper: runs a call that must throw dotenv_run::Error and returns its message.
#pragma once

#include <doctest/doctest.h>

#include <string>

#include "core/error.hpp"

namespace dotenv_run::testing {

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
