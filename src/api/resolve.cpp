// The resolve request: inputs checked before any connection, one GET with the client's retries, exact failure lines.
#include "api/resolve.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <memory>

#include "api/api_error.hpp"

namespace dotenv_run {

namespace {

bool is_crockford(char c) {
  c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z' && c != 'I' && c != 'L' && c != 'O' && c != 'U');
}

std::string resolve_path(const ResolveQuery& query) {
  std::string path = fmt::format("/api/v1/{}/secrets/resolve?project={}", url_escaped(canonical_ulid(query.org)),
                                 url_escaped(query.project));
  if (query.target) path += "&target=" + url_escaped(*query.target);
  if (query.environment) path += "&environment=" + url_escaped(*query.environment);
  path += "&merge=1&include=key";
  return path;
}

// An answer's own arena, for one resolve attempt of --watch (it holds a server-managed project's
// key, so it is secret memory): the answer keeps it, and it is wiped and unmapped with the answer.
// One chunk of the announced size, no headroom: every mapped byte counts against RLIMIT_MEMLOCK.
std::unique_ptr<SecretArena> answer_arena() { return std::make_unique<SecretArena>(16 * 1024, 1); }

// A 200 is parsed, and the answer takes `memory`; any other final answer is the resolve call's own
// error line. `memory` stays with the caller, to outlive the response, until the answer has both.
ResolveAnswer answer_of(ApiResponse response, std::unique_ptr<SecretArena>& memory, const ApiSettings& settings,
                        const ResolveQuery& query) {
  if (response.status == 200) return parse_resolve_answer(std::move(response.body), query, std::move(memory));
  HttpResponse final_answer(response.body.get_allocator().resource());
  final_answer.status = response.status;
  final_answer.body = std::move(response.body);
  final_answer.request_id = std::move(response.request_id);
  Error error = status_error(final_answer, settings, query);
  if (response.status == 401 || response.status == 403 || response.status == 404)
    throw ApiFailure(FailureKind::kAccessEnded, error);
  throw error;
}

}  // namespace

// A ULID is case-insensitive, but the API matches ids as it wrote them: in upper case.
std::string canonical_ulid(std::string_view id) {
  std::string out(id);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; });
  return out;
}

void check_organization_id(std::string_view org) {
  const bool ulid =
      org.size() == 26 && std::all_of(org.begin(), org.end(), is_crockford) && org.front() >= '0' && org.front() <= '7';
  if (!ulid)
    throw Error(kExitConfig, fmt::format("the organization \"{}\" is not a ULID (26 characters of Crockford base32)",
                                         sanitized(org)));
}

void check_slug(std::string_view what, std::string_view slug) {
  static constexpr std::array<std::string_view, 7> kReserved{"projects", "targets",  "environments", "secrets",
                                                             "key",      "versions", "resolve"};
  const bool shape_ok =
      !slug.empty() && slug.size() <= 64 &&
      std::all_of(slug.begin(), slug.end(),
                  [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'; }) &&
      slug.front() != '_' && slug.front() != '-';
  if (!shape_ok)
    throw Error(kExitConfig,
                fmt::format("the {} \"{}\" is not a valid slug (a lowercase letter or digit, then up to 63 "
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

std::string resolve_url(std::string_view base, const ResolveQuery& query) {
  return std::string(base) + resolve_path(query);
}

ApiRequest resolve_request(const ResolveQuery& query) {
  ApiRequest request;
  request.method = Method::kGet;
  request.path = resolve_path(query);
  request.subject.what = "project " + query.project;
  return request;
}

// The answer goes to the launch's arena, sized from Content-Length there: its blobs are opened
// over their own bytes (open_levels), so the plaintext the launch parses is the answer's memory.
ResolveAnswer resolve_with(const ApiSettings& settings, const ResolveQuery& query,
                           std::pmr::memory_resource* secret_mem, const Notice& notice, HttpClient& client,
                           const RetryEnvironment& env, const BackoffPolicy& policy) {
  // Everything that can be refused is refused before the first byte goes out.
  checked_api_url(settings.api_url);
  check_query(query);
  ApiClient api(settings, client, env, notice, policy);
  std::unique_ptr<SecretArena> none;
  return answer_of(api.send_raw(resolve_request(query), secret_mem), none, settings, query);
}

ApiSettings connection_of(const Settings& settings, std::pmr::memory_resource* mem) {
  ApiSettings api(mem);  // the token is copied into `mem`, never the default heap
  api.api_url = settings.api_url.value;
  if (settings.token) {
    api.token.assign(settings.token->value);
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

ResolveQuery resolve_query(const Settings& settings) {
  ResolveQuery q;
  if (settings.org) q.org = settings.org->value;
  if (settings.project) q.project = settings.project->value;
  if (settings.target) q.target = settings.target->value;
  if (settings.environment) q.environment = settings.environment->value;
  return q;
}

ResolveAnswer resolve(const Settings& settings, std::pmr::memory_resource* secret_mem, const Notice& notice) {
  return resolve(connection_of(settings, secret_mem), resolve_query(settings), secret_mem, notice);
}

std::variant<ResolveAnswer, ResolveFailure> resolve_once(const Settings& settings,
                                                         std::pmr::memory_resource* secret_mem, HttpClient& client) {
  const ApiSettings api_settings = connection_of(settings, secret_mem);
  const ResolveQuery query = resolve_query(settings);
  checked_api_url(api_settings.api_url);
  check_query(query);
  ApiClient api(api_settings, client, system_retry_environment(), Notice{});
  std::unique_ptr<SecretArena> memory = answer_arena();
  HttpResponse response = api.send_once(resolve_request(query), memory->resource());
  if (response.error != TransportError::kNone) {
    if (!retryable(response.error)) return ResolveFailure{transport_error(response, api_settings), false, {}};
    return ResolveFailure{Error(kExitUnavailable, transport_text(response)), true, {}};
  }
  if (response.status == 200) return parse_resolve_answer(std::move(response.body), query, std::move(memory));
  const bool again = response.status == 429 || (response.status >= 500 && response.status < 600);
  std::optional<double> retry_after;
  if (!response.retry_after.empty()) retry_after = parse_retry_after(response.retry_after, std::time(nullptr));
  return ResolveFailure{status_error(response, api_settings, query), again, retry_after};
}

ResolveAnswer resolve(const ApiSettings& settings, const ResolveQuery& query, std::pmr::memory_resource* secret_mem,
                      const Notice& notice) {
  CurlHttpClient client;
  return resolve_with(settings, query, secret_mem, notice, client, system_retry_environment());
}

}  // namespace dotenv_run
