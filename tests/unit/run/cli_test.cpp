// Tests of command-line parsing: options, the child's argv, and usage errors.
#include <doctest/doctest.h>

#include <signal.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "run/cli.hpp"
#include "support/error_of.hpp"

using namespace dotenv_run;

namespace {

Options parse(std::initializer_list<const char*> args) {
  std::vector<std::string> storage{"dotenv-run"};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  return parse_command_line(static_cast<int>(storage.size()), argv.data());
}

std::string usage_error(std::initializer_list<const char*> args) {
  return testing::error_of(kExitUsage, [&] { parse(args); });
}

}  // namespace

TEST_CASE("parsing stops at the first non-option, so the command keeps its own flags") {
  Options o = parse({"-p", "api", "./server", "--port", "80", "-v"});
  CHECK(*o.settings.project == "api");
  CHECK(o.verbose == 0);
  CHECK(o.command == std::vector<std::string>{"./server", "--port", "80", "-v"});
}

TEST_CASE("a double dash ends the options and is not passed to the command") {
  Options o = parse({"--project", "api", "--", "--weird-name", "--", "x"});
  CHECK(o.command == std::vector<std::string>{"--weird-name", "--", "x"});
}

TEST_CASE("every source option is read") {
  Options o = parse({"-o",           "01J0000000000000000000000",
                     "-p",           "api",
                     "-t",           "web",
                     "-e",           "production",
                     "--api-url",    "https://x",
                     "--ca-file",    "/ca.pem",
                     "--token-file", "/t",
                     "--key-file",   "/k",
                     "--pin",        "sha256//a",
                     "--pin",        "sha256//b",
                     "--env-file",   "a.env",
                     "--env-file",   "b.env",
                     "true"});
  CHECK(*o.settings.org == "01J0000000000000000000000");
  CHECK(*o.settings.target == "web");
  CHECK(*o.settings.environment == "production");
  CHECK(*o.settings.api_url == "https://x");
  CHECK(*o.settings.ca_file == "/ca.pem");
  CHECK(*o.settings.token_file == "/t");
  CHECK(*o.settings.key_file == "/k");
  CHECK(o.settings.pins == std::vector<std::string>{"sha256//a", "sha256//b"});
  CHECK(o.env_files == std::vector<std::string>{"a.env", "b.env"});
}

TEST_CASE("name lists accept commas and repetition") {
  Options o = parse({"--only", "A,B", "--only", "C", "--exclude", "D", "--clean-env", "--keep", "PATH,HOME", "true"});
  CHECK(o.selection.only == std::vector<std::string>{"A", "B", "C"});
  CHECK(o.selection.exclude == std::vector<std::string>{"D"});
  CHECK(o.child_env.keep == std::vector<std::string>{"PATH", "HOME"});
}

TEST_CASE("export and check are modes without a command") {
  CHECK(parse({"--export", "--format", "json"}).format == ExportFormat::kJson);
  CHECK(parse({"--check"}).mode == Mode::kCheck);
  CHECK(usage_error({"--export", "ls"}) == "a command cannot be combined with --export (see dotenv-run --help)");
  CHECK(usage_error({"--format", "json", "ls"}) == "--format only applies to --export (see dotenv-run --help)");
}

TEST_CASE("usage errors name the problem") {
  CHECK(usage_error({}) == "no command given (see dotenv-run --help)");
  CHECK(usage_error({"--bogus"}) == "unknown option '--bogus' (see dotenv-run --help)");
  CHECK(usage_error({"-x"}) == "unknown option '-x' (see dotenv-run --help)");
  CHECK(usage_error({"--project"}) == "option '--project' needs a value (see dotenv-run --help)");
  CHECK(usage_error({"--format", "yaml", "--export"}) ==
        "--format takes env, json or shell, not 'yaml' (see dotenv-run --help)");
  CHECK(usage_error({"--retry-timeout", "soon", "ls"}) ==
        "--retry-timeout takes a number of seconds from 1 to 86400, not 'soon' (see dotenv-run --help)");
  CHECK(usage_error({"--only", "A,,B", "ls"}) == "--only has an empty name in 'A,,B' (see dotenv-run --help)");
  CHECK(usage_error({"--preserve-env", "--clean-env", "ls"}) ==
        "--preserve-env and --clean-env cannot be combined (see dotenv-run --help)");
  CHECK(usage_error({"--keep", "PATH", "ls"}) == "--keep only makes sense with --clean-env (see dotenv-run --help)");
}

TEST_CASE("a value given to an option that takes none is named, not garbled") {
  CHECK(usage_error({"--export=json"}) == "option '--export' takes no value (see dotenv-run --help)");
  CHECK(usage_error({"--check=1"}) == "option '--check' takes no value (see dotenv-run --help)");
}

TEST_CASE("timeouts too short for any request to finish are refused") {
  CHECK(usage_error({"--timeout", "0", "ls"}) ==
        "--timeout takes a number of seconds from 0.1 to 86400, not '0' (see dotenv-run --help)");
  CHECK(usage_error({"--connect-timeout", "0.01", "ls"}) ==
        "--connect-timeout takes a number of seconds from 0.1 to 86400, not '0.01' (see dotenv-run --help)");
  CHECK(usage_error({"--retry-timeout", "0", "ls"}) ==
        "--retry-timeout takes a number of seconds from 1 to 86400, not '0' (see dotenv-run --help)");
}

