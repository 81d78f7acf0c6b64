// dotenv-cloud: manage organizations, projects, targets and environments. real_main() is the
// table of contents.
#include <cstdio>
#include <filesystem>
#include <new>

#include "api/curl_global.hpp"
#include "api/version.hpp"
#include "cloud/cli.hpp"
#include "cloud/commands.hpp"
#include "cloud/help.hpp"
#include "cloud/session.hpp"
#include "core/error.hpp"
#include "core/export_format.hpp"
#include "core/lookup.hpp"
#include "core/process.hpp"
#include "core/secure_memory.hpp"

extern char** environ;

using namespace dotenv_run;

namespace {

void print_notice(std::string_view line) {
  std::fprintf(stderr, "dotenv-cloud: %.*s\n", static_cast<int>(line.size()), line.data());
}

std::filesystem::path current_directory() {
  std::error_code ec;
  std::filesystem::path cwd = std::filesystem::current_path(ec);
  return ec ? std::filesystem::path("/") : cwd;
}

// "help [COMMAND]" and "COMMAND --help" print help instead of running anything.
bool wants_help(const CommandLine& line) { return line.help || (!line.words.empty() && line.words[0] == "help"); }

std::vector<std::string> help_topic(const CommandLine& line) {
  if (line.words.empty() || line.words[0] != "help") return line.words;
  return {line.words.begin() + 1, line.words.end()};
}

int real_main(int argc, char** argv) {
  harden_process();

  const CommandLine line = parse_cloud_command_line(argc, argv);
  if (line.version) return write_stdout(version_text("dotenv-cloud")), kExitOk;
  if (wants_help(line)) return write_stdout(command_help(help_topic(line))), kExitOk;
  const Command& command = find_command(line.words);
  check_usage(command, line);

  SecretArena arena;
  const EnvironLookup env(environ);
  {
    Session session(line, name_words(command), env, current_directory(), arena.resource(), print_notice);
    command.run(session);
  }
  http_global_cleanup();  // after the session's client is gone
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return real_main(argc, argv);
  } catch (const Error& e) {
    std::fprintf(stderr, "dotenv-cloud: error: %s\n", e.what());
    return e.code();
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "dotenv-cloud: error: out of memory\n");
    return kExitSoftware;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dotenv-cloud: internal error: %s\n", e.what());
    return kExitSoftware;
  }
}
