// Tests of the program's environment digest: what changes it and what does not.
#include "run/secrets.hpp"

#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "core/secure_memory.hpp"

using namespace dotenv_run;

namespace {

Digest digest_of(std::vector<const char*> entries, const DigestKey& key) {
  SecretArena arena;
  ChildEnvironment env(arena.resource());
  std::vector<std::vector<char>> storage;
  for (const char* e : entries) storage.emplace_back(e, e + std::strlen(e) + 1);
  for (auto& s : storage) env.add(s.data());
  return environment_digest(env, SecretFilePlan{}, key);
}

}  // namespace

TEST_CASE("the digest follows the values, not their order") {
  const DigestKey key = new_digest_key();
  const Digest base = digest_of({"A=1", "B=2"}, key);
  CHECK(digest_of({"B=2", "A=1"}, key) == base);
  CHECK(digest_of({"A=1", "B=3"}, key) != base);
  CHECK(digest_of({"A=1"}, key) != base);
  CHECK(digest_of({"A=1", "B=2", "C="}, key) != base);
  // Entry boundaries count: these two lists have the same bytes run together.
  CHECK(digest_of({"A=1B=2"}, key) != digest_of({"A=1", "B=2"}, key));
}

TEST_CASE("the digest is keyed: another launch's key gives another digest of the same values") {
  const DigestKey one = new_digest_key();
  const DigestKey two = new_digest_key();
  CHECK(one != two);
  CHECK(digest_of({"A=1"}, one) != digest_of({"A=1"}, two));
}

TEST_CASE("the digest follows what a secret file holds, not its descriptor number") {
  const DigestKey key = new_digest_key();
  SecretArena arena;
  ChildEnvironment env(arena.resource());
  auto plan_holding = [&](const char* text) {
    SecretFilePlan plan;
    plan.env_text = SecretString(text, arena.resource());
    plan.files.push_back(PlannedFile{.variable = "DOTENV", .label = ".env", .names = {"A"}, .secret = std::nullopt});
    return plan;
  };
  const Digest base = environment_digest(env, plan_holding("A=1\n"), key);
  CHECK(environment_digest(env, plan_holding("A=1\n"), key) == base);
  CHECK(environment_digest(env, plan_holding("A=2\n"), key) != base);
  CHECK(environment_digest(env, SecretFilePlan{}, key) != base);
}

// Found while measuring (issue 11): the list of secrets was moved into a list of the default
// allocator, so each Variable (with a short value inside it) was copied to malloc'd memory.
TEST_CASE("the loaded secrets, their list and the file plan are all in the arena") {
  SecretArena arena;
  Options options;
  const MapLookup env;
  auto load = [](std::pmr::memory_resource* mem) {
    std::vector<Source> sources;
    sources.push_back(Source{"file a.env", arena_copy("SHORT=tiny\nB=x\n", mem)});
    return sources;
  };
  LoadedSecrets loaded = load_secrets(load, options, env, arena.resource());
  REQUIRE(loaded.secrets.size() == 2);
  CHECK(loaded.secrets.get_allocator().resource() == arena.resource());
  CHECK(arena.chunks().holds(loaded.secrets[0].name.data()));
  CHECK(arena.chunks().holds(loaded.secrets[0].value.data()));
  CHECK(loaded.files.held.get_allocator().resource() == arena.resource());
  CHECK(loaded.files.env_text.get_allocator().resource() == arena.resource());
}
