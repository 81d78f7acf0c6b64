// versions diff: names added, removed and changed; values shown on one line.
#include "cloud/env_diff.hpp"

#include <doctest/doctest.h>

#include "core/lookup.hpp"

using namespace dotenv_run;

namespace {

Variables parsed(std::string_view text, std::pmr::memory_resource* mem) {
  static const MapLookup nothing;
  return parse_dotenv(text, "test", nothing, ParseOptions{.expand = false}, mem);
}

std::vector<std::string> names(const std::vector<EnvChange>& changes, EnvChange::Kind kind) {
  std::vector<std::string> out;
  for (const EnvChange& change : changes) {
    if (change.kind == kind) out.push_back(change.name);
  }
  return out;
}

}  // namespace

TEST_CASE("diff_variables names what was added, removed and changed, in order") {
  std::pmr::monotonic_buffer_resource mem;
  const Variables before = parsed("A=1\nB=2\nC=${X}\nD=same\n", &mem);
  const Variables after = parsed("D=same\nC=${Y}\nE=5\nA=1\n", &mem);
  const std::vector<EnvChange> changes = diff_variables(before, after);
  CHECK(names(changes, EnvChange::kRemoved) == std::vector<std::string>{"B"});
  CHECK(names(changes, EnvChange::kChanged) == std::vector<std::string>{"C"});  // compared as written, unexpanded
  CHECK(names(changes, EnvChange::kAdded) == std::vector<std::string>{"E"});
  CHECK(changes.size() == 3);
  CHECK(changes[1].before->value == "${X}");
  CHECK(changes[1].after->value == "${Y}");
}

TEST_CASE("diff_variables of equal texts is empty, and of a level without a blob lists everything") {
  std::pmr::monotonic_buffer_resource mem;
  CHECK(diff_variables(parsed("A=1\n", &mem), parsed("# a comment\nA=1\n", &mem)).empty());
  CHECK(names(diff_variables(parsed("", &mem), parsed("A=1\nB=2\n", &mem)), EnvChange::kAdded) ==
        std::vector<std::string>{"A", "B"});
}

TEST_CASE("quoted_for_terminal keeps a value on one line and shows every byte") {
  CHECK(quoted_for_terminal("plain") == "\"plain\"");
  CHECK(quoted_for_terminal("two\nlines\tand \"quotes\" \\") == "\"two\\nlines\\tand \\\"quotes\\\" \\\\\"");
  CHECK(quoted_for_terminal("caf\xc3\xa9") == "\"caf\xc3\xa9\"");                        // UTF-8 text stays
  CHECK(quoted_for_terminal("\x1b[31m\xff\xc2\x85") == "\"\\x1b[31m\\xff\\xc2\\x85\"");  // escapes, bad bytes, C1
  CHECK(quoted_for_terminal(std::string_view("a\0b", 3)) == "\"a\\x00b\"");
}
