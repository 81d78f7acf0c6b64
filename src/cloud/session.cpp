// Settings, token and client of one command run.
#include "cloud/session.hpp"

#include <fmt/format.h>

#include "api/login_refresh.hpp"
#include "api/resolve.hpp"
#include "api/retry.hpp"
#include "core/error.hpp"

namespace dotenv_run {

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
    if (!settings_.from_cloud())
      notice_(fmt::format("api url = {} (from {})", settings_.api_url.value, settings_.api_url.source));
  }
}

Session::~Session() = default;

ApiClient& Session::client() {
  if (client_) return *client_;
  // The stored login (dotenv-cloud login) is the fallback when no explicit token (flag,
  // environment, credential) is given; an explicit token always wins.
  read_credentials(settings_, line_.settings, env_, mem_);
  if (line_.verbose > 0 && settings_.token) notice_(fmt::format("token from {}", settings_.token->source));
  // A stored login past its expiry is refreshed before the first request; one that the API
  // calls expired anyway is refreshed once by the transport (api/login_refresh.hpp).
  if (refresh_login_if_expired(settings_, notice_, mem_) && line_.verbose > 0) notice_("stored login refreshed");
  http_ = std::make_unique<CurlHttpClient>();
  HttpClient* transport = http_.get();
  if (settings_.login) {
    login_http_ = std::make_unique<LoginRefreshingHttp>(*http_, settings_, system_retry_environment(), notice_, mem_);
    transport = login_http_.get();
  }
  client_ =
      std::make_unique<ApiClient>(connection_of(settings_, mem_), *transport, system_retry_environment(), notice_);
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