TEST_CASE("a prefix must be able to start a name") {
  CHECK(parse({"--prefix", "APP_", "ls"}).selection.prefix == "APP_");
  std::string refusal =
      "--prefix must start with a letter or '_' and hold only letters, digits, '_', '.' and '-' "
      "(see dotenv-run --help)";
  CHECK(usage_error({"--prefix", "A B", "ls"}) == refusal);
  CHECK(usage_error({"--prefix", "1A", "ls"}) == refusal);
  CHECK(usage_error({"--prefix", "A\x1b[31m", "ls"}) == refusal);
}

TEST_CASE("help and version need nothing else") {
  CHECK(parse({"--help"}).mode == Mode::kHelp);
  CHECK(parse({"-V"}).mode == Mode::kVersion);
}

TEST_CASE("timeouts are seconds and may be fractional") {
  Options o = parse({"--retry-timeout", "2.5", "--splay", "0", "--timeout", "3", "--connect-timeout", "1", "true"});
  CHECK(*o.settings.retry_timeout == doctest::Approx(2.5));
  CHECK(*o.settings.splay == 0);
  CHECK(*o.settings.request_timeout == 3);
  CHECK(*o.settings.connect_timeout == 1);
}

TEST_CASE("--as-file takes NAME or NAME=VAR, repeated or comma-separated, and --env-as-file one variable") {
  Options o = parse({"--as-file", "PW,TLS_KEY=SSL_KEY_PATH", "--as-file", "X", "--env-as-file", "DOTENV", "--check"});
  REQUIRE(o.files.as_file.size() == 3);
  CHECK(o.files.as_file[0].name == "PW");
  CHECK(o.files.as_file[0].variable.empty());
  CHECK(o.files.as_file[1].name == "TLS_KEY");
  CHECK(o.files.as_file[1].variable == "SSL_KEY_PATH");
  CHECK(o.files.as_file[2].name == "X");
  CHECK(o.files.env_as_file == "DOTENV");
  CHECK(!parse({"true"}).files.any());
}

TEST_CASE("secret files are usage errors with --export, given badly, or --env-as-file given twice") {
  CHECK(usage_error({"--as-file", "A", "--export"}) ==
        "--as-file and --env-as-file cannot be combined with --export (see dotenv-run --help)");
  CHECK(usage_error({"--export", "--env-as-file", "E"}) ==
        "--as-file and --env-as-file cannot be combined with --export (see dotenv-run --help)");
  CHECK(usage_error({"--as-file", "A=", "true"}) ==
        "--as-file takes NAME or NAME=VAR, each a variable name, not 'A=' (see dotenv-run --help)");
  CHECK(usage_error({"--as-file", "=V", "true"}) ==
        "--as-file takes NAME or NAME=VAR, each a variable name, not '=V' (see dotenv-run --help)");
  CHECK(usage_error({"--as-file", "A,,B", "true"}) == "--as-file has an empty name in 'A,,B' (see dotenv-run --help)");
  CHECK(usage_error({"--env-as-file", "A", "--env-as-file", "B", "true"}) ==
        "--env-as-file can be given once (see dotenv-run --help)");
  CHECK(usage_error({"--env-as-file", "1X", "true"}) ==
        "--env-as-file takes a variable name, not '1X' (see dotenv-run --help)");
}

TEST_CASE("--watch takes seconds and the signal, --restart and --stop-timeout with it") {
  Options o = parse({"--watch", "30", "--on-change", "hup", "--restart", "--stop-timeout", "3", "server"});
  CHECK(o.watch.interval == 30);
  CHECK(o.watch.signal == SIGHUP);
  CHECK(o.watch.restart);
  CHECK(o.watch.stop_timeout == 3);
  Options defaults = parse({"--watch", "5", "server"});
  CHECK(defaults.watch.signal == SIGTERM);
  CHECK_FALSE(defaults.watch.restart);
  CHECK(defaults.watch.stop_timeout == 10);
  CHECK(parse({"server"}).watch.interval == 0);
}

TEST_CASE("a signal is a name with or without SIG, in any case, or a number") {
  CHECK(parse_signal("TERM", "--on-change") == SIGTERM);
  CHECK(parse_signal("SIGUSR1", "--on-change") == SIGUSR1);
  CHECK(parse_signal("usr2", "--on-change") == SIGUSR2);
  CHECK(parse_signal("9", "--on-change") == SIGKILL);
  CHECK(signal_name(SIGHUP) == "SIGHUP");
  for (const char* bad : {"", "SIG", "NOPE", "0", "65", "999", "-1", "1x"}) {
    CAPTURE(bad);
    CHECK(testing::error_of(kExitUsage, [&] {
            parse_signal(bad, "--on-change");
          }).find("--on-change takes a signal name") != std::string::npos);
  }
}

TEST_CASE("--restart, --on-change and --stop-timeout need --watch; --watch refuses --export and --check") {
  CHECK(usage_error({"--restart", "x"}).starts_with("--restart only makes sense with --watch"));
  CHECK(usage_error({"--on-change", "HUP", "x"}).starts_with("--on-change only makes sense with --watch"));
  CHECK(usage_error({"--stop-timeout", "1", "x"}).starts_with("--stop-timeout only makes sense"));
  CHECK(usage_error({"--watch", "5", "--stop-timeout", "1", "x"})
            .starts_with("--stop-timeout only makes sense with --restart"));
  CHECK(usage_error({"--watch", "5", "--export"}).starts_with("--watch cannot be combined with --export or --check"));
  CHECK(usage_error({"--watch", "5", "--check"}).starts_with("--watch cannot be combined"));
  CHECK(usage_error({"--watch", "0", "x"}).starts_with("--watch takes a number of seconds"));
}
