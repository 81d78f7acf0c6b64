// Tests of the PATH search that exec uses.
#include <doctest/doctest.h>

#include "run/exec.hpp"

using namespace dotenv_run;

TEST_CASE("a command with a slash is used as it is") {
  CHECK(command_candidates("./server", "/bin:/usr/bin") == std::vector<std::string>{"./server"});
  CHECK(command_candidates("/usr/bin/env", "/bin") == std::vector<std::string>{"/usr/bin/env"});
}

TEST_CASE("a bare command is looked up in every PATH entry in order") {
  CHECK(command_candidates("ls", "/usr/local/bin:/bin") == std::vector<std::string>{"/usr/local/bin/ls", "/bin/ls"});
}

TEST_CASE("an empty PATH entry means the current directory") {
  CHECK(command_candidates("app", "/bin::/usr/bin:") ==
        std::vector<std::string>{"/bin/app", "app", "/usr/bin/app", "app"});
}
