// Tests of the command table: finding a command, its usage rules, and the help built from it.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "cloud/commands.hpp"
#include "cloud/help.hpp"
#include "support/error_of.hpp"

using namespace dotenv_run;

namespace {

CommandLine line_of(std::vector<std::string> words, unsigned given = 0) {
  CommandLine line;
  line.words = std::move(words);
  line.given = given;
  return line;
}

}  // namespace

TEST_CASE("every command has a unique name, a summary, a help paragraph and a handler") {
  std::set<std::string_view> names;
  for (const Command& command : commands()) {
    CHECK(names.insert(command.name).second);
    CHECK_FALSE(command.summary.empty());
    CHECK_FALSE(command.details.empty());
    CHECK((command.run != nullptr));
    CHECK(command.min_args <= command.max_args);
    CHECK(name_words(command) <= 2);
    // The --help listing keeps the summary within 80 columns.
    CHECK(command.summary.size() <= 51);
  }
  CHECK(names.count("whoami") == 1);
  CHECK(names.count("environments delete") == 1);
}

TEST_CASE("a command is found by its words; the rest are its arguments") {
  CHECK(find_command({"projects", "show", "api"}).name == "projects show");
  CHECK(find_command({"whoami"}).name == "whoami");
  CHECK(find_command({"plans"}).name == "plans");
}

TEST_CASE("an unknown command or verb names what is known") {
  CHECK(testing::error_of(kExitUsage, [] { find_command({}); }) == "no command given (see dotenv-cloud --help)");
  CHECK(testing::error_of(kExitUsage, [] { find_command({"nope"}); }) ==
        "unknown command 'nope' (see dotenv-cloud --help)");
  CHECK(testing::error_of(kExitUsage, [] { find_command({"orgs"}); }) ==
        "orgs needs one of: list, create, show (see dotenv-cloud help orgs)");
  CHECK(testing::error_of(kExitUsage,
                          [] {
                            find_command({"targets", "rm"});
                          }) ==
        "unknown command 'targets rm' (targets takes list, show, create, update, delete) (see dotenv-cloud help "
        "targets)");
}

TEST_CASE("a command refuses options it does not take and a wrong number of arguments") {
  const Command& show = find_command({"projects", "show"});
  CHECK(testing::error_of(kExitUsage, [&] {
          check_usage(show, line_of({"projects", "show", "api"}, kOptionYes));
        }) == "projects show does not take --yes (see dotenv-cloud help projects show)");
  CHECK(testing::error_of(kExitUsage, [&] {
          check_usage(show, line_of({"projects", "show"}));
        }) == "usage: dotenv-cloud projects show SLUG (see dotenv-cloud help projects show)");
  check_usage(show, line_of({"projects", "show", "api"}, kOptionJson));
}

TEST_CASE("--client-managed needs --new-key-file and the reverse") {
  const Command& create = find_command({"projects", "create"});
  CommandLine line = line_of({"projects", "create", "x"}, kOptionClientManaged);
  line.client_managed = true;
  CHECK(testing::error_of(kExitUsage, [&] {
          check_usage(create, line);
        }).starts_with("--client-managed and --new-key-file go together"));
  line.new_key_file = "k";
  line.given |= kOptionNewKeyFile;
  check_usage(create, line);
}

TEST_CASE("--help lists every command of the table, and help COMMAND shows its usage") {
  const std::string text = cloud_help_text();
  for (const Command& command : commands()) CHECK(text.find("\n  " + std::string(command.name)) != std::string::npos);
  CHECK(command_help({"projects", "delete"}).starts_with("Usage: dotenv-cloud [OPTIONS] projects delete SLUG\n"));
  CHECK(command_help({"orgs"}).starts_with("Commands of orgs:\n  orgs list"));
  CHECK(command_help({}) == text);
  CHECK(testing::error_of(kExitUsage, [] { command_help({"nope"}); }).starts_with("unknown command 'nope'"));
}
