// The resolve request: inputs checked before any connection, retries within a deadline, exact failure lines.
#include "api.hpp"

#include <curl/curl.h>
#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <memory>

#include "json.hpp"

namespace dotenv_run {

namespace {

bool is_crockford(char c) {
  c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z' && c != 'I' && c != 'L' && c != 'O' && c != 'U');
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

std::string escaped(std::string_view text) {
  std::unique_ptr<char, void (*)(void*)> out(curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size())),
                                             curl_free);
  if (!out) throw std::bad_alloc();
  return out.get();
}

// The fields of an error answer that may be printed (API.md section 2).
struct ErrorFields {
  std::string error, message, required_ability;
};

ErrorFields error_fields(const HttpResponse& response) {
  ErrorFields fields;
  // Parsed from a copy in secret memory: an error body could still echo something secret.
  SecretString copy(response.body, response.body.get_allocator());
  rapidjson::Document doc;
  if (parse_json_in_place(copy.data(), copy.size(), doc) || !doc.IsObject()) return fields;
  auto text = [&](const char* name) {
    const auto it = doc.FindMember(name);
    return it != doc.MemberEnd() && it->value.IsString()
               ? sanitized(std::string_view(it->value.GetString(), it->value.GetStringLength()))
               : std::string();
  };
  fields.error = text("error");
  fields.message = text("message");
  fields.required_ability = text("required_ability");
  wipe(copy.data(), copy.size());
  return fields;
}

// "401 token_expired: the token has expired; request id abc"
std::string describe_status(const HttpResponse& response, const ErrorFields& fields) {
  std::string out = std::to_string(response.status);
  if (!fields.error.empty()) out += " " + fields.error;
  if (!fields.message.empty()) out += ": " + fields.message;
  if (!response.request_id.empty()) out += "; request id " + sanitized(response.request_id);
  return out;
}

std::string size_text(std::size_t bytes) {
  constexpr std::size_t kMiB = std::size_t{1} << 20;
  return bytes % kMiB == 0 ? fmt::format("{} MiB", bytes / kMiB) : fmt::format("{} bytes", bytes);
}

bool retryable(TransportError e) {
  return e == TransportError::kResolve || e == TransportError::kConnect || e == TransportError::kTimeout ||
         e == TransportError::kReceive || e == TransportError::kTlsHandshake;
}

std::string transport_text(const HttpResponse& r) {
  const char* what = "the request failed";
  switch (r.error) {
    case TransportError::kResolve: what = "could not resolve the API's host name"; break;
    case TransportError::kConnect: what = "could not connect to the API"; break;
    case TransportError::kTimeout: what = "the request timed out"; break;
    case TransportError::kReceive: what = "the connection broke off"; break;
    case TransportError::kTlsHandshake: what = "the TLS handshake failed"; break;
    default: break;
  }
  return fmt::format("{} ({})", what, sanitized(r.error_detail));
}

Error transport_error(const HttpResponse& r, const ApiSettings& settings) {
  const std::string detail = sanitized(r.error_detail);
  switch (r.error) {
    case TransportError::kTlsVerify:
      return Error(kExitUnavailable, "cannot verify the API's TLS certificate: " + detail);
    case TransportError::kPinMismatch:
      return Error(kExitUnavailable, "the API's public key matches none of the pins: " + detail);
    case TransportError::kCaFile:
      return Error(kExitConfig, settings.ca_file.empty()
                                    ? "cannot use the system's CA certificates: " + detail
                                    : fmt::format("cannot use the CA file {}: {}", sanitized(settings.ca_file), detail));
    case TransportError::kTooLarge:
      return Error(kExitUnavailable, "the API's answer is larger than " + size_text(settings.max_answer_bytes));
    case TransportError::kRefused: return Error(kExitConfig, "libcurl refused the API URL: " + detail);
    default: return Error(kExitUnavailable, "the request to the API failed: " + detail);
  }
}

}  // namespace

