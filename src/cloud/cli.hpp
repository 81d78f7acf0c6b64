// dotenv-cloud's command line: the command words, the settings options and the command options,
// in any order (options may come before or after the command).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/settings.hpp"

namespace dotenv_run {

// The options that belong to commands; Command::options says which ones a command takes.
enum CommandOption : unsigned {
  kOptionJson = 1u << 0,           // --json
  kOptionYes = 1u << 1,            // --yes
  kOptionLimit = 1u << 2,          // --limit N
  kOptionName = 1u << 3,           // --name NAME
  kOptionSlug = 1u << 4,           // --slug SLUG
  kOptionClientManaged = 1u << 5,  // --client-managed
  kOptionNewKeyFile = 1u << 6,     // --new-key-file FILE
  kOptionFormat = 1u << 7,         // --format env|json|shell (secrets get)
  kOptionReplace = 1u << 8,        // --replace (secrets import)
  kOptionReveal = 1u << 9,         // --reveal (versions show/diff, key show)
  kOptionNoBrowser = 1u << 10,     // --no-browser (login)
  // Registration point: options of later commands take the next bits; add them to
  // kCommandOptionNames in cli.cpp, to the getopt table there, to CommandLine below and to
  // the help text.
};

struct CommandLine {
  std::vector<std::string> words;  // the command and its arguments, in order
  SettingFlags settings;           // -o, -p, -t, -e, --api-url, ... (api/setting_options.hpp)
  unsigned given = 0;              // the CommandOption bits given
  bool json = false, yes = false, client_managed = false, replace = false, reveal = false, no_browser = false;
  std::optional<std::size_t> limit;
  std::optional<std::string> name, slug, new_key_file;
  std::optional<std::string> format;  // "env", "json" or "shell", checked when parsed
  int verbose = 0;
  bool help = false, version = false;
};

// Parses argv. "--" ends the options: every word after it is a command word or argument.
// Throws Error(kExitUsage) with one line naming the problem.
CommandLine parse_cloud_command_line(int argc, char* const argv[]);

// "--json" for kOptionJson, and so on (for error lines and help).
std::string_view command_option_name(CommandOption option);

// Every CommandOption bit, in help order.
std::vector<CommandOption> all_command_options();

}  // namespace dotenv_run
