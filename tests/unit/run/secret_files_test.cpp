// Tests of --as-file and --env-as-file: which secrets become files, and the sealed memfds themselves.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "run/secret_files.hpp"
#include "support/error_of.hpp"

using namespace dotenv_run;

namespace {

Variables vars(std::pmr::memory_resource* mem, std::vector<std::pair<std::string, std::string>> list) {
  Variables out(mem);
  for (auto& [n, v] : list) out.push_back({arena_copy(n, mem), arena_copy(v, mem)});
  return out;
}

std::vector<std::string> names(const Variables& v) {
  std::vector<std::string> out;
  for (const Variable& x : v) out.emplace_back(x.name);
  return out;
}

FileRequests as_files(std::vector<AsFile> list, std::string env_as_file = "") {
  return {.as_file = std::move(list), .env_as_file = std::move(env_as_file)};
}

std::string read_all(int fd) {
  std::string out;
  char buf[65536];
  ssize_t n;
  while ((n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(out.size()))) > 0) out.append(buf, n);
  return out;
}

int highest_open_fd() {
  int highest = 2;
  for (int fd = 3; fd < 1024; ++fd)
    if (::fcntl(fd, F_GETFD) >= 0) highest = fd;
  return highest;
}

}  // namespace

TEST_CASE("--as-file takes the named secrets out of the environment, each into a file of its own") {
  SecretArena arena;
  Variables secrets = vars(arena.resource(), {{"A", "a"}, {"PW", "pw"}, {"KEY", "k"}});
  SecretFilePlan plan =
      plan_secret_files(secrets, as_files({{"PW", ""}, {"KEY", "SSL_KEY_PATH"}}), "", false, arena.resource());
  CHECK(names(secrets) == std::vector<std::string>{"A"});
  REQUIRE(plan.files.size() == 2);
  CHECK(plan.files[0].variable == "PW_FILE");
  CHECK(plan.files[0].label == "PW");
  CHECK(file_content(plan, plan.files[0]) == "pw");
  CHECK(plan.files[1].variable == "SSL_KEY_PATH");
  CHECK(file_content(plan, plan.files[1]) == "k");
  CHECK(plan.secrets() == 2);
}

TEST_CASE("with --prefix the name is given as --only takes it and the default variable carries the prefix") {
  SecretArena arena;
  Variables secrets = vars(arena.resource(), {{"APP_PW", "pw"}});
  SecretFilePlan plan = plan_secret_files(secrets, as_files({{"PW", ""}}), "APP_", false, arena.resource());
  REQUIRE(plan.files.size() == 1);
  CHECK(plan.files[0].variable == "APP_PW_FILE");
  CHECK(plan.files[0].names == std::vector<std::string>{"APP_PW"});
  CHECK(secrets.empty());
}

TEST_CASE("--env-as-file holds every other secret as --export --format env prints it, and none stays") {
  SecretArena arena;
  Variables secrets = vars(arena.resource(), {{"A", "1 \"q\"\n$x"}, {"PW", "pw"}, {"B", ""}});
  SecretFilePlan plan = plan_secret_files(secrets, as_files({{"PW", ""}}, "DOTENV"), "", false, arena.resource());
  CHECK(secrets.empty());
  REQUIRE(plan.files.size() == 2);
  CHECK(plan.files[1].variable == "DOTENV");
  CHECK(plan.files[1].names == std::vector<std::string>{"A", "B"});
  CHECK(file_content(plan, plan.files[1]) == "A=\"1 \\\"q\\\"\\n\\$x\"\nB=\"\"\n");
  CHECK(file_content(plan, plan.files[0]) == "pw");
  CHECK(describe_secret_files(plan) == "file PW_FILE: PW\nfile DOTENV: .env of A, B\n");
}

TEST_CASE("no request plans nothing and leaves the secrets alone") {
  SecretArena arena;
  Variables secrets = vars(arena.resource(), {{"A", "1"}});
  SecretFilePlan plan = plan_secret_files(secrets, {}, "", false, arena.resource());
  CHECK(plan.files.empty());
  CHECK(names(secrets) == std::vector<std::string>{"A"});
  CHECK(describe_secret_files(plan).empty());
}

TEST_CASE("refusals name the secret or the variable, never a value") {
  SecretArena arena;
  auto refusal = [&](ExitCode code, FileRequests requests, std::string prefix = "") {
    Variables secrets = vars(arena.resource(), {{"A", "s3cr3t"}, {"A_FILE", "x"}, {"B", "b"}, {"LD_X", "y"}});
    return testing::error_of(code, [&] { plan_secret_files(secrets, requests, prefix, false, arena.resource()); });
  };
  CHECK(refusal(kExitDataError, as_files({{"NOPE", ""}})) ==
        "--as-file names NOPE, which is not among the secrets passed to the command");
  CHECK(refusal(kExitDataError, as_files({{"A", ""}})) ==
        "A_FILE would carry a secret file's path but is also a secret's name; name another variable with "
        "--as-file NAME=VAR");
  CHECK(refusal(kExitUsage, as_files({{"A", "X"}, {"B", "X"}})) == "two secret files would be named by X");
  CHECK(refusal(kExitUsage, as_files({{"B", "X"}}, "X")) == "two secret files would be named by X");
  CHECK(refusal(kExitUsage, as_files({{"B", "X"}, {"B", "Y"}})) == "--as-file names B twice");
  CHECK(refusal(kExitDataError, as_files({{"B", "LD_PRELOAD"}})) ==
        "LD_PRELOAD would make programs load code; refused (--allow-unsafe-names allows it)");
  CHECK(refusal(kExitDataError, as_files({}, "BASH_ENV")) ==
        "BASH_ENV would make programs load code; refused (--allow-unsafe-names allows it)");
  // A code-loading secret is refused in a .env file too: a loader puts it in its environment.
  CHECK(refusal(kExitDataError, as_files({}, "DOTENV")) ==
        "secret LD_X would make programs load code; refused (--allow-unsafe-names allows it)");
}

