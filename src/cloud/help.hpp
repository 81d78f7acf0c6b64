// dotenv-cloud's help: the whole program's (--help, kept in step with man/dotenv-cloud.1 by a
// test) and one command's or group's (`help COMMAND`, `COMMAND --help`). Commands come from
// the command table, so a command is listed exactly when it exists.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dotenv_run {

std::string cloud_help_text();

// `words` after "help" (or before --help): a command, a group ("projects"), or nothing (the
// whole help). Error(kExitUsage) for an unknown command.
std::string command_help(const std::vector<std::string>& words);

}  // namespace dotenv_run
