// The command line: options and the child's argv, parsed without touching the environment.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace dotenv_run {

enum class Mode { kRun, kExport, kCheck, kHelp, kVersion };
enum class ExportFormat { kEnv, kJson, kShell };

struct Options {
  Mode mode = Mode::kRun;
  ExportFormat format = ExportFormat::kEnv;
  bool format_given = false;
  int verbose = 0;

  // Where the secrets come from (each also has an environment variable or a file).
  std::optional<std::string> org, project, target, environment;
  std::optional<std::string> api_url, ca_file, token_file, key_file;
  std::vector<std::string> pins;
  std::vector<std::string> env_files;

  // What reaches the child.
  std::vector<std::string> only, exclude, keep;
  std::string prefix;
  bool no_expand = false;
  bool preserve_env = false;
  bool clean_env = false;
  bool allow_unsafe_names = false;

  // Network behaviour, in seconds.
  std::optional<double> retry_timeout, connect_timeout, request_timeout, splay;

  std::vector<std::string> command;  // the child's argv, untouched
};

// Parses argv. Parsing stops at "--" or at the first non-option, so the child's own
// flags stay the child's. Throws Error(kExitUsage) with one line naming the problem.
Options parse_command_line(int argc, char* const argv[]);

// The text of --help (kept in step with man/dotenv-run.1 by a test).
const char* help_text();

}  // namespace dotenv_run