TEST_CASE("a secret in a file is not held to the 128 KiB limit of one environment string") {
  SecretArena arena;
  Variables secrets = vars(arena.resource(), {{"BIG", std::string(1 << 20, 'x')}});
  SecretFilePlan plan = plan_secret_files(secrets, as_files({{"BIG", ""}}), "", false, arena.resource());
  CHECK(file_content(plan, plan.files[0]).size() == 1u << 20);
}

TEST_CASE("placed files are sealed memfds above the highest inherited fd, without close-on-exec, read from 0") {
  SecretArena arena;
  std::string binary;
  for (int c = 1; c < 256; ++c) binary.push_back(static_cast<char>(c));
  binary += "\n";
  Variables secrets = vars(arena.resource(), {{"PW", binary}, {"E", ""}, {"KEEP", "k"}});
  SecretFilePlan plan =
      plan_secret_files(secrets, as_files({{"PW", ""}, {"E", "EMPTY_PATH"}}), "", false, arena.resource());
  const int above = highest_open_fd() + 3;  // a gap: the files go above it all the same
  const std::vector<int> inherited{0, 1, 2, above};
  std::vector<UniqueFd> fds = place_secret_files(plan, inherited, secrets, arena.resource());
  REQUIRE(fds.size() == 2);
  CHECK(fds[0].get() == above + 1);
  CHECK(fds[1].get() == above + 2);
  REQUIRE(secrets.size() == 3);
  CHECK(std::string(secrets[1].name) == "PW_FILE");
  CHECK(std::string(secrets[1].value) == "/dev/fd/" + std::to_string(above + 1));
  CHECK(std::string(secrets[2].name) == "EMPTY_PATH");
  CHECK(std::string(secrets[2].value) == "/dev/fd/" + std::to_string(above + 2));
  for (const UniqueFd& fd : fds) {
    CHECK(::fcntl(fd.get(), F_GETFD) == 0);  // survives exec
    int seals = ::fcntl(fd.get(), F_GET_SEALS);
    CHECK((seals & (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)) ==
          (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE));
    CHECK(::lseek(fd.get(), 0, SEEK_CUR) == 0);
    errno = 0;
    CHECK(::write(fd.get(), "x", 1) == -1);
    CHECK(errno == EPERM);
    CHECK(::ftruncate(fd.get(), 1 << 20) == -1);  // grow
    CHECK(::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_FUTURE_WRITE) == -1);
  }
  CHECK(::ftruncate(fds[0].get(), 1) == -1);  // shrink
  CHECK(read_all(fds[0].get()) == binary);
  CHECK(read_all(fds[1].get()).empty());
  char link[256] = {};
  std::string proc = "/proc/self/fd/" + std::to_string(fds[0].get());
  REQUIRE(::readlink(proc.c_str(), link, sizeof link - 1) > 0);
  CHECK(std::string(link) == "/memfd:dotenv-run:PW (deleted)");
}

TEST_CASE("stdin, stdout and stderr are never taken, even when they were not inherited") {
  SecretArena arena;
  Variables secrets = vars(arena.resource(), {{"PW", "pw"}});
  SecretFilePlan plan = plan_secret_files(secrets, as_files({{"PW", ""}}), "", false, arena.resource());
  // A launcher started with stderr closed: the first free descriptor is 2.
  const UniqueFd saved(::dup(2));
  REQUIRE(saved);
  ::close(2);
  std::vector<UniqueFd> fds = place_secret_files(plan, std::vector<int>{0, 1}, secrets, arena.resource());
  const bool stderr_free = ::fcntl(2, F_GETFD) == -1;
  ::dup2(saved.get(), 2);
  REQUIRE(fds.size() == 1);
  CHECK(fds[0].get() > 2);
  CHECK(stderr_free);
}

TEST_CASE("with nothing free under the open-files limit, placing is one error naming the variable") {
  SecretArena arena;
  Variables secrets = vars(arena.resource(), {{"PW", "pw"}});
  SecretFilePlan plan = plan_secret_files(secrets, as_files({{"PW", ""}}), "", false, arena.resource());
  const long limit = ::sysconf(_SC_OPEN_MAX);
  REQUIRE(limit > 0);
  CHECK(testing::error_of(kExitSoftware,
                          [&] {
                            const std::vector<int> inherited{0, 1, 2, static_cast<int>(limit)};
                            place_secret_files(plan, inherited, secrets, arena.resource());
                          }) == "cannot make the secret file for PW_FILE: no descriptor free from " +
                                    std::to_string(limit + 1) + " on under the open-files limit (ulimit -n)");
  CHECK(secrets.size() == 0);  // nothing was added
}
