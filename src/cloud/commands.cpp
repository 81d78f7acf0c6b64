// Assembling the command table and matching a command line against it.
#include "cloud/commands.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/text.hpp"

namespace dotenv_run {

namespace {

void append(std::vector<Command>& out, std::span<const Command> group) {
  out.insert(out.end(), group.begin(), group.end());
}

Error usage(const std::string& message, std::string_view help_topic = {}) {
  return Error(kExitUsage,
               fmt::format("{} (see dotenv-cloud {})", message,
                           help_topic.empty() ? std::string("--help") : fmt::format("help {}", help_topic)));
}

std::string_view first_word(std::string_view name) { return name.substr(0, name.find(' ')); }

}  // namespace

const std::vector<Command>& commands() {
  static const std::vector<Command> all = [] {
    std::vector<Command> v;
    append(v, login_commands());
    append(v, account_commands());
    append(v, level_commands());
    append(v, secrets_commands());
    append(v, versions_commands());
    append(v, key_commands());
    append(v, fallback_key_commands());
    return v;
  }();
  return all;
}

std::size_t name_words(const Command& command) {
  return static_cast<std::size_t>(std::count(command.name.begin(), command.name.end(), ' ')) + 1;
}

const Command& find_command(const std::vector<std::string>& words) {
  if (words.empty()) throw usage("no command given");
  const auto& table = commands();
  for (const Command& command : table) {
    const std::size_t n = name_words(command);
    if (n == 1 && command.name == words[0]) return command;
    if (n == 2 && words.size() >= 2 && command.name == fmt::format("{} {}", words[0], words[1])) return command;
  }
  std::vector<std::string_view> verbs;
  for (const Command& command : table) {
    if (name_words(command) == 2 && first_word(command.name) == words[0])
      verbs.push_back(command.name.substr(words[0].size() + 1));
  }
  if (verbs.empty()) throw usage(fmt::format("unknown command '{}'", sanitized(words[0])));
  const std::string known = fmt::format("{}", fmt::join(verbs, ", "));
  if (words.size() == 1) throw usage(fmt::format("{} needs one of: {}", words[0], known), words[0]);
  throw usage(fmt::format("unknown command '{} {}' ({} takes {})", words[0], sanitized(words[1]), words[0], known),
              words[0]);
}

void check_usage(const Command& command, const CommandLine& line) {
  for (CommandOption option : all_command_options()) {
    if ((line.given & option) != 0 && (command.options & option) == 0) {
      throw usage(fmt::format("{} does not take {}", command.name, command_option_name(option)), command.name);
    }
  }
  const std::size_t count = line.words.size() - name_words(command);
  if (count < command.min_args || count > command.max_args) {
    throw usage(fmt::format("usage: dotenv-cloud {}{}{}", command.name, command.args.empty() ? "" : " ", command.args),
                command.name);
  }
  // projects create: --new-key-file is where the client-managed project's key goes (key rotate
  // takes it alone: the new key of a rotation).
  if ((command.options & kOptionClientManaged) != 0 && line.client_managed != line.new_key_file.has_value()) {
    throw usage("--client-managed and --new-key-file go together: the new project's key is written to that file",
                command.name);
  }
}

}  // namespace dotenv_run
