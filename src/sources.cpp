// Loading every source of a launch and describing them for --check.
#include "sources.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "api.hpp"
#include "error.hpp"
#include "levels.hpp"

namespace dotenv_run {

namespace {

constexpr std::size_t kMaxEnvFile = 64 * 1024 * 1024;

ApiSettings api_settings_of(const Options& options, const Settings& settings, std::pmr::memory_resource* mem) {
  ApiSettings api;
  api.api_url = settings.api_url.value;
  api.token = secret_copy(settings.token->value, mem);
  api.token_source = settings.token->source;
  if (settings.ca_file) api.ca_file = settings.ca_file->value;
  api.pins = options.pins;
  if (options.connect_timeout) api.connect_timeout = *options.connect_timeout;
  if (options.request_timeout) api.request_timeout = *options.request_timeout;
  if (options.retry_timeout) api.retry_timeout = *options.retry_timeout;
  if (options.splay) api.splay = *options.splay;
  return api;
}

ResolveQuery query_of(const Settings& settings) {
  ResolveQuery q;
  q.org = settings.org->value;
  q.project = settings.project->value;
  if (settings.target) q.target = settings.target->value;
  if (settings.environment) q.environment = settings.environment->value;
  return q;
}

}  // namespace

SecretString read_env_file(const std::string& path, std::pmr::memory_resource* mem) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) throw Error(kExitConfig, fmt::format("--env-file {}: {}", path, std::strerror(errno)));
  SecretString text(mem);
  text.reserve(sizeof(char[16384]));  // never in the string object's own small buffer
  char chunk[16384];
  while (true) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      wipe(chunk, sizeof chunk);
      throw Error(kExitConfig, fmt::format("--env-file {}: {}", path, std::strerror(err)));
    }
    if (n == 0) break;
    text.append(chunk, static_cast<std::size_t>(n));
    if (text.size() > kMaxEnvFile) {
      ::close(fd);
      wipe(chunk, sizeof chunk);
      throw Error(kExitConfig, fmt::format("--env-file {}: larger than 64 MiB", path));
    }
  }
  ::close(fd);
  wipe(chunk, sizeof chunk);
  return text;
}

std::vector<LoadedSource> load_sources(const Options& options, const Settings& settings,
                                       std::pmr::memory_resource* mem,
                                       const std::function<void(std::string_view)>& notice) {
  std::vector<LoadedSource> out;
  if (settings.from_cloud()) {
    ResolveAnswer answer = resolve(api_settings_of(options, settings, mem), query_of(settings), mem, notice);
    out = open_levels(answer, settings.key, mem);
  }
  for (const std::string& path : options.env_files) {
    out.push_back({fmt::format("file {}", path), "local file", read_env_file(path, mem)});
  }
  return out;
}

std::vector<Source> as_sources(const std::vector<LoadedSource>& loaded) {
  std::vector<Source> out;
  out.reserve(loaded.size());
  for (const LoadedSource& s : loaded) out.push_back({s.name, s.text});
  return out;
}

std::string check_report(const std::vector<LoadedSource>& loaded, const std::vector<std::size_t>& counts,
                         std::size_t merged, std::size_t selected) {
  std::string out;
  for (std::size_t i = 0; i < loaded.size(); ++i) {
    out += fmt::format("{}: {} variable{} ({})\n", loaded[i].name, counts[i], counts[i] == 1 ? "" : "s",
                       loaded[i].detail);
  }
  out += fmt::format("merged: {} variables; passed to the command: {}\n", merged, selected);
  return out;
}

}  // namespace dotenv_run
