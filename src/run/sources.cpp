// Loading every source of a launch and describing them for --check.
#include "run/sources.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/fd.hpp"

namespace dotenv_run {

namespace {

constexpr std::size_t kMaxEnvFile = 64 * 1024 * 1024;

}  // namespace

std::string_view read_env_file(const std::string& path, std::pmr::memory_resource* mem) {
  auto failed = [&](int err) { return Error(kExitConfig, fmt::format("--env-file {}: {}", path, std::strerror(err))); };
  auto too_large = [&] { return Error(kExitConfig, fmt::format("--env-file {}: larger than 64 MiB", path)); };
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd) throw failed(errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw failed(errno);
  const bool regular = S_ISREG(st.st_mode);
  if (regular && static_cast<std::size_t>(st.st_size) > kMaxEnvFile) throw too_large();
  // Read into chunks in an arena of their own, wiped and unmapped once copied: `mem` never frees,
  // so one string grown in it kept every outgrown buffer (a pipe or /dev/zero reached 276 MB
  // before the limit). A regular file is one chunk of its size; reading stops one byte past the
  // limit, so no more than the limit is ever held.
  SecretArena scratch;
  std::pmr::vector<SecretString> chunks(scratch.resource());
  const std::size_t chunk_size = regular ? static_cast<std::size_t>(st.st_size) + 1 : std::size_t{1} << 20;
  std::size_t total = 0, filled = 0;
  while (true) {
    if (chunks.empty() || filled == chunks.back().size()) {
      chunks.emplace_back(std::min(chunk_size, kMaxEnvFile + 1 - total), '\0');
      filled = 0;
    }
    SecretString& chunk = chunks.back();
    const ssize_t n = ::read(fd.get(), chunk.data() + filled, chunk.size() - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw failed(errno);
    if (n == 0) break;
    filled += static_cast<std::size_t>(n);
    total += static_cast<std::size_t>(n);
    if (total > kMaxEnvFile) throw too_large();
  }
  if (total == 0) return {};
  char* text = static_cast<char*>(mem->allocate(total, 1));
  std::size_t at = 0;
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    const std::size_t n = i + 1 == chunks.size() ? filled : chunks[i].size();
    std::memcpy(text + at, chunks[i].data(), n);
    at += n;
  }
  return {text, total};
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
                                 const std::function<void(std::string_view)>& notice,
                                 const ApiFailure* refresh_outage) {
  std::vector<Source> out;
  if (settings.from_cloud()) out = load_cloud_levels(settings, fallback, mem, notice, refresh_outage);
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