std::string sanitized(std::string_view text) {
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7f) out += c;
  }
  if (out.size() > 200) {
    std::size_t cut = 200;
    // Do not leave half a UTF-8 sequence at the end.
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
  }
  return out;
}

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

void check_query(const ResolveQuery& query) {
  const bool ulid = query.org.size() == 26 && std::all_of(query.org.begin(), query.org.end(), is_crockford) &&
                    query.org.front() >= '0' && query.org.front() <= '7';
  if (!ulid)
    throw Error(kExitConfig, fmt::format("the organization \"{}\" is not a ULID (26 characters of Crockford base32)",
                                         sanitized(query.org)));
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
    std::size_t length = 0;
    const std::string_view b64 = std::string_view(pin).substr(std::min(pin.size(), kPrefix.size()));
    const bool ok = pin.starts_with(kPrefix) &&
                    sodium_base642bin(digest.data(), digest.size(), b64.data(), b64.size(), nullptr, &length, nullptr,
                                      sodium_base64_VARIANT_ORIGINAL) == 0 &&
                    length == digest.size();
    if (!ok)
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

Error status_error(const HttpResponse& response, const ApiSettings& settings, const ResolveQuery& query) {
  const long status = response.status;
  if (status >= 300 && status < 400)
    return Error(kExitConfig,
                 fmt::format("the API answered with a redirect ({}); redirects are never followed", status));
  const ErrorFields fields = error_fields(response);
  const std::string detail = describe_status(response, fields);
  if (status == 401)
    return Error(kExitAuth, fmt::format("the API refused the token from {} ({})", settings.token_source, detail));
  if (status == 403) {
    if (!fields.required_ability.empty())
      return Error(kExitAuth, fmt::format("the token from {} lacks {} for project {} ({})", settings.token_source,
                                          fields.required_ability, query.project, detail));
    return Error(kExitAuth, fmt::format("the API refused access to project {} for the token from {} ({})",
                                        query.project, settings.token_source, detail));
  }
  if (status == 404) {
    // Name the level the server's message talks about first; else the whole path.
    std::string lower = fields.message;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) { return std::tolower(c); });
    std::string_view which;
    std::size_t first = std::string::npos;
    for (std::string_view word : {"organization", "project", "target", "environment"}) {
      const auto at = lower.find(word);
      if (at < first) first = at, which = word;
    }
    if (which == "organization")
      return Error(kExitConfig, fmt::format("organization {} was not found ({})", query.org, detail));
    if (which == "project")
      return Error(kExitConfig, fmt::format("project {} was not found in organization {} ({})", query.project,
                                            query.org, detail));
    if (which == "target" && query.target)
      return Error(kExitConfig,
                   fmt::format("target {} was not found in project {} ({})", *query.target, query.project, detail));
    if (which == "environment" && query.environment)
      return Error(kExitConfig, fmt::format("environment {} was not found in {}/{} ({})", *query.environment,
                                            query.project, *query.target, detail));
    std::string path = fmt::format("org {}/{}", query.org, query.project);
    if (query.target) path += "/" + *query.target;
    if (query.environment) path += "/" + *query.environment;
    return Error(kExitConfig, fmt::format("{} was not found ({})", path, detail));
  }
  if (status >= 400 && status < 500) return Error(kExitConfig, "the API answered " + detail);
  return Error(kExitUnavailable, fmt::format("the API answered {}, not 200", detail));
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

  if (settings.splay > 0) env.sleep(settings.splay * env.uniform01());
  const double start = env.monotonic_now();
  const double deadline = start + settings.retry_timeout;
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

    const double now = env.monotonic_now();
    const auto wait = plan_wait(policy, attempt - 1, retry_after, deadline - now, env.uniform01());
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

ResolveAnswer resolve(const ApiSettings& settings, const ResolveQuery& query, std::pmr::memory_resource* secret_mem,
                      const Notice& notice) {
  CurlHttpClient client;
  return resolve_with(settings, query, secret_mem, notice, client, system_retry_environment());
}

}  // namespace dotenv_run
