// Tests of --export output in each format.
#include <doctest/doctest.h>

#include "core/error.hpp"
#include "core/export_format.hpp"
#include "support/error_of.hpp"

using namespace dotenv_run;

namespace {

Variables sample(std::pmr::memory_resource* mem) {
  Variables v(mem);
  v.push_back({arena_copy("B", mem), arena_copy("two words", mem)});
  v.push_back({arena_copy("A", mem), arena_copy("it's \"$HOME\"\\\n", mem)});
  return v;
}

}  // namespace

TEST_CASE("env format double-quotes and escapes so the parser reads the same value back") {
  SecretArena arena;
  CHECK(render_export(sample(arena.resource()), ExportFormat::kEnv, arena.resource()) ==
        "B=\"two words\"\nA=\"it's \\\"\\$HOME\\\"\\\\\\n\"\n");
}

TEST_CASE("json format is one object with names in merge order") {
  SecretArena arena;
  CHECK(render_export(sample(arena.resource()), ExportFormat::kJson, arena.resource()) ==
        "{\"B\":\"two words\",\"A\":\"it's \\\"$HOME\\\"\\\\\\n\"}\n");
}

TEST_CASE("json format escapes control characters and passes other bytes through") {
  SecretArena arena;
  Variables v(arena.resource());
  v.push_back({arena_copy("X", arena.resource()), arena_copy("\x01\t\xff\xc3\xa9", arena.resource())});
  CHECK(render_export(v, ExportFormat::kJson, arena.resource()) == "{\"X\":\"\\u0001\\t\xff\xc3\xa9\"}\n");
}

TEST_CASE("shell format single-quotes values so eval is safe") {
  SecretArena arena;
  CHECK(render_export(sample(arena.resource()), ExportFormat::kShell, arena.resource()) ==
        "export B='two words'\nexport A='it'\\''s \"$HOME\"\\\n'\n");
}

TEST_CASE("shell format refuses a name a shell cannot take") {
  SecretArena arena;
  Variables v(arena.resource());
  v.push_back({arena_copy("a.b", arena.resource()), arena_copy("1", arena.resource())});
  CHECK(testing::error_of(kExitDataError, [&] { render_export(v, ExportFormat::kShell, arena.resource()); }) ==
        "secret a.b is not a valid shell name; use --format env or json");
}

TEST_CASE("an empty set of variables gives empty output, or an empty JSON object") {
  SecretArena arena;
  Variables none(arena.resource());
  CHECK(render_export(none, ExportFormat::kEnv, arena.resource()).empty());
  CHECK(render_export(none, ExportFormat::kJson, arena.resource()) == "{}\n");
}
