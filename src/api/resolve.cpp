// The resolve request: inputs checked before any connection, retries within a deadline, exact failure lines.
#include "api/resolve.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <memory>

#include "api/api_error.hpp"
#include "core/base64.hpp"

namespace dotenv_run {

namespace {

bool is_crockford(char c) {
  c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z' && c != 'I' && c != 'L' && c != 'O' && c != 'U');
}

std::string escaped(std::string_view text) {
  std::unique_ptr<char, void (*)(void*)> out(curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size())),
                                             curl_free);
  if (!out) throw std::bad_alloc();
  return out.get();
}

}  // namespace

std::string checked_api_url(std::string_view url) {
  std::unique_ptr<CURLU, void (*)(CURLU*)> parsed(curl_url(), curl_url_cleanup);
  if (!parsed) throw std::bad_alloc();
  const std::string text(url);
  if (curl_url_set(parsed.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK)
    throw Error(kExitConfig, "the API URL is not a valid URL (expected https://host[:port][/path])");
  auto part = [&](CURLUPart which) -> std::string {
    char* value = nullptr;
    if (curl_url_get(parsed.get(), which, &value, 0) != CURLUE_OK || value == nullptr) return {};
    std::string out(value);
    curl_free(value);
    return out;
  };
  if (part(CURLUPART_SCHEME) != "https") throw Error(kExitConfig, "the API URL must use https://");
  if (!part(CURLUPART_USER).empty() || !part(CURLUPART_PASSWORD).empty())
    throw Error(kExitConfig, "the API URL must not contain a user name or password");
  if (!part(CURLUPART_QUERY).empty() || !part(CURLUPART_FRAGMENT).empty() ||
      text.find_first_of("?#") != std::string::npos)
    throw Error(kExitConfig, "the API URL must not contain a query or fragment");
  std::string base = text;
  if (base.ends_with('/')) base.pop_back();
  return base;
}

void check_organization_id(std::string_view org) {
  const bool ulid = org.size() == 26 && std::all_of(org.begin(), org.end(), is_crockford) && org.front() >= '0' &&
                    org.front() <= '7';
  if (!ulid)
    throw Error(kExitConfig, fmt::format("the organization \"{}\" is not a ULID (26 characters of Crockford base32)",
                                         sanitized(org)));
}

void check_slug(std::string_view what, std::string_view slug) {
  static constexpr std::array<std::string_view, 7> kReserved{"projects", "targets", "environments", "secrets",
                                                             "key",      "versions", "resolve"};
  const bool shape_ok = !slug.empty() && slug.size() <= 64 &&
                        std::all_of(slug.begin(), slug.end(), [](char c) {
                          return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
                        }) &&
                        slug.front() != '_' && slug.front() != '-';
  if (!shape_ok)
    throw Error(kExitConfig, fmt::format("the {} \"{}\" is not a valid slug (a lowercase letter or digit, then up to 63 "
                                         "lowercase letters, digits, '_' or '-')",
                                         what, sanitized(slug)));
  if (std::find(kReserved.begin(), kReserved.end(), slug) != kReserved.end())
    throw Error(kExitConfig, fmt::format("the {} \"{}\" is a reserved word, not a slug", what, slug));
}

void check_query(const ResolveQuery& query) {
  check_organization_id(query.org);
  check_slug("project", query.project);
  if (query.target) check_slug("target", *query.target);
  if (query.environment) {
    if (!query.target) throw Error(kExitConfig, "an environment needs a target");
    check_slug("environment", *query.environment);
  }
}

std::string joined_pins(const std::vector<std::string>& pins) {
  std::string out;
  for (const auto& pin : pins) {
    constexpr std::string_view kPrefix = "sha256//";
    std::array<unsigned char, 32> digest{};
    const std::optional<std::size_t> length =
        pin.starts_with(kPrefix) ? base64_decode_into(std::string_view(pin).substr(kPrefix.size()), digest)
                                 : std::nullopt;
    if (length != digest.size())
      throw Error(kExitConfig, fmt::format("the pin \"{}\" is not sha256// followed by the base64 of 32 bytes",
                                           sanitized(pin)));
    if (!out.empty()) out += ';';
    out += pin;
  }
  return out;
}

std::string resolve_url(std::string_view base, const ResolveQuery& query) {
  std::string url = fmt::format("{}/api/v1/{}/secrets/resolve?project={}", base, escaped(query.org), escaped(query.project));
  if (query.target) url += "&target=" + escaped(*query.target);
  if (query.environment) url += "&environment=" + escaped(*query.environment);
  url += "&merge=1&include=key";
  return url;
}

ResolveAnswer resolve_with(const ApiSettings& settings, const ResolveQuery& query,
                           std::pmr::memory_resource* secret_mem, const Notice& notice, HttpClient& client,
                           const RetryEnvironment& env, const BackoffPolicy& policy) {
  // Everything that can be refused is refused before the first byte goes out.
  HttpRequest request;
  const std::string base = checked_api_url(settings.api_url);
  check_query(query);
  request.url = resolve_url(base, query);
  request.pinned_public_keys = joined_pins(settings.pins);
  request.bearer_token = settings.token;
  request.ca_file = settings.ca_file;
  request.low_speed_time = settings.low_speed_time;
  request.max_body = settings.max_answer_bytes;
  request.user_agent = settings.user_agent;

  if (settings.splay > 0) env.sleep(settings.splay * env.uniform01());
  const double start = env.monotonic_now();
  const double deadline = start + settings.retry_timeout;
  unsigned told_to_wait = 0;  // answers in a row that carried a Retry-After
  for (unsigned attempt = 1;; ++attempt) {
    // No attempt may outlive the deadline.
    request.total_timeout = std::max(0.001, std::min(settings.request_timeout, deadline - env.monotonic_now()));
    request.connect_timeout = std::min(settings.connect_timeout, request.total_timeout);
    HttpResponse response = client.get(request, secret_mem);

    std::string last;
    std::optional<double> retry_after;
    if (response.error != TransportError::kNone) {
      if (!retryable(response.error)) throw transport_error(response, settings);
      last = "error: " + transport_text(response);
    } else if (response.status == 200) {
      return parse_resolve_answer(std::move(response.body), query);
    } else if (response.status == 429 || (response.status >= 500 && response.status < 600)) {
      last = "answer " + describe_status(response, error_fields(response));
      if (!response.retry_after.empty()) retry_after = parse_retry_after(response.retry_after, env.wall_now());
    } else {
      throw status_error(response, settings, query);
    }

    told_to_wait = retry_after ? told_to_wait + 1 : 0;
    const double now = env.monotonic_now();
    const auto wait = plan_wait(policy, attempt - 1, retry_after, told_to_wait, deadline - now, env.uniform01());
    if (!wait)
      throw Error(kExitUnavailable, fmt::format("gave up after {} attempt{} in {:.1f} s: last {}", attempt,
                                                attempt == 1 ? "" : "s", now - start, last));
    const std::string what = response.error == TransportError::kNone
                                 ? fmt::format("API answered {}", response.status)
                                 : transport_text(response);
    if (notice) notice(fmt::format("{}; retrying in {:.1f} s (attempt {})", what, *wait, attempt + 1));
    env.sleep(*wait);
  }
}

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
  if (settings.splay) api.splay = *settings.splay;
  api.user_agent = settings.user_agent;
  return api;
}

ResolveQuery query_of(const Settings& settings) {
  ResolveQuery q;
  if (settings.org) q.org = settings.org->value;
  if (settings.project) q.project = settings.project->value;
  if (settings.target) q.target = settings.target->value;
  if (settings.environment) q.environment = settings.environment->value;
  return q;
}

}  // namespace

ResolveAnswer resolve(const Settings& settings, std::pmr::memory_resource* secret_mem, const Notice& notice) {
  return resolve(connection_of(settings, secret_mem), query_of(settings), secret_mem, notice);
}

ResolveAnswer resolve(const ApiSettings& settings, const ResolveQuery& query, std::pmr::memory_resource* secret_mem,
                      const Notice& notice) {
  CurlHttpClient client;
  return resolve_with(settings, query, secret_mem, notice, client, system_retry_environment());
}

}  // namespace dotenv_run
