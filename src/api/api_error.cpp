// What the API's failures mean for the user: one sanitised line and the exit code, never a body.
#include "api/api_error.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/json.hpp"

namespace dotenv_run {

namespace {

std::string size_text(std::size_t bytes) {
  constexpr std::size_t kMiB = std::size_t{1} << 20;
  return bytes % kMiB == 0 ? fmt::format("{} MiB", bytes / kMiB) : fmt::format("{} bytes", bytes);
}

// The name of the first field error ("errors": {"<field>": [...]}), never its texts.
std::string first_field_name(const rapidjson::Value& doc, std::string_view token) {
  const auto errors = doc.FindMember("errors");
  if (errors == doc.MemberEnd() || !errors->value.IsObject() || errors->value.MemberCount() == 0) return {};
  const rapidjson::Value& name = errors->value.MemberBegin()->name;
  return sanitized_without(std::string_view(name.GetString(), name.GetStringLength()), token);
}

}  // namespace

ErrorFields error_fields(const HttpResponse& response, std::string_view token) {
  ErrorFields fields;
  fields.request_id = sanitized_without(response.request_id, token);
  // An error answer is a few fields; a big one is not worth copying on every retry.
  if (response.body.size() > 64 * 1024) return fields;
  // Parsed from a copy in secret memory: an error body could still echo something secret.
  SecretString copy(response.body, response.body.get_allocator());
  rapidjson::Document doc;
  if (parse_json_in_place(copy.data(), copy.size(), doc) || !doc.IsObject()) {
    wipe(copy.data(), copy.size());
    return fields;
  }
  auto text = [&](const char* name) {
    const auto it = doc.FindMember(name);
    return it != doc.MemberEnd() && it->value.IsString()
               ? sanitized_without(std::string_view(it->value.GetString(), it->value.GetStringLength()), token)
               : std::string();
  };
  fields.error = text("error");
  fields.message = text("message");
  fields.required_ability = text("required_ability");
  fields.first_field = first_field_name(doc, token);
  wipe(copy.data(), copy.size());
  return fields;
}

std::string describe_status(const HttpResponse& response, const ErrorFields& fields) {
  std::string out = std::to_string(response.status);
  if (!fields.error.empty()) out += " " + fields.error;
  if (!fields.message.empty()) out += ": " + fields.message;
  if (!fields.first_field.empty()) out += " (field " + fields.first_field + ")";
  if (!fields.request_id.empty()) out += "; request id " + fields.request_id;
  return out;
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
      return Error(kExitConfig, settings.ca_file.empty() ? "cannot use the system's CA certificates: " + detail
                                                         : fmt::format("cannot use the CA file {}: {}",
                                                                       sanitized(settings.ca_file), detail));
    case TransportError::kTooLarge:
      return Error(kExitUnavailable, "the API's answer is larger than " + size_text(settings.max_answer_bytes));
    case TransportError::kRefused: return Error(kExitConfig, "libcurl refused the API URL: " + detail);
    case TransportError::kBadAnswer: return Error(kExitUnavailable, "the API's answer is not HTTP: " + detail);
    case TransportError::kProxySyntax:
      return Error(kExitConfig,
                   "the proxy URL (https_proxy, HTTPS_PROXY, all_proxy or ALL_PROXY) is not a valid URL; a password "
                   "holding '/', '@' or a space must be percent-encoded");
    default: return Error(kExitUnavailable, "the request to the API failed: " + detail);
  }
}

namespace {

// The 404 of a resolve: the level the server's message talks about first, else the whole path.
Error resolve_not_found(const ResolveQuery& query, const ErrorFields& fields, const std::string& detail) {
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
    return Error(kExitConfig,
                 fmt::format("project {} was not found in organization {} ({})", query.project, query.org, detail));
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

Error refused_token(const ApiSettings& settings, const ErrorFields& fields, std::string_view subject,
                    const std::string& detail) {
  if (!fields.required_ability.empty())
    return Error(kExitAuth, fmt::format("the token from {} lacks {} for {} ({})", settings.token_source,
                                        fields.required_ability, subject, detail));
  return Error(kExitAuth, fmt::format("the API refused access to {} for the token from {} ({})", subject,
                                      settings.token_source, detail));
}

Error redirect_error(long status) {
  return Error(kExitConfig, fmt::format("the API answered with a redirect ({}); redirects are never followed", status));
}

}  // namespace

Error api_error(const HttpResponse& response, const ApiSettings& settings, std::string_view subject) {
  const long status = response.status;
  if (status >= 300 && status < 400) return redirect_error(status);
  const ErrorFields fields = error_fields(response, settings.token);
  const std::string detail = describe_status(response, fields);
  if (status == 401)
    return Error(kExitAuth, fmt::format("the API refused the token from {} ({})", settings.token_source, detail));
  if (status == 403) return refused_token(settings, fields, subject, detail);
  if (status == 404) return Error(kExitConfig, fmt::format("{} was not found ({})", subject, detail));
  if (status == 409 && fields.error == "version_conflict")
    return Error(kExitTempFail,
                 fmt::format("{} changed since it was read; the write was not applied ({})", subject, detail));
  if (status == 409 || status == 422)
    return Error(kExitDataError, fmt::format("the API refused the request for {} ({})", subject, detail));
  if (status >= 400 && status < 500) return Error(kExitConfig, "the API answered " + detail);
  return Error(kExitUnavailable, "the API answered " + detail);
}

Error status_error(const HttpResponse& response, const ApiSettings& settings, const ResolveQuery& query) {
  const long status = response.status;
  if (status >= 300 && status < 400) return redirect_error(status);
  const ErrorFields fields = error_fields(response, settings.token);
  const std::string detail = describe_status(response, fields);
  if (status == 404) return resolve_not_found(query, fields, detail);
  if (status == 401 || status == 403) return api_error(response, settings, "project " + query.project);
  if (status >= 400 && status < 500) return Error(kExitConfig, "the API answered " + detail);
  return Error(kExitUnavailable, fmt::format("the API answered {}, not 200", detail));
}

}  // namespace dotenv_run
