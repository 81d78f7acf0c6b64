// Spending a code or a refresh token at the token endpoint; the refresh of an expired stored login.
#include "api/login_refresh.hpp"

#include <fmt/format.h>

#include "api/resolve.hpp"
#include "core/error.hpp"
#include "core/text.hpp"

namespace dotenv_run {

namespace {

// The refresh token or authorization code a token request carries: its value in the form.
std::string_view form_secret(std::string_view form) {
  for (std::string_view key : {"refresh_token=", "code="}) {
    for (std::size_t at = form.find(key); at != std::string_view::npos; at = form.find(key, at + 1)) {
      if (at != 0 && form[at - 1] != '&') continue;
      const std::string_view rest = form.substr(at + key.size());
      return rest.substr(0, rest.find('&'));
    }
  }
  return {};
}

std::string describe_oauth_status(const ApiResponse& response, std::string_view form_body) {
  const auto [error, description] = oauth_error_fields(response.body, form_secret(form_body));
  std::string out = std::to_string(response.status);
  if (!error.empty()) out += " " + error;
  if (!description.empty()) out += ": " + description;
  if (!response.request_id.empty())
    out += "; request id " + sanitized_without(response.request_id, form_secret(form_body));
  return out;
}

}  // namespace

StoredLogin request_tokens(ApiClient& client, std::string_view form_body, std::string_view what, std::time_t now,
                           std::pmr::memory_resource* mem) {
  ApiRequest request;
  request.method = Method::kPost;
  request.path = std::string(kOAuthTokenPath);
  request.form_body = form_body;
  request.authenticated = false;
  request.subject.what = "the OAuth token endpoint";
  ApiResponse response = client.send_raw(request, mem);
  if (response.status == 200) return parse_token_answer(response.body, now, mem);
  const std::string detail = describe_oauth_status(response, form_body);
  if (response.status == 400 || response.status == 401) {
    throw Error(kExitAuth, fmt::format("{} was refused ({}); run dotenv-cloud login", what, detail));
  }
  if (response.status >= 500)
    throw Error(kExitUnavailable, fmt::format("the OAuth token endpoint answered {}", detail));
  throw Error(kExitConfig, fmt::format("the OAuth token endpoint answered {}", detail));
}

void refresh_login(Settings& settings, HttpClient& http, const RetryEnvironment& environment, const Notice& notice,
                   std::time_t now, std::pmr::memory_resource* mem) {
  if (!settings.login || !settings.token) throw Error(kExitSoftware, "a refresh without a stored login");
  const std::string& file = settings.login->file;
  const std::string url = login_key(settings.api_url.value);
  CredentialStore store{std::filesystem::path(file)};
  CredentialStore::Transaction transaction(store, false, mem);
  const StoredLogin* stored = transaction.find(url);
  if (stored == nullptr) {
    throw Error(kExitAuth,
                fmt::format("the stored login for {} is no longer in {}; run dotenv-cloud login", url, file));
  }
  const bool refreshed_elsewhere =
      stored->access_token != settings.token->value &&
      (stored->expires_at == 0 || static_cast<std::int64_t>(now) < stored->expires_at - kRefreshMarginSeconds);
  if (refreshed_elsewhere) {
    settings.token->value = secret_copy(stored->access_token, mem);
    settings.login->expires_at = stored->expires_at;
    return;
  }
  ApiClient client(connection_of(settings, mem), http, environment, notice);
  StoredLogin fresh = request_tokens(client, refresh_token_form(stored->refresh_token, mem),
                                     fmt::format("the refresh of the stored login for {}", url), now, mem);
  fresh.user = stored->user;
  // The old refresh token is spent: the new pair is on disk before the new token is used.
  transaction.put(url, fresh);
  transaction.commit();
  settings.token->value = secret_copy(fresh.access_token, mem);
  settings.login->expires_at = fresh.expires_at;
}

HttpResponse LoginRefreshingHttp::perform(const HttpRequest& request, std::pmr::memory_resource* body_memory) {
  HttpRequest sent = request;
  if (refreshed_ && !request.bearer_token.empty()) sent.bearer_token = settings_.token->value;
  HttpResponse response = inner_.perform(sent, body_memory);
  if (refreshed_ || request.bearer_token.empty() || !settings_.login || !settings_.token ||
      response.error != TransportError::kNone || !is_token_expired_answer(response.status, response.body)) {
    return response;
  }
  refreshed_ = true;
  refresh_login(settings_, inner_, environment_, notice_, environment_.wall_now(), mem_);
  sent.bearer_token = settings_.token->value;
  return inner_.perform(sent, body_memory);
}

bool refresh_login_if_expired(Settings& settings, const Notice& notice, std::pmr::memory_resource* mem) {
  if (!stored_login_expired(settings, std::time(nullptr))) return false;
  CurlHttpClient http;
  refresh_login(settings, http, system_retry_environment(), notice, std::time(nullptr), mem);
  return true;
}

}  // namespace dotenv_run
