// Tests of the stored login: where it lives, its modes, refusals (owner, mode, symlink, size, JSON), atomic replace,
// forget.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/credentials.hpp"
#include "core/error.hpp"
#include "support/error_of.hpp"

using namespace dotenv_run;
namespace fs = std::filesystem;

namespace {

struct Fixture {
  fs::path root;
  fs::path dir;
  fs::path file;
  SecretArena arena;
  Fixture() {
    char tmpl[] = "/tmp/dotenv-credentials-XXXXXX";
    root = ::mkdtemp(tmpl);
    dir = root / "config" / "dotenv-cloud";
    file = dir / "credentials.json";
  }
  ~Fixture() { fs::remove_all(root); }
  std::pmr::memory_resource* mem() { return arena.resource(); }
  CredentialStore store() const { return CredentialStore(file); }
  StoredLogin login(std::string_view access, std::string_view refresh, std::int64_t expires_at = 1700000000) {
    StoredLogin l(mem());
    l.access_token = secret_copy(access, mem());
    l.refresh_token = secret_copy(refresh, mem());
    l.expires_at = expires_at;
    l.user = "ada@example.com";
    return l;
  }
  std::string text() const {
    std::ifstream in(file);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  void write(const std::string& content, mode_t mode = 0600) {
    fs::create_directories(dir);
    ::chmod(dir.c_str(), 0700);
    std::ofstream(file, std::ios::binary) << content;
    ::chmod(file.c_str(), mode);
  }
  mode_t mode_of(const fs::path& p) const {
    struct stat st {};
    REQUIRE(::lstat(p.c_str(), &st) == 0);
    return st.st_mode & 07777;
  }
};

}  // namespace

TEST_CASE("the credentials file is under XDG_CONFIG_HOME, else ~/.config, else there is none") {
  CHECK(credentials_path(MapLookup{{"XDG_CONFIG_HOME", "/x"}, {"HOME", "/h"}}) ==
        fs::path("/x/dotenv-cloud/credentials.json"));
  CHECK(credentials_path(MapLookup{{"XDG_CONFIG_HOME", "relative"}, {"HOME", "/h"}}) ==
        fs::path("/h/.config/dotenv-cloud/credentials.json"));
  CHECK(credentials_path(MapLookup{{"HOME", "/h"}}) == fs::path("/h/.config/dotenv-cloud/credentials.json"));
  CHECK_FALSE(credentials_path(MapLookup{}).has_value());
}

TEST_CASE("a stored login reads back, per API URL, with a trailing slash naming the same URL") {
  Fixture f;
  f.store().store("https://api.example/", f.login("access-1", "refresh-1", 1700000123), f.mem());
  f.store().store("https://other.example", f.login("access-2", "refresh-2"), f.mem());
  auto one = f.store().load("https://api.example", f.mem());
  REQUIRE(one.has_value());
  CHECK(one->access_token == "access-1");
  CHECK(one->refresh_token == "refresh-1");
  CHECK(one->expires_at == 1700000123);
  CHECK(one->user == "ada@example.com");
  CHECK(f.store().load("https://other.example/", f.mem())->access_token == "access-2");
  CHECK_FALSE(f.store().load("https://third.example", f.mem()).has_value());
}

TEST_CASE("storing creates the directory 0700 and the file 0600 whatever the umask") {
  Fixture f;
  const mode_t old = ::umask(0);
  f.store().store("https://api.example", f.login("a", "r"), f.mem());
  ::umask(old);
  CHECK(f.mode_of(f.dir) == 0700);
  CHECK(f.mode_of(f.dir.parent_path()) == 0700);
  CHECK(f.mode_of(f.file) == 0600);
}

TEST_CASE("a store replaces the file by rename, leaving no temporary file and keeping other logins") {
  Fixture f;
  f.store().store("https://api.example", f.login("old-access", "old-refresh"), f.mem());
  f.store().store("https://other.example", f.login("other-access", "other-refresh"), f.mem());
  struct stat before {};
  REQUIRE(::stat(f.file.c_str(), &before) == 0);
  f.store().store("https://api.example", f.login("new-access", "new-refresh"), f.mem());
  struct stat after {};
  REQUIRE(::stat(f.file.c_str(), &after) == 0);
  CHECK(before.st_ino != after.st_ino);
  CHECK(std::distance(fs::directory_iterator(f.dir), fs::directory_iterator()) == 1);
  CHECK(f.text().find("old-access") == std::string::npos);
  CHECK(f.store().load("https://api.example", f.mem())->refresh_token == "new-refresh");
  CHECK(f.store().load("https://other.example", f.mem())->access_token == "other-access");
}

TEST_CASE("forget removes one URL's login, and the file with the last one") {
  Fixture f;
  CHECK_FALSE(f.store().forget("https://api.example", f.mem()));  // no directory: nothing to forget
  f.store().store("https://api.example", f.login("a1", "r1"), f.mem());
  f.store().store("https://other.example", f.login("a2", "r2"), f.mem());
  CHECK(f.store().forget("https://api.example/", f.mem()));
  CHECK_FALSE(f.store().load("https://api.example", f.mem()).has_value());
  CHECK(f.text().find("a1") == std::string::npos);
  CHECK_FALSE(f.store().forget("https://api.example", f.mem()));
  CHECK(f.store().forget("https://other.example", f.mem()));
  CHECK_FALSE(fs::exists(f.file));
  CHECK_FALSE(f.store().load("https://other.example", f.mem()).has_value());
}

TEST_CASE("a directory others can enter is refused, for reading and for storing") {
  Fixture f;
  f.store().store("https://api.example", f.login("a", "r"), f.mem());
  ::chmod(f.dir.c_str(), 0750);
  const std::string expected =
      f.dir.string() + ": group or others have access (mode 0750); run chmod 700 " + f.dir.string();
  CHECK(testing::error_of(kExitConfig, [&] { f.store().load("https://api.example", f.mem()); }) == expected);
  CHECK(testing::error_of(kExitConfig, [&] { f.store().store("https://x.example", f.login("a", "r"), f.mem()); }) ==
        expected);
}

TEST_CASE("an open directory without a credentials file is no error when only reading") {
  Fixture f;
  fs::create_directories(f.dir);
  ::chmod(f.dir.c_str(), 0755);
  CHECK_FALSE(f.store().load("https://api.example", f.mem()).has_value());
}

TEST_CASE("a credentials file others can read is refused, naming the file and never the token") {
  Fixture f;
  f.store().store("https://api.example", f.login("tok-visible", "r"), f.mem());
  ::chmod(f.file.c_str(), 0640);
  std::string message = testing::error_of(kExitConfig, [&] { f.store().load("https://api.example", f.mem()); });
  CHECK(message == f.file.string() + ": group or others have access (mode 0640); run chmod 600 " + f.file.string());
}

TEST_CASE("a credentials file that is a symbolic link is refused, even to a good file") {
  Fixture f;
  f.store().store("https://api.example", f.login("a", "r"), f.mem());
  fs::rename(f.file, f.dir / "real.json");
  fs::create_symlink(f.dir / "real.json", f.file);
  CHECK(testing::error_of(kExitConfig, [&] { f.store().load("https://api.example", f.mem()); }) ==
        f.file.string() + ": is a symbolic link; refused");
}

TEST_CASE("a credentials file or directory another user owns is refused") {
  if (::geteuid() != 0) return;  // only root can give a file away
  Fixture f;
  f.store().store("https://api.example", f.login("a", "r"), f.mem());
  REQUIRE(::chown(f.file.c_str(), 65534, 65534) == 0);
  CHECK(testing::error_of(kExitConfig, [&] { f.store().load("https://api.example", f.mem()); }) ==
        f.file.string() + ": owned by uid 65534, not by you; refused");
  REQUIRE(::chown(f.file.c_str(), 0, 0) == 0);
  REQUIRE(::chown(f.dir.c_str(), 65534, 65534) == 0);
  CHECK(testing::error_of(kExitConfig, [&] { f.store().forget("https://api.example", f.mem()); }) ==
        f.dir.string() + ": owned by uid 65534, not by you; refused, since it holds your login");
}

TEST_CASE("a credentials file that is not the expected JSON is refused without showing its content") {
  Fixture f;
  f.write(R"({"logins": {"https://api.example": {"access_token": "tok-shown?", )");
  std::string message = testing::error_of(kExitConfig, [&] { f.store().load("https://api.example", f.mem()); });
  CHECK(message.starts_with(f.file.string() + ": not valid JSON: "));
  CHECK(message.ends_with("; run dotenv-cloud login again"));
  CHECK(message.find("tok-shown") == std::string::npos);
  f.write(R"({"logins": {"https://api.example": {"access_token": "has space", "refresh_token": "r"}}})");
  CHECK(testing::error_of(kExitConfig, [&] { f.store().load("https://api.example", f.mem()); }) ==
        f.file.string() + ": a login's \"access_token\" is malformed; run dotenv-cloud login again");
  f.write(R"({"logins": {"https://api.example": {"access_token": "a"}}})");
  CHECK(testing::error_of(kExitConfig, [&] { f.store().load("https://api.example", f.mem()); }) ==
        f.file.string() + ": a login has no \"refresh_token\"; run dotenv-cloud login again");
}

TEST_CASE("a credentials file over 1 MiB is refused before it is read") {
  Fixture f;
  f.write(std::string((std::size_t{1} << 20) + 1, ' '));
  CHECK(testing::error_of(kExitConfig, [&] { f.store().load("https://api.example", f.mem()); }) ==
        f.file.string() + ": is larger than 1 MiB");
}

TEST_CASE("a transaction holds the directory's lock until it ends") {
  Fixture f;
  f.store().store("https://api.example", f.login("a", "r"), f.mem());
  auto try_lock = [&] {
    int fd = ::open(f.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    const bool got = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
    ::close(fd);
    return got;
  };
  {
    CredentialStore store = f.store();
    CredentialStore::Transaction t(store, false, f.mem());
    REQUIRE(t.find("https://api.example") != nullptr);
    CHECK_FALSE(try_lock());
  }
  CHECK(try_lock());
}

TEST_CASE("a stored value is written as JSON that reads back exactly") {
  Fixture f;
  StoredLogin l = f.login("a", "r");
  l.user = "quote\" back\\slash \x01 end";
  f.store().store("https://api.example", l, f.mem());
  CHECK(f.store().load("https://api.example", f.mem())->user == l.user);
}
