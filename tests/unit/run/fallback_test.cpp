// Tests of the fallback's settings: durations, ages, where the directory and key come from, half a configuration.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/lookup.hpp"
#include "run/fallback.hpp"
#include "support/error_of.hpp"

using namespace dotenv_run;
using dotenv_run::testing::error_of;

namespace {

struct KeyFiles {
  std::string dir;
  KeyFiles() {
    char name[] = "/tmp/fallback-settings-test-XXXXXX";
    REQUIRE(::mkdtemp(name) != nullptr);
    dir = name;
  }
  ~KeyFiles() { std::filesystem::remove_all(dir); }
  std::string file(const std::string& name, const std::string& text, mode_t mode = 0600) {
    const std::string path = dir + "/" + name;
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
    return path;
  }
};

const std::string kKey = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=\n";

}  // namespace

TEST_CASE("durations take s, m, h and d, alone or in sequence") {
  CHECK(parse_duration("72h", "--x") == 72 * 3600);
  CHECK(parse_duration("45s", "--x") == 45);
  CHECK(parse_duration("90m", "--x") == 5400);
  CHECK(parse_duration("3d", "--x") == 3 * 86400);
  CHECK(parse_duration("1d12h", "--x") == 36 * 3600);
  for (const char* bad : {"", "72", "h", "-1h", "1.5h", "0s", "1w", "1h ", "3651d", "99999999999999999999s"}) {
    CAPTURE(bad);
    CHECK(error_of(kExitUsage, [&] {
            parse_duration(bad, "--fallback-max-age");
          }).starts_with("--fallback-max-age takes a duration such as 72h"));
  }
}

TEST_CASE("ages are given in their two largest units, times in UTC") {
  CHECK(age_text(0) == "0s");
  CHECK(age_text(59) == "59s");
  CHECK(age_text(320) == "5m20s");
  CHECK(age_text(3 * 3600 + 12 * 60 + 59) == "3h12m");
  CHECK(age_text(2 * 86400 + 5 * 3600) == "2d5h");
  CHECK(utc_text(1764555273) == "2025-12-01T02:14:33Z");
}

TEST_CASE("no fallback without a directory and a key; half of one is a configuration error") {
  SecretArena arena;
  KeyFiles files;
  const std::string key = files.file("key", kKey);
  CHECK_FALSE(fallback_settings({}, MapLookup(), arena.resource()));

  FallbackFlags flags;
  flags.dir = files.dir;
  CHECK(error_of(kExitConfig, [&] {
          fallback_settings(flags, MapLookup(), arena.resource());
        }).starts_with("a fallback directory is set (--fallback) but no fallback key"));
  flags = {};
  flags.key_file = key;
  CHECK(error_of(kExitConfig, [&] {
          fallback_settings(flags, MapLookup(), arena.resource());
        }).starts_with("a fallback key is set (--fallback-key-file "));
  flags = {};
  flags.only = true;
  CHECK(error_of(kExitConfig, [&] {
          fallback_settings(flags, MapLookup(), arena.resource());
        }).starts_with("--fallback-only needs a fallback"));
}

TEST_CASE("the directory and key come from flags, the environment or a systemd credential, named by -v") {
  SecretArena arena;
  KeyFiles files;
  const std::string key = files.file("key", kKey);
  {
    FallbackFlags flags;
    flags.dir = files.dir;
    flags.key_file = key;
    flags.max_age = 3600;
    const auto fallback = fallback_settings(flags, MapLookup(), arena.resource());
    REQUIRE(fallback);
    CHECK(fallback->key.to_base64() + "\n" == kKey);
    CHECK(describe_fallback(fallback) ==
          std::vector<std::string>{"fallback directory = " + files.dir + " (from --fallback)",
                                   "fallback key from --fallback-key-file " + key, "fallback max age = 1h0m"});
  }
  {
    const MapLookup env({{"DOTENV_CLOUD_FALLBACK_DIR", files.dir}, {"DOTENV_CLOUD_FALLBACK_KEY_FILE", key}});
    const auto fallback = fallback_settings({}, env, arena.resource());
    REQUIRE(fallback);
    CHECK(fallback->max_age == 72 * 3600);
    CHECK(describe_fallback(fallback)[1] == "fallback key from DOTENV_CLOUD_FALLBACK_KEY_FILE=" + key);
  }
  {
    files.file("dotenv-cloud-fallback-key", kKey);
    const MapLookup env({{"DOTENV_CLOUD_FALLBACK_DIR", files.dir}, {"CREDENTIALS_DIRECTORY", files.dir}});
    const auto fallback = fallback_settings({}, env, arena.resource());
    REQUIRE(fallback);
    CHECK(describe_fallback(fallback)[1] ==
          "fallback key from systemd credential " + files.dir + "/dotenv-cloud-fallback-key");
  }
}

TEST_CASE("a fallback key file is checked as a token file is, and must be 32 bytes of strict base64") {
  SecretArena arena;
  KeyFiles files;
  FallbackFlags flags;
  flags.dir = files.dir;
  flags.key_file = files.file("open", kKey, 0644);
  CHECK(error_of(kExitConfig, [&] {
          fallback_settings(flags, MapLookup(), arena.resource());
        }).find("group or others have access") != std::string::npos);
  flags.key_file = files.file("short", "AQIDBA==\n");
  CHECK(error_of(kExitConfig, [&] { fallback_settings(flags, MapLookup(), arena.resource()); }) ==
        "the fallback key from --fallback-key-file " + *flags.key_file + ": not a base64 key of 32 bytes");
}
