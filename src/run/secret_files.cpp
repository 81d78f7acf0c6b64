// Planning and making the sealed memfd files of --as-file and --env-as-file.
#include "run/secret_files.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/export_format.hpp"
#include "run/environment.hpp"

// Linux 6.3 and later; older headers lack it and older kernels refuse it with EINVAL.
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif

namespace dotenv_run {

namespace {

constexpr int kSeals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
constexpr std::size_t kMaxMemfdName = 249;  // MFD_NAME_MAX_LEN: longer names are EINVAL

bool has_name(const Variables& vars, std::string_view name) {
  return std::any_of(vars.begin(), vars.end(), [&](const Variable& v) { return std::string_view(v.name) == name; });
}

void check_variable(const std::string& variable, const std::vector<PlannedFile>& files, bool allow_unsafe_names) {
  for (const PlannedFile& f : files) {
    if (f.variable == variable) throw Error(kExitUsage, fmt::format("two secret files would be named by {}", variable));
  }
  if (!allow_unsafe_names && is_code_loading_name(variable)) {
    throw Error(kExitDataError,
                fmt::format("{} would make programs load code; refused (--allow-unsafe-names allows it)", variable));
  }
}

Error system_error(const PlannedFile& file, std::string_view step) {
  return Error(kExitSoftware,
               fmt::format("cannot make the secret file for {}: {}: {}", file.variable, step, std::strerror(errno)));
}

UniqueFd create_memfd(const PlannedFile& file) {
  std::string name = "dotenv-run:" + file.label;
  if (name.size() > kMaxMemfdName) name.resize(kMaxMemfdName);
  UniqueFd fd(::memfd_create(name.c_str(), MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL));
  if (!fd && errno == EINVAL) fd.reset(::memfd_create(name.c_str(), MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd) throw system_error(file, "memfd_create");
  return fd;
}

// Straight from the arena into the file: the bytes are never copied anywhere else.
void fill(int fd, std::string_view bytes, const PlannedFile& file) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), std::min<std::size_t>(bytes.size(), 1 << 30));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      throw system_error(file, "write");
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  // The command may read the inherited descriptor itself rather than open /dev/fd/N anew.
  if (::lseek(fd, 0, SEEK_SET) != 0) throw system_error(file, "lseek");
}

void seal(int fd, const PlannedFile& file) {
  if (::fcntl(fd, F_ADD_SEALS, kSeals) != 0) throw system_error(file, "sealing");
  int seals = ::fcntl(fd, F_GET_SEALS);
  if (seals < 0) throw system_error(file, "reading the seals");
  if ((seals & kSeals) != kSeals) {
    errno = EPERM;
    throw system_error(file, "the seals did not hold");
  }
}

// The lowest free descriptor from `target` on, which has no FD_CLOEXEC: it survives exec.
UniqueFd place(UniqueFd temporary, int target, const PlannedFile& file) {
  if (temporary.get() == target) {
    if (::fcntl(target, F_SETFD, 0) != 0) throw system_error(file, "clearing close-on-exec");
    return temporary;
  }
  UniqueFd placed(::fcntl(temporary.get(), F_DUPFD, target));
  if (!placed && (errno == EINVAL || errno == EMFILE)) {
    throw Error(kExitSoftware, fmt::format("cannot make the secret file for {}: no descriptor free from {} on under "
                                           "the open-files limit (ulimit -n)",
                                           file.variable, target));
  }
  if (!placed) throw system_error(file, "F_DUPFD");
  return placed;
}

}  // namespace

std::string_view file_content(const SecretFilePlan& plan, const PlannedFile& file) {
  if (file.secret) return plan.held[*file.secret].value;
  return plan.env_text;
}

SecretFilePlan plan_secret_files(Variables& secrets, const FileRequests& requests, std::string_view prefix,
                                 bool allow_unsafe_names, std::pmr::memory_resource* mem) {
  SecretFilePlan plan{.files = {}, .held = Variables(mem), .env_text = SecretString(mem)};
  if (!requests.any()) return plan;
  for (const AsFile& request : requests.as_file) {
    std::string name = fmt::format("{}{}", prefix, request.name);
    if (has_name(plan.held, name)) throw Error(kExitUsage, fmt::format("--as-file names {} twice", request.name));
    auto it = std::find_if(secrets.begin(), secrets.end(),
                           [&](const Variable& v) { return std::string_view(v.name) == name; });
    if (it == secrets.end()) {
      throw Error(
          kExitDataError,
          fmt::format("--as-file names {}, which is not among the secrets passed to the command", request.name));
    }
    PlannedFile file{.variable = request.variable.empty() ? name + "_FILE" : request.variable,
                     .label = name,
                     .names = {name},
                     .secret = plan.held.size()};
    check_variable(file.variable, plan.files, allow_unsafe_names);
    plan.held.push_back(std::move(*it));
    secrets.erase(it);
    plan.files.push_back(std::move(file));
  }
  if (!requests.env_as_file.empty()) {
    PlannedFile file{.variable = requests.env_as_file, .label = ".env", .names = {}, .secret = std::nullopt};
    check_variable(file.variable, plan.files, allow_unsafe_names);
    plan.env_text = render_export(secrets, ExportFormat::kEnv, mem);
    for (Variable& v : secrets) {
      file.names.emplace_back(v.name);
      plan.held.push_back(std::move(v));
    }
    secrets.clear();
    plan.files.push_back(std::move(file));
  }
  // A path variable must not silently replace a secret that stays in the environment.
  for (const PlannedFile& file : plan.files) {
    if (has_name(secrets, file.variable)) {
      throw Error(kExitDataError, fmt::format("{} would carry a secret file's path but is also a secret's name; "
                                              "name another variable with --as-file NAME=VAR",
                                              file.variable));
    }
  }
  validate_secrets(plan.held, allow_unsafe_names, /*in_environment=*/false);
  return plan;
}

std::string describe_secret_files(const SecretFilePlan& plan) {
  std::string out;
  for (const PlannedFile& file : plan.files) {
    std::string names;
    for (const std::string& name : file.names) names += (names.empty() ? "" : ", ") + name;
    out += fmt::format("file {}: {}{}\n", file.variable, file.secret ? "" : ".env of ",
                       names.empty() ? "no secrets" : names);
  }
  return out;
}

std::vector<UniqueFd> place_secret_files(const SecretFilePlan& plan, std::span<const int> inherited, Variables& env,
                                         std::pmr::memory_resource* mem) {
  // Never below 3: a closed stdin, stdout or stderr must not become a secret file.
  const int highest_inherited = std::max(2, inherited.empty() ? 2 : inherited.back());
  std::vector<UniqueFd> placed;
  placed.reserve(plan.files.size());
  for (const PlannedFile& file : plan.files) {
    UniqueFd fd = create_memfd(file);
    fill(fd.get(), file_content(plan, file), file);
    seal(fd.get(), file);
    int target = placed.empty() ? highest_inherited + 1 : placed.back().get() + 1;
    placed.push_back(place(std::move(fd), target, file));
  }
  for (std::size_t i = 0; i < plan.files.size(); ++i) {
    // Not a secret, but the environment's strings all live in the arena.
    env.push_back(Variable{.name = arena_copy(plan.files[i].variable, mem),
                           .value = arena_copy(fmt::format("/dev/fd/{}", placed[i].get()), mem)});
  }
  return placed;
}

}  // namespace dotenv_run
