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
