// Command-line parsing with getopt_long in "stop at the first non-option" mode.
#include "run/cli.hpp"

#include <getopt.h>
#include <signal.h>
#include <string.h>

#include <algorithm>
#include <cctype>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "api/setting_options.hpp"
#include "core/error.hpp"
#include "core/names.hpp"

namespace dotenv_run {

namespace {

// The settings options (-o ... --timeout) come from api/setting_options.hpp, shared with dotenv-cloud.
enum LongOnly : int {
  kEnvFile = kFirstProgramOption,
  kOnly,
  kExclude,
  kKeep,
  kPrefix,
  kNoExpand,
  kPreserveEnv,
  kCleanEnv,
  kAllowUnsafe,
  kSplay,
  kExport,
  kFormat,
  kCheck,
  kAsFile,
  kEnvAsFile,
  kFallback,
  kFallbackKeyFile,
  kFallbackMaxAge,
  kFallbackOnly,
  kWatch,
  kOnChange,
  kRestart,
  kStopTimeout,
};

// "+" stops at the first non-option; the leading ":" lets us word the errors ourselves.
constexpr const char* kShortOptions = "+:o:p:t:e:vhV";

// The launcher's own options; the whole table is the settings options followed by these.
const struct option kLongOptions[] = {
    {"env-file", required_argument, nullptr, kEnvFile},
    {"only", required_argument, nullptr, kOnly},
    {"exclude", required_argument, nullptr, kExclude},
    {"keep", required_argument, nullptr, kKeep},
    {"prefix", required_argument, nullptr, kPrefix},
    {"no-expand", no_argument, nullptr, kNoExpand},
    {"preserve-env", no_argument, nullptr, kPreserveEnv},
    {"clean-env", no_argument, nullptr, kCleanEnv},
    {"allow-unsafe-names", no_argument, nullptr, kAllowUnsafe},
    {"splay", required_argument, nullptr, kSplay},
    {"export", no_argument, nullptr, kExport},
    {"format", required_argument, nullptr, kFormat},
    {"check", no_argument, nullptr, kCheck},
    {"as-file", required_argument, nullptr, kAsFile},
    {"env-as-file", required_argument, nullptr, kEnvAsFile},
    {"fallback", required_argument, nullptr, kFallback},
    {"fallback-key-file", required_argument, nullptr, kFallbackKeyFile},
    {"fallback-max-age", required_argument, nullptr, kFallbackMaxAge},
    {"fallback-only", no_argument, nullptr, kFallbackOnly},
    {"watch", required_argument, nullptr, kWatch},
    {"on-change", required_argument, nullptr, kOnChange},
    {"restart", no_argument, nullptr, kRestart},
    {"stop-timeout", required_argument, nullptr, kStopTimeout},
    {"verbose", no_argument, nullptr, 'v'},
    {"help", no_argument, nullptr, 'h'},
    {"version", no_argument, nullptr, 'V'},
    {nullptr, 0, nullptr, 0},
};

Error usage(const std::string& message) { return Error(kExitUsage, message + " (see dotenv-run --help)"); }

// Appends the names of a comma-separated list ("A,B"); empty items are a usage error.
void append_names(std::vector<std::string>& out, std::string_view list, std::string_view option) {
  size_t start = 0;
  while (true) {
    size_t comma = list.find(',', start);
    std::string_view item =
        list.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (item.empty()) throw usage(fmt::format("{} has an empty name in '{}'", option, list));
    out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
}

// The prefix becomes the start of every secret's name, so it must be a valid name start.
std::string checked_prefix(std::string_view prefix) {
  if (!prefix.empty() && !is_dotenv_key(prefix)) {
    throw usage("--prefix must start with a letter or '_' and hold only letters, digits, '_', '.' and '-'");
  }
  return std::string(prefix);
}

// --as-file A,B=VAR: each item a secret's name, optionally followed by the variable for its path.
void append_as_files(std::vector<AsFile>& out, std::string_view list) {
  std::vector<std::string> items;
  append_names(items, list, "--as-file");
  for (const std::string& item : items) {
    std::size_t eq = item.find('=');
    AsFile request{.name = item.substr(0, eq), .variable = eq == std::string::npos ? "" : item.substr(eq + 1)};
    if (!is_dotenv_key(request.name) || (eq != std::string::npos && !is_dotenv_key(request.variable))) {
      throw usage(fmt::format("--as-file takes NAME or NAME=VAR, each a variable name, not '{}'", item));
    }
    out.push_back(std::move(request));
  }
}

std::string checked_env_as_file(const std::string& current, std::string_view variable) {
  if (!current.empty()) throw usage("--env-as-file can be given once");
  if (!is_dotenv_key(variable)) throw usage(fmt::format("--env-as-file takes a variable name, not '{}'", variable));
  return std::string(variable);
}

ExportFormat parse_format(std::string_view text) {
  if (text == "env") return ExportFormat::kEnv;
  if (text == "json") return ExportFormat::kJson;
  if (text == "shell") return ExportFormat::kShell;
  throw usage(fmt::format("--format takes env, json or shell, not '{}'", text));
}

void set_mode(Options& options, Mode mode, std::string_view option) {
  if (options.mode != Mode::kRun && options.mode != mode) {
    throw usage(fmt::format("{} cannot be combined with --export or --check", option));
  }
  options.mode = mode;
}

const std::vector<option>& all_options() {
  static const std::vector<option> all = [] {
    std::vector<option> v(setting_options().begin(), setting_options().end());
    v.insert(v.end(), std::begin(kLongOptions), std::end(kLongOptions));
    return v;
  }();
  return all;
}

// Options whose default cannot tell whether they were given.
struct Given {
  bool on_change = false, stop_timeout = false;
};

void apply_option(Options& o, Given& given, int c, const char* arg) {
  if (apply_setting_option(o.settings, c, arg, "dotenv-run")) return;
  switch (c) {
    case kEnvFile: o.env_files.emplace_back(arg); break;
    case kOnly: append_names(o.selection.only, arg, "--only"); break;
    case kExclude: append_names(o.selection.exclude, arg, "--exclude"); break;
    case kKeep: append_names(o.child_env.keep, arg, "--keep"); break;
    case kPrefix: o.selection.prefix = checked_prefix(arg); break;
    case kNoExpand: o.no_expand = true; break;
    case kPreserveEnv: o.child_env.preserve_env = true; break;
    case kCleanEnv: o.child_env.clean_env = true; break;
    case kAllowUnsafe: o.child_env.allow_unsafe_names = true; break;
    case kSplay: o.settings.splay = parse_seconds(arg, "--splay", 0, "dotenv-run"); break;
    case kExport: set_mode(o, Mode::kExport, "--export"); break;
    case kFormat:
      o.format = parse_format(arg);
      o.format_given = true;
      break;
    case kCheck: set_mode(o, Mode::kCheck, "--check"); break;
    case kAsFile: append_as_files(o.files.as_file, arg); break;
    case kEnvAsFile: o.files.env_as_file = checked_env_as_file(o.files.env_as_file, arg); break;
    case kFallback: o.fallback.dir = arg; break;
    case kFallbackKeyFile: o.fallback.key_file = arg; break;
    case kFallbackMaxAge: o.fallback.max_age = parse_duration(arg, "--fallback-max-age"); break;
    case kFallbackOnly: o.fallback.only = true; break;
    // The 5-second floor is checked in run/watch_schedule, where the testing override is read.
    case kWatch: o.watch.interval = parse_seconds(arg, "--watch", 0.001, "dotenv-run"); break;
    case kOnChange:
      o.watch.signal = parse_signal(arg, "--on-change");
      given.on_change = true;
      break;
    case kRestart: o.watch.restart = true; break;
    case kStopTimeout:
      o.watch.stop_timeout = parse_seconds(arg, "--stop-timeout", 0, "dotenv-run");
      given.stop_timeout = true;
      break;
    case 'v': ++o.verbose; break;
    case 'h': o.mode = Mode::kHelp; break;
    case 'V': o.mode = Mode::kVersion; break;
  }
}

void check_watch(const Options& o, const Given& given) {
  if (o.watch.interval == 0) {
    if (o.watch.restart) throw usage("--restart only makes sense with --watch");
    if (given.on_change) throw usage("--on-change only makes sense with --watch");
    if (given.stop_timeout) throw usage("--stop-timeout only makes sense with --watch and --restart");
    return;
  }
  if (given.stop_timeout && !o.watch.restart) throw usage("--stop-timeout only makes sense with --restart");
  if (o.mode != Mode::kRun) throw usage("--watch cannot be combined with --export or --check");
}

void check_consistency(const Options& o, const Given& given) {
  if (o.mode == Mode::kHelp || o.mode == Mode::kVersion) return;
  check_watch(o, given);
  if (o.child_env.preserve_env && o.child_env.clean_env)
    throw usage("--preserve-env and --clean-env cannot be combined");
  if (!o.child_env.keep.empty() && !o.child_env.clean_env) throw usage("--keep only makes sense with --clean-env");
  if (o.format_given && o.mode != Mode::kExport) throw usage("--format only applies to --export");
  if (o.files.any() && o.mode == Mode::kExport)
    throw usage("--as-file and --env-as-file cannot be combined with --export");
  if (o.mode == Mode::kRun && o.command.empty()) throw usage("no command given");
  if (o.mode != Mode::kRun && !o.command.empty()) {
    throw usage(fmt::format("a command cannot be combined with --{}", o.mode == Mode::kExport ? "export" : "check"));
  }
}

}  // namespace

Options parse_command_line(int argc, char* const argv[]) {
  Options options;
  Given seen;
  optind = 0;  // full re-initialisation, so tests can call this more than once
  opterr = 0;
  while (true) {
    int c = getopt_long(argc, argv, kShortOptions, all_options().data(), nullptr);
    if (c == -1) break;
    const char* given = argv[optind - 1];
    if (c == '?') {
      // getopt_long sets optopt to a long option's own code when it was given a value it
      // does not take ("--export=json"); only a short option's code is a character.
      if (optopt > 0 && optopt < 256) throw usage(fmt::format("unknown option '-{}'", static_cast<char>(optopt)));
      if (optopt >= 256) {
        std::string_view name(given);
        throw usage(fmt::format("option '{}' takes no value", name.substr(0, name.find('='))));
      }
      throw usage(fmt::format("unknown option '{}'", given));
    }
    if (c == ':') throw usage(fmt::format("option '{}' needs a value", given));
    apply_option(options, seen, c, optarg);
  }
  for (int i = optind; i < argc; ++i) options.command.emplace_back(argv[i]);
  check_consistency(options, seen);
  return options;
}

int parse_signal(std::string_view text, std::string_view option) {
  const std::string upper = [&] {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out.starts_with("SIG") ? out.substr(3) : out;
  }();
  if (!upper.empty() && std::all_of(upper.begin(), upper.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (upper.size() <= 2) {
      const int number = std::stoi(upper);
      if (number >= 1 && number <= SIGRTMAX) return number;
    }
  } else {
    for (int number = 1; number < SIGRTMIN; ++number) {
      const char* name = ::sigabbrev_np(number);
      if (name != nullptr && upper == name) return number;
    }
  }
  throw usage(fmt::format("{} takes a signal name (TERM, HUP, ...) or number, not '{}'", option, text));
}

std::string signal_name(int number) {
  const char* name = number < SIGRTMIN ? ::sigabbrev_np(number) : nullptr;
  return name != nullptr ? fmt::format("SIG{}", name) : fmt::format("signal {}", number);
}

const char* help_text() {
  static const std::string text = R"(Usage: dotenv-run [OPTIONS] [--] COMMAND [ARG...]
       dotenv-run [OPTIONS] --export [--format env|json|shell]
       dotenv-run [OPTIONS] --check

Run COMMAND with the secrets of a dotEnv Cloud project, target and environment,
fetched in one HTTPS request, decrypted in memory and merged (project, then
target, then environment: the deepest wins). The launcher is replaced by
COMMAND (same PID), so signals and the exit status are COMMAND's own.

Where the secrets come from:
)" + std::string(kSettingOptionsHelp) +
                                  R"(      --env-file FILE       also read a local .env file, after the cloud levels;
                            repeatable, read in the order given

What reaches COMMAND:
      --only A,B            pass only these secrets; fails if one is missing
      --exclude A,B         leave these secrets out
      --prefix P            prepend P to the name of every secret
      --no-expand           keep $VAR and ${VAR} in values as they are
      --preserve-env        inherited variables win over secrets of the same name
      --clean-env           start COMMAND from an empty environment plus the secrets
      --keep NAME           with --clean-env, also pass this inherited variable;
                            repeatable or comma-separated
      --allow-unsafe-names  allow secrets named LD_PRELOAD, BASH_ENV, NODE_OPTIONS
                            and other variables that load code

Secrets as files with no path on disk (sealed memfds, read via /dev/fd/N):
      --as-file NAME[=VAR]  pass secret NAME as a file, not a variable: VAR (default
                            NAME_FILE) is set to /dev/fd/N; repeatable or A,B
      --env-as-file VAR     pass every other selected secret as one .env file
                            (as --export prints it): VAR is set to /dev/fd/N
When the API is down (an offline fallback, sealed on disk; see dotenv-run(1)):
      --fallback DIR        keep each successful answer, sealed, in DIR; use it
                            when the API stays unreachable
                            (DOTENV_CLOUD_FALLBACK_DIR)
      --fallback-key-file FILE
                            the fallback key: 32 random bytes in base64
                            (DOTENV_CLOUD_FALLBACK_KEY_FILE; make one with
                            dotenv-cloud fallback-key new FILE)
      --fallback-max-age AGE
                            refuse a fallback older than AGE (default 72h;
                            s, m, h, d)
      --fallback-only       never contact the API: use the fallback only

Network:
      --retry-timeout SEC   give up retrying after SEC seconds in all (default 60)
      --connect-timeout SEC limit each connection attempt (default 10)
      --timeout SEC         limit each request (default 30)
      --splay SEC           wait a random 0..SEC seconds before the first request,
                            to spread a fleet that starts at once

Watching for changes:
      --watch SEC           every SEC seconds (at least 5, +-10 %), resolve again
                            from a small process beside COMMAND; when what COMMAND
                            would receive changes, send it the --on-change signal
                            once, for its supervisor to restart it
      --on-change SIGNAL    the signal for a change (default TERM; HUP, USR1, ...)
      --restart             with --watch: stay as COMMAND's parent and restart it
                            with the new values (forwards signals, reaps zombies)
      --stop-timeout SEC    with --restart: SIGKILL after SEC seconds (default 10)

Instead of running a command:
      --export              print the variables the secrets add and exit
      --format FORMAT       with --export: env (default), json or shell
      --check               fetch and decrypt, print counts per level and the
                            files --as-file and --env-as-file would make, exit 0

  -v, --verbose             say where each setting came from (never a value)
  -h, --help                show this help and exit
  -V, --version             show the version and library versions and exit

Exit status: COMMAND's own, or 64 usage, 65 bad data, 69 API unavailable,
70 internal error, 77 authentication or permission refused, 78 configuration,
126 COMMAND not executable, 127 COMMAND not found.
See dotenv-run(1) for the environment, files and the .env format.
)";
  return text.c_str();
}

}  // namespace dotenv_run
