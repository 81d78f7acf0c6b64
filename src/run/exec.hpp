// Replacing the launcher with the command: PATH lookup in the child's environment, execve().
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "run/environment.hpp"

namespace dotenv_run {

// Finds `program` as execvp(3) would, but in `path` (the child's PATH): a name with
// a '/' is used as it is. Returns the candidates to try, in order.
std::vector<std::string> command_candidates(std::string_view program, std::string_view path);

// execve()s argv with env. Returns only on failure, by throwing Error(kExitNotFound)
// when no candidate exists or Error(kExitCannotExecute) when one exists but cannot run.
[[noreturn]] void exec_command(const std::vector<std::string>& argv, ChildEnvironment& env);

}  // namespace dotenv_run
