// Tests of dotenv-cloud's command line: options anywhere, "--", values, and usage errors.
#include <doctest/doctest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "cloud/cli.hpp"
#include "support/error_of.hpp"

using namespace dotenv_run;

namespace {

CommandLine parse(std::initializer_list<const char*> args) {
  std::vector<std::string> storage{"dotenv-cloud"};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  return parse_cloud_command_line(static_cast<int>(storage.size()), argv.data());
}

using Words = std::vector<std::string>;

}  // namespace

TEST_CASE("options before, between and after the command words give the same command line") {
  for (const CommandLine& line :
       {parse({"-p", "api", "--json", "targets", "list"}), parse({"targets", "-p", "api", "list", "--json"}),
        parse({"targets", "list", "--project=api", "--json"})}) {
    CHECK(line.words == Words{"targets", "list"});
    CHECK(*line.settings.project == "api");
    CHECK(line.json);
    CHECK(line.given == kOptionJson);
  }
}

TEST_CASE("the settings options are the shared ones, with dotenv-run's values and checks") {
  const CommandLine line = parse({"whoami", "-o", "01J0EXAMPLE0ORG0ULID000000", "--api-url", "https://x", "--ca-file",
                                  "ca.pem", "--pin", "sha256//a", "--pin", "sha256//b", "--token-file", "t",
                                  "--key-file", "k", "--timeout", "2.5", "--retry-timeout", "9"});
  CHECK(*line.settings.org == "01J0EXAMPLE0ORG0ULID000000");
  CHECK(*line.settings.api_url == "https://x");
  CHECK(*line.settings.ca_file == "ca.pem");
  CHECK(line.settings.pins == Words{"sha256//a", "sha256//b"});
  CHECK(*line.settings.token_file == "t");
  CHECK(*line.settings.key_file == "k");
  CHECK(*line.settings.request_timeout == 2.5);
  CHECK(*line.settings.retry_timeout == 9);
  CHECK(testing::error_of(kExitUsage, [] {
          parse({"whoami", "--timeout", "0"});
        }) == "--timeout takes a number of seconds from 0.1 to 86400, not '0' (see dotenv-cloud --help)");
}

TEST_CASE("a double dash ends the options: what follows are words, even '--json'") {
  const CommandLine line = parse({"projects", "--yes", "show", "--", "--json", "-p"});
  CHECK(line.words == Words{"projects", "show", "--json", "-p"});
  CHECK(line.yes);
  CHECK_FALSE(line.json);
}

TEST_CASE("an option's value may look like an option or a double dash") {
  const CommandLine line = parse({"projects", "create", "x", "--name", "--", "--slug", "-v"});
  CHECK(*line.name == "--");
  CHECK(*line.slug == "-v");
  CHECK(line.words == Words{"projects", "create", "x"});
  CHECK(line.verbose == 0);
}

TEST_CASE("command options record which were given, and --limit is a positive count") {
  const CommandLine line =
      parse({"projects", "create", "x", "--client-managed", "--new-key-file", "k", "--limit", "7"});
  CHECK(line.given == (kOptionClientManaged | kOptionNewKeyFile | kOptionLimit));
  CHECK(*line.limit == 7);
  for (const char* bad : {"0", "-3", "x", "1000001", "2x", ""}) {
    CHECK(testing::error_of(kExitUsage, [&] {
            parse({"plans", "--limit", bad});
          }).starts_with("--limit takes a number"));
  }
}

TEST_CASE("unknown options, missing values and values given to flags are usage errors") {
  CHECK(testing::error_of(kExitUsage, [] {
          parse({"whoami", "--frob"});
        }) == "unknown option '--frob' (see dotenv-cloud --help)");
  CHECK(testing::error_of(kExitUsage, [] {
          parse({"whoami", "-x"});
        }) == "unknown option '-x' (see dotenv-cloud --help)");
  CHECK(testing::error_of(kExitUsage, [] {
          parse({"whoami", "-p"});
        }) == "option '-p' needs a value (see dotenv-cloud --help)");
  CHECK(testing::error_of(kExitUsage, [] {
          parse({"whoami", "--yes=no"});
        }) == "option '--yes' takes no value (see dotenv-cloud --help)");
}

TEST_CASE("a lone dash is a word (stdin, for commands that read a file)") {
  CHECK(parse({"x", "-", "-v"}).words == Words{"x", "-"});
}

TEST_CASE("help and version are flags wherever they are") {
  CHECK(parse({"projects", "create", "--help"}).help);
  CHECK(parse({"-V"}).version);
  CHECK(parse({"whoami", "-vv"}).verbose == 2);
}
