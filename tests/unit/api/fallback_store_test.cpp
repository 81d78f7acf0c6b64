// Tests of the fallback directory: names, atomic replacement, refused directories, removal.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "api/fallback_store.hpp"
#include "support/error_of.hpp"

using namespace dotenv_run;
using dotenv_run::testing::error_of;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char name[] = "/tmp/fallback-store-test-XXXXXX";
    REQUIRE(::mkdtemp(name) != nullptr);
    path = name;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

const ResolveQuery kQuery{"01HZX5V9Q6M3K8T2R4W7Y0B1CD", "api", "web", "production"};

}  // namespace

TEST_CASE("the file name is a hash of the whole query and names none of its parts") {
  const std::string name = fallback_file_name(kQuery);
  CHECK(name.size() == 32 + 9);
  CHECK(name.ends_with(".fallback"));
  for (std::string_view part : {"01HZX5V9Q6M3K8T2R4W7Y0B1CD", "api", "web", "production"})
    CHECK(name.find(part) == std::string::npos);
  CHECK(fallback_file_name(kQuery) == name);
  ResolveQuery other = kQuery;
  other.environment = std::nullopt;
  CHECK(fallback_file_name(other) != name);
  other = kQuery;
  other.target = "webp";
  other.environment = "roduction";
  CHECK(fallback_file_name(other) != name);
}

TEST_CASE("a written file is read back, replaced whole, 0600, with no temporary file left") {
  TempDir dir;
  const FallbackStore store(dir.path + "/state");  // created, 0700
  CHECK_FALSE(store.read("a.fallback"));
  store.write("a.fallback", "first");
  store.write("a.fallback", "second");
  CHECK(store.read("a.fallback") == "second");
  struct stat st {};
  REQUIRE(::stat((dir.path + "/state/a.fallback").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
  REQUIRE(::stat((dir.path + "/state").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0700);
  int entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path + "/state")) ++entries;
  CHECK(entries == 1);
  CHECK(store.remove("a.fallback"));
  CHECK_FALSE(store.remove("a.fallback"));
  CHECK_FALSE(store.read("a.fallback"));
}

TEST_CASE("a directory others may write is refused for writing and reading") {
  TempDir dir;
  REQUIRE(::chmod(dir.path.c_str(), 0777) == 0);
  const FallbackStore store(dir.path);
  const std::string why = error_of(kExitConfig, [&] { store.write("a.fallback", "x"); });
  CHECK(why.find("group or others may write it (mode 0777); refused") != std::string::npos);
  CHECK(error_of(kExitConfig, [&] { store.read("a.fallback"); }) == why);
  CHECK_FALSE(std::filesystem::exists(dir.path + "/a.fallback"));
}

TEST_CASE("a symbolic link in place of the file is refused, not followed") {
  TempDir dir;
  REQUIRE(::chmod(dir.path.c_str(), 0700) == 0);
  REQUIRE(::symlink("/etc/hostname", (dir.path + "/a.fallback").c_str()) == 0);
  const FallbackStore store(dir.path);
  CHECK(error_of(kExitConfig, [&] { store.read("a.fallback"); }) == dir.path + "/a.fallback: is a symbolic link");
}
