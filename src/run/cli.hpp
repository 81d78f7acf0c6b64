// The command line: options and the child's argv, parsed without touching the environment.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/settings.hpp"
#include "core/export_format.hpp"
#include "core/merge.hpp"
#include "run/environment.hpp"
#include "run/fallback.hpp"
#include "run/secret_files.hpp"

namespace dotenv_run {

// --watch SEC [--restart]: look for changed secrets every SEC seconds (0: never).
struct WatchOptions {
  double interval = 0;
  int signal = 15;  // --on-change: SIGTERM unless given
  bool restart = false;
  double stop_timeout = 10;  // --restart: from the signal to SIGKILL
};

enum class Mode { kRun, kExport, kCheck, kHelp, kVersion };

struct Options {
  Mode mode = Mode::kRun;
  ExportFormat format = ExportFormat::kEnv;
  bool format_given = false;
  int verbose = 0;

  SettingFlags settings;               // where the secrets come from (org, project, ..., timeouts)
  std::vector<std::string> env_files;  // --env-file, read after the cloud levels
  Selection selection;                 // --only, --exclude, --prefix
  ChildEnvPolicy child_env;            // --preserve-env, --clean-env, --keep, --allow-unsafe-names
  FileRequests files;                  // --as-file, --env-as-file
  bool no_expand = false;
  FallbackFlags fallback;  // --fallback, --fallback-key-file, --fallback-max-age, --fallback-only
  WatchOptions watch;  // --watch, --on-change, --restart, --stop-timeout

  std::vector<std::string> command;  // the child's argv, untouched
};

// Parses argv. Parsing stops at "--" or at the first non-option, so the child's own
// flags stay the child's. Throws Error(kExitUsage) with one line naming the problem.
Options parse_command_line(int argc, char* const argv[]);

// A signal by name (TERM, SIGTERM, hup) or number. Throws Error(kExitUsage) naming `option`.
int parse_signal(std::string_view text, std::string_view option);

// "SIGTERM", "SIGHUP", ... or "signal 40".
std::string signal_name(int number);

// The text of --help (kept in step with man/dotenv-run.1 by a test).
const char* help_text();

}  // namespace dotenv_run
