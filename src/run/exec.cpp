// execve() with the child's PATH and the exit codes of env(1): 127 not found, 126 not runnable.
#include "run/exec.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/stack_wipe.hpp"

namespace dotenv_run {

std::vector<std::string> command_candidates(std::string_view program, std::string_view path) {
  if (program.find('/') != std::string_view::npos) return {std::string(program)};
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t colon = path.find(':', start);
    std::string_view dir = path.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start);
    // An empty PATH entry means the current directory, as in execvp(3).
    out.push_back(dir.empty() ? std::string(program) : fmt::format("{}/{}", dir, program));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  return out;
}

namespace {

// A file the kernel cannot run (ENOEXEC: no "#!" line) is run by /bin/sh, as execvp(3) and
// env(1) do. Returns the errno of that attempt.
int exec_with_shell(const std::string& file, const std::vector<std::string>& argv, char* const* envp) {
  std::vector<char*> args;
  args.reserve(argv.size() + 2);
  args.push_back(const_cast<char*>("/bin/sh"));
  args.push_back(const_cast<char*>(file.c_str()));
  for (std::size_t i = 1; i < argv.size(); ++i) args.push_back(const_cast<char*>(argv[i].c_str()));
  args.push_back(nullptr);
  ::execve("/bin/sh", args.data(), envp);
  return errno;
}

}  // namespace

void exec_command(const std::vector<std::string>& argv, ChildEnvironment& env) {
  // An empty name is no command (env(1) says "No such file or directory" and exits 127); a
  // PATH search would try each directory itself and fail with EACCES (126).
  if (argv.empty() || argv[0].empty()) throw Error(kExitNotFound, "cannot run \"\": command not found");
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  std::string default_path;
  std::string_view path;
  if (auto p = env.find("PATH")) {
    path = *p;
  } else {
    std::size_t n = ::confstr(_CS_PATH, nullptr, 0);
    default_path.resize(n > 0 ? n - 1 : 0);
    if (n > 0) ::confstr(_CS_PATH, default_path.data(), n);
    path = default_path;
  }

  wipe_stack_below();    // what the launcher's calls left below this frame does not reach exec
  int exists_error = 0;  // the first "exists but cannot run" failure wins, as in execvp(3)
  for (const std::string& candidate : command_candidates(argv[0], path)) {
    ::execve(candidate.c_str(), args.data(), env.envp());
    int err = errno;
    if (err == ENOEXEC) err = exec_with_shell(candidate, argv, env.envp());
    if (err == E2BIG) throw Error(kExitDataError, "the command's arguments and environment are too large to exec");
    if (err == ENOENT || err == ENOTDIR || err == ENAMETOOLONG || err == ELOOP) continue;
    if (exists_error == 0) exists_error = err;
    if (err != EACCES) break;
  }
  if (exists_error != 0) {
    throw Error(kExitCannotExecute, fmt::format("cannot run {}: {}", argv[0], std::strerror(exists_error)));
  }
  throw Error(kExitNotFound, fmt::format("cannot run {}: command not found", argv[0]));
}

}  // namespace dotenv_run
