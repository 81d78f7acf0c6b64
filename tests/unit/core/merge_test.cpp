// Tests of merging levels and files, and of --only, --exclude and --prefix.
#include <doctest/doctest.h>

#include <map>

#include "core/error.hpp"
#include "core/merge.hpp"
#include "support/error_of.hpp"

using namespace dotenv_run;

namespace {

std::map<std::string, std::string> as_map(const Variables& vars) {
  std::map<std::string, std::string> out;
  for (const auto& v : vars) out[std::string(v.name)] = std::string(v.value);
  return out;
}

std::vector<std::string> names(const Variables& vars) {
  std::vector<std::string> out;
  for (const auto& v : vars) out.emplace_back(v.name);
  return out;
}

}  // namespace

TEST_CASE("a later level overrides an earlier one, and names keep their first position") {
  SecretArena arena;
  MapLookup env;
  std::vector<Source> sources{
      {"level project api", "A=p\nB=p\n"}, {"level target web", "B=t\nC=t\n"}, {"level environment prod", "A=e\n"}};
  MergeResult r = merge_sources(sources, env, {}, arena.resource());
  CHECK(names(r.variables) == std::vector<std::string>{"A", "B", "C"});
  CHECK(as_map(r.variables) == std::map<std::string, std::string>{{"A", "e"}, {"B", "t"}, {"C", "t"}});
  CHECK(r.counts == std::vector<std::size_t>{2, 2, 1});
}

TEST_CASE("a deeper level can expand a name from an earlier level before the inherited environment") {
  SecretArena arena;
  MapLookup env{{"HOST", "inherited"}, {"PATH", "/bin"}};
  std::vector<Source> sources{{"level project api", "HOST=db.internal\n"},
                              {"level environment prod", "URL=postgres://${HOST}/app\nPATH=${PATH}:/opt/app\n"}};
  MergeResult r = merge_sources(sources, env, {}, arena.resource());
  CHECK(as_map(r.variables)["URL"] == "postgres://db.internal/app");
  CHECK(as_map(r.variables)["PATH"] == "/bin:/opt/app");
}

TEST_CASE("no-expand keeps references as they are") {
  SecretArena arena;
  MapLookup env;
  std::vector<Source> sources{{"file a.env", "A=1\nB=${A}\n"}};
  MergeResult r = merge_sources(sources, env, {.expand = false}, arena.resource());
  CHECK(as_map(r.variables)["B"] == "${A}");
}

TEST_CASE("a parse error names the source and line") {
  SecretArena arena;
  MapLookup env;
  std::vector<Source> sources{{"level project api", "A=1\n"}, {"level target web", "OK=1\nB=\"unterminated\n"}};
  CHECK(testing::error_of(kExitDataError, [&] {
          merge_sources(sources, env, {}, arena.resource());
        }).starts_with("level target web: line 2: "));
}

TEST_CASE("only, exclude and prefix select and rename") {
  SecretArena arena;
  MapLookup env;
  const std::vector<Source> sources{{"f", "A=1\nB=2\nC=3\n"}};
  MergeResult r = merge_sources(sources, env, {}, arena.resource());
  CHECK(names(select_variables(r.variables, {{"C", "A"}, {}, ""}, arena.resource())) ==
        std::vector<std::string>{"A", "C"});
  CHECK(names(select_variables(r.variables, {{}, {"B"}, "APP_"}, arena.resource())) ==
        std::vector<std::string>{"APP_A", "APP_C"});
  CHECK(testing::error_of(kExitDataError, [&] {
          select_variables(r.variables, {{"A", "MISSING"}, {}, ""}, arena.resource());
        }) == "--only names MISSING, which no source defines");
}

TEST_CASE("each source's count is the names it assigns, bare keys and repeats included once") {
  SecretArena arena;
  MapLookup env{{"Z", "z"}};
  std::vector<Source> sources{{"level project api", "A=1\nB=2\n"},
                              {"level target web", "A\nC=${A}${B}\nC=x\nA\n"},
                              {"level environment prod", "Z\nMISSING\n"}};
  MergeResult r = merge_sources(sources, env, {}, arena.resource());
  CHECK(names(r.variables) == std::vector<std::string>{"A", "B", "C", "Z"});
  CHECK(as_map(r.variables) == std::map<std::string, std::string>{{"A", "1"}, {"B", "2"}, {"C", "x"}, {"Z", "z"}});
  CHECK(r.counts == std::vector<std::size_t>{2, 2, 1});
}

TEST_CASE("a reference sees the value of a name at that line, across sources") {
  SecretArena arena;
  MapLookup env{{"A", "inherited"}};
  std::vector<Source> sources{{"level project api", "R0=$A\nA=p\nR1=$A\n"},
                              {"level target web", "R2=$A\nA=${A}t\nR3=$A\n"},
                              {"level environment prod", "A=e\nR0=$A\n"}};
  MergeResult r = merge_sources(sources, env, {}, arena.resource());
  CHECK(names(r.variables) == std::vector<std::string>{"R0", "A", "R1", "R2", "R3"});
  CHECK(as_map(r.variables) == std::map<std::string, std::string>{
                                   {"R0", "e"}, {"A", "e"}, {"R1", "p"}, {"R2", "p"}, {"R3", "pt"}});
  CHECK(r.counts == std::vector<std::size_t>{3, 3, 2});
}

TEST_CASE("many variables over three sources merge deepest-wins in first-appearance order") {
  SecretArena arena;
  MapLookup env;
  std::string project, target, environment;
  for (int i = 0; i < 3000; ++i) {
    project += "V" + std::to_string(i) + "=p" + std::to_string(i) + "\n";
    if (i % 2 == 0) target += "V" + std::to_string(i) + "=t${V" + std::to_string(i) + "}\n";
    if (i % 3 == 0) environment += "N" + std::to_string(i) + "=${V" + std::to_string(i) + "}\n";
  }
  std::vector<Source> sources{{"p", arena_copy(project, arena.resource())},
                              {"t", arena_copy(target, arena.resource())},
                              {"e", arena_copy(environment, arena.resource())}};
  MergeResult r = merge_sources(sources, env, {}, arena.resource());
  REQUIRE(r.variables.size() == 4000);
  CHECK(r.counts == std::vector<std::size_t>{3000, 1500, 1000});
  CHECK(r.variables[2].value == "tp2");
  CHECK(r.variables[3].value == "p3");
  CHECK(r.variables[3000].name == "N0");
  CHECK(r.variables[3001].value == "p3");
  CHECK(r.variables[3002].value == "tp6");
}

TEST_CASE("an empty selection gives the merged variables unchanged") {
  SecretArena arena;
  MapLookup env;
  const std::vector<Source> sources{{"f", "B=2\nA=1\n"}};
  MergeResult r = merge_sources(sources, env, {}, arena.resource());
  CHECK(names(select_variables(r.variables, {}, arena.resource())) == std::vector<std::string>{"B", "A"});
}
