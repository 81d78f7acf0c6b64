// Settings, token and client of one command run.
#include "cloud/session.hpp"

#include <fmt/format.h>

#include "api/resolve.hpp"
#include "api/retry.hpp"
#include "core/error.hpp"

namespace dotenv_run {

namespace {

ApiSettings connection_of(const Settings& settings, std::pmr::memory_resource* mem) {
  ApiSettings api;
  api.api_url = settings.api_url.value;
  if (settings.token) {
    api.token = secret_copy(settings.token->value, mem);
    api.token_source = settings.token->source;
  }
  if (settings.ca_file) api.ca_file = settings.ca_file->value;
  api.pins = settings.pins;
  if (settings.connect_timeout) api.connect_timeout = *settings.connect_timeout;
  if (settings.request_timeout) api.request_timeout = *settings.request_timeout;
  if (settings.retry_timeout) api.retry_timeout = *settings.retry_timeout;
  api.user_agent = settings.user_agent;
  return api;
}

}  // namespace

Session::Session(const CommandLine& line, std::size_t command_words, const Lookup& env,
                 const std::filesystem::path& cwd, std::pmr::memory_resource* mem, Notice notice)
    : line_(line),
      args_(line.words.begin() + static_cast<std::ptrdiff_t>(command_words), line.words.end()),
      env_(env),
      mem_(mem),
      notice_(std::move(notice)),
      settings_(resolve_settings(line.settings, env, cwd, "dotenv-cloud")) {
  if (line.verbose > 0) {
    for (const std::string& text : describe_settings(settings_)) notice_(text);
    // describe_settings names the API URL only for a project (the launcher's case).
    if (!settings_.from_cloud()) notice_(fmt::format("api url = {} (from {})", settings_.api_url.value, settings_.api_url.source));
  }
}

Session::~Session() = default;

ApiClient& Session::client() {
  if (client_) return *client_;
  // Registration point: the stored login (cloud/login) is the fallback when no explicit
  // token (flag, environment, credential) is given; an explicit token always wins.
  read_credentials(settings_, line_.settings, env_, mem_);
  if (line_.verbose > 0 && settings_.token) notice_(fmt::format("token from {}", settings_.token->source));
  http_ = std::make_unique<CurlHttpClient>();
  client_ = std::make_unique<ApiClient>(connection_of(settings_, mem_), *http_, system_retry_environment(), notice_);
  return *client_;
}

std::string Session::org() const {
  if (!settings_.org) throw Error(kExitConfig, "no organization: set --org or DOTENV_CLOUD_ORG");
  check_organization_id(settings_.org->value);
  return canonical_ulid(settings_.org->value);
}

std::string Session::project() const {
  if (!settings_.project) throw Error(kExitConfig, "no project: set --project or DOTENV_CLOUD_PROJECT");
  check_slug("project", settings_.project->value);
  return settings_.project->value;
}

std::string Session::target() const {
  if (!settings_.target) throw Error(kExitConfig, "no target: set --target or DOTENV_CLOUD_TARGET");
  check_slug("target", settings_.target->value);
  return settings_.target->value;
}

}  // namespace dotenv_run
