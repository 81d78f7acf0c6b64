// Loading every source of a launch and describing them for --check.
#include "run/sources.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/fd.hpp"

namespace dotenv_run {

namespace {

constexpr std::size_t kMaxEnvFile = 64 * 1024 * 1024;

}  // namespace

SecretString read_env_file(const std::string& path, std::pmr::memory_resource* mem) {
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd) throw Error(kExitConfig, fmt::format("--env-file {}: {}", path, std::strerror(errno)));
  SecretString text(mem);
  text.reserve(sizeof(char[16384]));  // never in the string object's own small buffer
  char chunk[16384];
  while (true) {
    ssize_t n = ::read(fd.get(), chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      wipe(chunk, sizeof chunk);
      throw Error(kExitConfig, fmt::format("--env-file {}: {}", path, std::strerror(err)));
    }
    if (n == 0) break;
    text.append(chunk, static_cast<std::size_t>(n));
    if (text.size() > kMaxEnvFile) {
      wipe(chunk, sizeof chunk);
      throw Error(kExitConfig, fmt::format("--env-file {}: larger than 64 MiB", path));
    }
  }
  wipe(chunk, sizeof chunk);
  return text;
}

Settings launch_settings(const SettingFlags& flags, bool has_env_files, const Lookup& env,
                         const std::filesystem::path& cwd, std::pmr::memory_resource* mem, bool offline) {
  Settings settings = resolve_settings(flags, env, cwd, "dotenv-run");
  if (!settings.from_cloud()) {
    if (!has_env_files) {
      throw Error(kExitConfig,
                  "nothing to load: set a project (--project or DOTENV_CLOUD_PROJECT, or a "
                  ".dotenv-cloud.json file) or give --env-file");
    }
    return settings;
  }
  if (!settings.org) throw Error(kExitConfig, "no organization: set --org or DOTENV_CLOUD_ORG");
  if (offline) {
    read_project_key(settings, flags, env, mem);
  } else {
    read_credentials(settings, flags, env, mem);
  }
  return settings;
}

std::vector<Source> load_sources(const Settings& settings, const std::optional<FallbackSettings>& fallback,
                                 const std::vector<std::string>& env_files, std::pmr::memory_resource* mem,
                                 const std::function<void(std::string_view)>& notice) {
  std::vector<Source> out;
  if (settings.from_cloud()) out = load_cloud_levels(settings, fallback, mem, notice);
  append_env_files(out, env_files, mem);
  return out;
}

void append_env_files(std::vector<Source>& sources, const std::vector<std::string>& env_files,
                      std::pmr::memory_resource* mem) {
  for (const std::string& path : env_files) {
    sources.push_back({fmt::format("file {}", path), read_env_file(path, mem), "local file"});
  }
}

std::string check_report(const std::vector<Source>& loaded, const std::vector<std::size_t>& counts, std::size_t merged,
                         std::size_t selected) {
  std::string out;
  for (std::size_t i = 0; i < loaded.size(); ++i) {
    out +=
        fmt::format("{}: {} variable{} ({})\n", loaded[i].name, counts[i], counts[i] == 1 ? "" : "s", loaded[i].detail);
  }
  out += fmt::format("merged: {} variables; passed to the command: {}\n", merged, selected);
  return out;
}

}  // namespace dotenv_run
