// Tests of the checks on files that decide where the token goes (settings files, CA files).
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.hpp"
#include "core/trusted_file.hpp"
#include "support/error_of.hpp"

using namespace dotenv_run;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/dotenv-run-trusted-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
  fs::path write(const std::string& name, const std::string& content, mode_t mode = 0644) {
    const fs::path p = path / name;
    std::ofstream(p, std::ios::binary) << content;
    ::chmod(p.c_str(), mode);
    return p;
  }
};

std::string refusal(const fs::path& path) {
  return testing::error_of(kExitConfig, [&] { read_trusted_file(path, "CA file", 1024); });
}

}  // namespace

TEST_CASE("a trusted file of yours in a directory of yours is read whole") {
  TempDir dir;
  CHECK(read_trusted_file(dir.write("ca.pem", "PEM"), "CA file", 1024) == "PEM");
  CHECK(read_trusted_file_if_present(dir.path / "absent", "CA file", 1024) == std::nullopt);
  CHECK(read_trusted_file_if_present(dir.path / "no-dir" / "absent", "CA file", 1024) == std::nullopt);
}

TEST_CASE("a trusted file behind a symlink is refused, so the name cannot be swapped to another file") {
  TempDir dir;
  const fs::path target = dir.write("real.pem", "PEM");
  const fs::path link = dir.path / "ca.pem";
  fs::create_symlink(target, link);
  CHECK(refusal(link) == "CA file " + link.string() + ": is a symbolic link; refused, name the file itself");
}

TEST_CASE("a trusted file that group or others may write is refused") {
  TempDir dir;
  const fs::path p = dir.write("ca.pem", "PEM", 0666);
  CHECK(refusal(p) == "CA file " + p.string() +
                          ": group or others may write it (mode 0666); refused, since it could send the token "
                          "elsewhere");
}

TEST_CASE("a trusted file in a directory group or others may write is refused, unless the directory is sticky") {
  TempDir dir;
  const fs::path p = dir.write("ca.pem", "PEM");
  ::chmod(dir.path.c_str(), 0777);
  CHECK(refusal(p) == "CA file " + p.string() +
                          ": group or others may write its directory (mode 0777); refused, since another user could "
                          "replace the file");
  // As /tmp: others may add names but not rename or remove the file, which is yours.
  ::chmod(dir.path.c_str(), 01777);
  CHECK(read_trusted_file(p, "CA file", 1024) == "PEM");
}

TEST_CASE("a trusted file or directory owned by another user is refused (as root, which can make one)") {
  if (::geteuid() != 0) return;  // only root can give a file away
  TempDir dir;
  const fs::path p = dir.write("ca.pem", "PEM");
  REQUIRE(::chown(p.c_str(), 65534, 65534) == 0);
  CHECK(refusal(p) == "CA file " + p.string() +
                          ": owned by uid 65534, not by you or root; refused, since it could send the token elsewhere");
  REQUIRE(::chown(p.c_str(), 0, 0) == 0);
  REQUIRE(::chown(dir.path.c_str(), 65534, 65534) == 0);
  CHECK(refusal(p) == "CA file " + p.string() +
                          ": its directory is owned by uid 65534, not by you or root; refused, since another user "
                          "could replace the file");
}

TEST_CASE("a trusted file that is not a regular file, or is over the limit, is refused") {
  TempDir dir;
  CHECK(refusal(dir.path) == "CA file " + dir.path.string() + ": is not a regular file");
  const fs::path big = dir.write("big.pem", std::string(1025, 'x'));
  CHECK(refusal(big) == "CA file " + big.string() + ": larger than 1 KiB");
  CHECK(read_trusted_file(dir.write("exact.pem", std::string(1024, 'x')), "CA file", 1024).size() == 1024);
  // No name: the path itself is the message's start.
  const fs::path p = dir.write("w.json", "{}", 0664);
  CHECK(testing::error_of(kExitConfig, [&] { read_trusted_file(p, "", 1024); }) ==
        p.string() + ": group or others may write it (mode 0664); refused, since it could send the token elsewhere");
}
