// The token endpoint's forms and answers, and when a stored login counts as expired.
#include "api/oauth.hpp"

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <algorithm>

#include "api/url.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/text.hpp"

namespace dotenv_run {

namespace {

constexpr std::int64_t kMaxLifetimeSeconds = std::int64_t{10} * 366 * 24 * 3600;

SecretString form(std::initializer_list<std::pair<std::string_view, std::string_view>> fields,
                  std::pmr::memory_resource* mem) {
  std::size_t size = 0;
  for (const auto& [name, value] : fields) size += name.size() + 3 * value.size() + 2;
  SecretString out(mem);
  out.reserve(std::max<std::size_t>(size, 32));  // one allocation: no stray copy of a value
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    append_url_escaped(out, value);
  }
  return out;
}

}  // namespace

std::pair<std::string, std::string> oauth_error_fields(const SecretString& body, std::string_view secret) {
  if (body.empty() || body.size() > 64 * 1024) return {};
  SecretString copy(body, body.get_allocator());
  rapidjson::Document doc;
  std::pair<std::string, std::string> out;
  if (!parse_json_in_place(copy.data(), copy.size(), doc) && doc.IsObject()) {
    auto text = [&](const char* name) {
      const auto it = doc.FindMember(name);
      return it != doc.MemberEnd() && it->value.IsString()
                 ? sanitized_without(std::string_view(it->value.GetString(), it->value.GetStringLength()), secret)
                 : std::string();
    };
    out = {text("error"), text("error_description")};
    if (out.second.empty()) out.second = text("message");
  }
  wipe(copy.data(), copy.size());
  return out;
}

SecretString authorization_code_form(std::string_view code, std::string_view verifier, std::string_view redirect_uri,
                                     std::pmr::memory_resource* mem) {
  return form({{"grant_type", "authorization_code"},
               {"code", code},
               {"client_id", kOAuthClientId},
               {"code_verifier", verifier},
               {"redirect_uri", redirect_uri}},
              mem);
}

SecretString refresh_token_form(std::string_view refresh_token, std::pmr::memory_resource* mem) {
  return form({{"grant_type", "refresh_token"}, {"refresh_token", refresh_token}, {"client_id", kOAuthClientId}}, mem);
}

StoredLogin parse_token_answer(SecretString& body, std::time_t now, std::pmr::memory_resource* mem) {
  auto malformed = [](std::string_view why) {
    return Error(kExitUnavailable, fmt::format("the OAuth token endpoint sent a malformed answer ({})", why));
  };
  rapidjson::Document doc;
  if (auto problem = parse_json_in_place(body.data(), body.size(), doc)) {
    wipe(body.data(), body.size());
    throw malformed(fmt::format("not JSON: {}", *problem));
  }
  StoredLogin login(mem);
  try {
    if (!doc.IsObject()) throw malformed("not a JSON object");
    auto token = [&](const char* name, SecretString& out) {
      const auto it = doc.FindMember(name);
      if (it == doc.MemberEnd() || !it->value.IsString()) throw malformed(fmt::format("no \"{}\"", name));
      const std::string_view value(it->value.GetString(), it->value.GetStringLength());
      if (!is_token_text(value)) throw malformed(fmt::format("\"{}\" is not a token", name));
      out = secret_copy(value, mem);
    };
    token("access_token", login.access_token);
    token("refresh_token", login.refresh_token);
    const auto type = doc.FindMember("token_type");
    if (type == doc.MemberEnd() || !type->value.IsString()) throw malformed("no \"token_type\"");
    std::string type_text(type->value.GetString(), type->value.GetStringLength());
    std::transform(type_text.begin(), type_text.end(), type_text.begin(), [](char c) { return std::tolower(c); });
    if (type_text != "bearer") throw malformed("\"token_type\" is not Bearer");
    const auto expires = doc.FindMember("expires_in");
    if (expires == doc.MemberEnd() || !expires->value.IsInt64() || expires->value.GetInt64() <= 0 ||
        expires->value.GetInt64() > kMaxLifetimeSeconds) {
      throw malformed("\"expires_in\" is not a positive number of seconds");
    }
    login.expires_at = static_cast<std::int64_t>(now) + expires->value.GetInt64();
  } catch (...) {
    wipe(body.data(), body.size());
    throw;
  }
  wipe(body.data(), body.size());
  return login;
}

bool is_token_expired_answer(long status, const SecretString& body) {
  return status == 401 && oauth_error_fields(body).first == "token_expired";
}

bool stored_login_expired(const Settings& settings, std::time_t now) {
  return settings.login && settings.login->expires_at != 0 &&
         static_cast<std::int64_t>(now) >= settings.login->expires_at - kRefreshMarginSeconds;
}

}  // namespace dotenv_run
