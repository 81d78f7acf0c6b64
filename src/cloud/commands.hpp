// The command table: each command's words, arguments, help lines, options and handler.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "cloud/cli.hpp"

namespace dotenv_run {

class Session;

struct Command {
  std::string_view name;     // the command words: "whoami", "projects create"
  std::string_view args;     // for usage lines: "SLUG [--name NAME]"
  std::string_view summary;  // one line for --help
  std::string_view details;  // a paragraph for `dotenv-cloud help COMMAND`
  unsigned options = 0;      // the CommandOption bits it takes
  std::size_t min_args = 0, max_args = 0;
  void (*run)(Session& session) = nullptr;
};

// The commands of each group, in help order. Each group lives in its own file.
std::span<const Command> account_commands();   // account_commands.cpp: whoami, orgs, plans
std::span<const Command> level_commands();     // level_commands.cpp: projects, targets, environments
std::span<const Command> secrets_commands();   // secrets_commands.cpp: secrets get|set|import|unset|edit|clear
std::span<const Command> versions_commands();  // versions_commands.cpp: versions list|show|diff|restore|delete|purge
std::span<const Command> key_commands();       // key_commands.cpp: key show|history|rotate|verify
std::span<const Command> login_commands();     // login_commands.cpp: login, logout
std::span<const Command> fallback_key_commands();  // fallback_key_commands.cpp: fallback-key new

// Every command, in help order.
const std::vector<Command>& commands();

// The command that `words` start with (its name's words), or Error(kExitUsage) naming the
// known commands (or verbs of the group given).
const Command& find_command(const std::vector<std::string>& words);

// How many words the command's name has.
std::size_t name_words(const Command& command);

// Refuses, with Error(kExitUsage), options the command does not take, a wrong number of
// arguments, and option combinations it cannot use.
void check_usage(const Command& command, const CommandLine& line);

}  // namespace dotenv_run
