// Help texts.
#include "cloud/help.hpp"

#include <fmt/format.h>

#include "api/setting_options.hpp"
#include "cloud/commands.hpp"
#include "core/error.hpp"
#include "core/text.hpp"

namespace dotenv_run {

namespace {

constexpr std::size_t kCommandColumn = 29;

constexpr std::string_view kIntro = R"(Usage: dotenv-cloud [OPTIONS] COMMAND [ARGS] [OPTIONS]

Manage dotEnv Cloud organizations, projects, targets, environments, their
secrets (re-encrypted on this machine), backup versions and keys. Options may
come before or after the command. Read commands print tables for people, or
with --json the API's data as JSON. Lists follow every page.

Commands:
)";

// Registration point: options of later commands get a line under "Command options".
constexpr std::string_view kWhereHeading = R"(
Where and as whom (the same settings as dotenv-run):
)";

constexpr std::string_view kOptions = R"(
Network:
      --retry-timeout SEC   give up retrying after SEC seconds in all (default 60)
      --connect-timeout SEC limit each connection attempt (default 10)
      --timeout SEC         limit each request (default 30)

Command options:
      --json                print the API's data as JSON
      --limit N             lists: stop after N items
      --yes                 deletes: do not ask (needed when not on a terminal)
      --name NAME           create, update: the display name
      --slug SLUG           update: the new slug
      --client-managed      projects create: you keep the key (--new-key-file)
      --new-key-file FILE   projects create, key rotate: write the new key to FILE
                            (mode 0600; FILE must not exist, or for a rotation
                            being resumed, hold its new key)
      --reveal              versions show, versions diff, key show: print the
                            decrypted values (or the server-managed key)
      --format FORMAT       secrets get: env (default), json or shell
      --replace             secrets import: the file becomes the whole level
      --no-browser          login: print the URL only, do not start a browser

  -v, --verbose             say where each setting came from (never a value)
  -h, --help                show this help, or a command's, and exit
  -V, --version             show the version and library versions and exit

Exit status: 0 success, 64 usage, 65 bad data, 69 API unavailable,
70 internal error, 75 a write still conflicts after its retries,
77 authentication or permission refused, 78 configuration (a missing or
wrong setting, a resource not found), 126/127 the editor of secrets edit
failed / was not found.
See dotenv-cloud(1) for the environment, files and examples.
)";

std::string usage_line(const Command& command) {
  return command.args.empty() ? std::string(command.name) : fmt::format("{} {}", command.name, command.args);
}

// "  projects show SLUG           show one project"; a long usage gets the summary on the next line.
std::string listing(const Command& command) {
  const std::string usage = usage_line(command);
  if (usage.size() + 2 < kCommandColumn) return fmt::format("  {:<{}}{}\n", usage, kCommandColumn - 2, command.summary);
  return fmt::format("  {}\n{:{}}{}\n", usage, "", kCommandColumn, command.summary);
}

std::string wrapped(std::string_view text, std::size_t width = 78) {
  std::string out, line;
  while (!text.empty()) {
    const std::size_t space = text.find(' ');
    const std::string_view word = text.substr(0, space);
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line.clear();
    }
    line += line.empty() ? std::string(word) : " " + std::string(word);
    text.remove_prefix(space == std::string_view::npos ? text.size() : space + 1);
  }
  return out + line + "\n";
}

std::string one_command(const Command& command) {
  std::string out =
      fmt::format("Usage: dotenv-cloud [OPTIONS] {}\n\n{}", usage_line(command), wrapped(command.details));
  std::vector<std::string_view> names;
  for (CommandOption option : all_command_options()) {
    if ((command.options & option) != 0) names.push_back(command_option_name(option));
  }
  if (!names.empty()) out += fmt::format("\nCommand options: {}.\n", fmt::join(names, ", "));
  out += "The settings options (-o, -p, -t, -e, --api-url, ...) are in dotenv-cloud --help.\n";
  return out;
}

}  // namespace

std::string cloud_help_text() {
  std::string out(kIntro);
  for (const Command& command : commands()) out += listing(command);
  out += fmt::format("  {:<{}}{}\n", "help [COMMAND]", kCommandColumn - 2, "show the help of one command or group");
  out += kWhereHeading;
  out += kSettingOptionsHelp;
  out += kOptions;
  return out;
}

std::string command_help(const std::vector<std::string>& words) {
  if (words.empty()) return cloud_help_text();
  std::string group;
  for (const Command& command : commands()) {
    const std::size_t n = name_words(command);
    if (n == 1 && command.name == words[0]) return one_command(command);
    if (n == 2 && words.size() >= 2 && command.name == fmt::format("{} {}", words[0], words[1]))
      return one_command(command);
    if (n == 2 && command.name.substr(0, command.name.find(' ')) == words[0]) group += listing(command);
  }
  if (!group.empty() && words.size() == 1) return fmt::format("Commands of {}:\n{}", words[0], group);
  find_command(words);  // throws the usage error naming what is known
  throw Error(kExitUsage, fmt::format("no help for '{}'", sanitized(words[0])));
}

}  // namespace dotenv_run
