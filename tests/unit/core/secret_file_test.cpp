// Tests of token and key file checks.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.hpp"
#include "core/secret_file.hpp"
#include "support/error_of.hpp"

using namespace dotenv_run;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/dotenv-run-test-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string write(const std::string& name, const std::string& content, mode_t mode) {
    std::string p = path + "/" + name;
    std::ofstream(p, std::ios::binary) << content;
    ::chmod(p.c_str(), mode);
    return p;
  }
};

std::string refusal(const std::string& path) {
  SecretArena arena;
  return testing::error_of(kExitConfig, [&] { read_secret_file(path, "API token", arena.resource()); });
}

}  // namespace

TEST_CASE("a token file loses one trailing newline or CRLF") {
  TempDir dir;
  SecretArena arena;
  CHECK(read_secret_file(dir.write("a", "tok\n", 0600), "API token", arena.resource()) == "tok");
  CHECK(read_secret_file(dir.write("b", "tok\r\n", 0400), "API token", arena.resource()) == "tok");
  CHECK(read_secret_file(dir.write("c", "tok", 0600), "API token", arena.resource()) == "tok");
}

TEST_CASE("a token file that group or others can read is refused") {
  TempDir dir;
  std::string p = dir.write("t", "tok\n", 0644);
  CHECK(refusal(p) == "API token file " + p + ": group or others have access (mode 0644); run chmod 600");
}

TEST_CASE("a token file behind a symlink is refused") {
  TempDir dir;
  std::string target = dir.write("t", "tok\n", 0600);
  std::string link = dir.path + "/link";
  REQUIRE(::symlink(target.c_str(), link.c_str()) == 0);
  CHECK(refusal(link) == "API token file " + link + ": is a symbolic link; name the file itself");
}

TEST_CASE("an empty token file, or one that is only a newline, is refused") {
  TempDir dir;
  std::string empty = dir.write("e", "", 0600);
  CHECK(refusal(empty) == "API token file " + empty + ": is empty");
  std::string newline = dir.write("n", "\n", 0600);
  CHECK(refusal(newline) == "API token file " + newline + " is empty");
}

TEST_CASE("a token with a line break inside is refused without echoing it") {
  TempDir dir;
  std::string p = dir.write("t", "abc\ndef\n", 0600);
  std::string message = refusal(p);
  CHECK(message == "API token file " + p + " holds a line break or control character");
  CHECK(message.find("abc") == std::string::npos);
}

TEST_CASE("a missing token file names the file") {
  CHECK(refusal("/nonexistent/token") == "API token file /nonexistent/token: No such file or directory");
}

TEST_CASE("a token file owned by another user is refused, also when running as root") {
  if (::geteuid() != 0) return;  // only root can give a file away (and only root could read it)
  TempDir dir;
  std::string p = dir.write("t", "tok\n", 0600);
  REQUIRE(::chown(p.c_str(), 65534, 65534) == 0);
  CHECK(refusal(p) == "API token file " + p + ": owned by uid 65534, not by you or root; refused");
}
