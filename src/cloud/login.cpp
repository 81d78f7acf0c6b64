// The login flow: PKCE, the loopback listener, the code exchange, the stored login; and logout.
#include "cloud/login.hpp"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <optional>

#include <fmt/format.h>
#include <rapidjson/document.h>

#include "api/credentials.hpp"
#include "api/login_refresh.hpp"
#include "api/resolve.hpp"
#include "api/url.hpp"
#include "cloud/browser.hpp"
#include "cloud/loopback.hpp"
#include "cloud/pkce.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/text.hpp"

namespace dotenv_run {

namespace {

std::string authorize_url(std::string_view base, std::string_view redirect_uri, std::string_view challenge,
                          std::string_view state) {
  return fmt::format(
      "{}/oauth/authorize?response_type=code&client_id={}&redirect_uri={}&code_challenge={}"
      "&code_challenge_method=S256&state={}",
      base, url_escaped(kOAuthClientId), url_escaped(redirect_uri), challenge, state);
}

std::string string_field(const rapidjson::Value& object, const char* name) {
  const auto it = object.FindMember(name);
  return it != object.MemberEnd() && it->value.IsString()
             ? sanitized(std::string_view(it->value.GetString(), it->value.GetStringLength()))
             : std::string();
}

}  // namespace

LoginOptions login_options(bool no_browser, const Lookup& env) {
  LoginOptions options;
  options.open_browser = !no_browser;
  if (auto v = env.find(kLoginTimeoutVariable); v && !v->empty()) {
    double seconds = 0;
    const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), seconds);
    if (ec != std::errc() || end != v->data() + v->size() || !(seconds > 0) || seconds > 3600) {
      throw Error(kExitUsage, fmt::format("{} must be a number of seconds up to 3600", kLoginTimeoutVariable));
    }
    options.timeout_seconds = seconds;
  }
  return options;
}

std::string principal_line(SecretString& body) {
  rapidjson::Document doc;
  const auto problem = parse_json_in_place(body.data(), body.size(), doc);
  std::string line;
  const bool shaped = !problem && doc.IsObject() && doc.HasMember("data") && doc["data"].IsObject();
  if (shaped) {
    const rapidjson::Value& me = doc["data"];
    const std::string type = string_field(me, "type");
    if (type == "user") {
      line = string_field(me, "name");
      if (const std::string email = string_field(me, "email"); !email.empty()) {
        line += line.empty() ? email : fmt::format(" <{}>", email);
      }
      std::string orgs;
      if (const auto it = me.FindMember("organizations"); it != me.MemberEnd() && it->value.IsArray()) {
        for (const auto& org : it->value.GetArray()) {
          if (!org.IsObject()) continue;
          if (!orgs.empty()) orgs += ", ";
          orgs += string_field(org, "name");
          if (const std::string role = string_field(org, "role"); !role.empty()) orgs += fmt::format(" ({})", role);
        }
      }
      line += orgs.empty() ? " (no organization)" : fmt::format(" (organizations: {})", orgs);
    } else if (type == "organization_token") {
      std::string org;
      if (const auto it = me.FindMember("organization"); it != me.MemberEnd() && it->value.IsObject()) {
        org = string_field(it->value, "name");
      }
      line = fmt::format("token {} of organization {}", string_field(me, "name"), org);
    }
  }
  wipe(body.data(), body.size());
  if (line.empty()) throw Error(kExitUnavailable, "GET /me sent an answer of an unknown shape");
  return line;
}

void login(const Settings& settings, const LoginOptions& options, const Lookup& env, char* const* environ,
           std::pmr::memory_resource* mem, const Say& say) {
  const std::string base = checked_api_url(settings.api_url.value);
  const auto file = credentials_path(env);
  if (!file) throw Error(kExitConfig, "cannot store a login: neither XDG_CONFIG_HOME nor HOME is set");
  const CredentialStore store(*file);
  // Refuse a directory or file that cannot hold the login before the user goes to the browser.
  { CredentialStore::Transaction check(store, true, mem); }

  const SecretString verifier = pkce_verifier(mem);
  const std::string state = random_state();
  LoopbackListener listener;
  const std::string redirect_uri = listener.redirect_uri();
  const std::string url = authorize_url(base, redirect_uri, pkce_challenge(verifier), state);

  say(fmt::format("to log in to {}, open this URL in a browser:", base));
  std::fprintf(stderr, "%s\n", url.c_str());
  if (options.open_browser && has_display(env)) open_in_browser(url, environ);
  say(fmt::format("waiting for the browser on {} (up to {})", redirect_uri, duration_text(options.timeout_seconds)));

  Callback callback = listener.wait(state, options.timeout_seconds, mem, say);
  if (!callback.error.empty()) {
    throw Error(kExitAuth, fmt::format("the login was refused ({}{}{})", callback.error,
                                       callback.error_description.empty() ? "" : ": ", callback.error_description));
  }

  // Each client gets its settings as a new value: a copied ApiSettings would put the token
  // on the ordinary heap.
  CurlHttpClient http;
  auto connection = [&](std::string_view token) {
    ApiSettings api = connection_of(settings, mem);
    api.token = secret_copy(token, mem);
    api.token_source = "the new login";
    return api;
  };
  StoredLogin login(mem);
  {
    ApiClient client(connection(""), http, system_retry_environment(), say);
    login = request_tokens(client, authorization_code_form(callback.code, verifier, redirect_uri, mem),
                           "the authorization code", std::time(nullptr), mem);
  }
  wipe(callback.code.data(), callback.code.size());

  // Who it is, asked with the new token; the login is stored even when this question fails.
  std::string who;
  std::optional<Error> me_failed;
  try {
    ApiClient client(connection(login.access_token), http, system_retry_environment(), say);
    ApiRequest request;
    request.path = "/api/v1/me";
    request.subject.what = "the new login";
    ApiResponse me = client.send(request, mem);
    who = principal_line(me.body);
    login.user = who.substr(0, who.find(" ("));
  } catch (const Error& e) {
    me_failed = e;
  }
  store.store(base, login, mem);
  if (me_failed) throw *me_failed;
  say(fmt::format("logged in to {} as {}; the login is stored in {}", base, who, file->string()));
}

void logout(const Settings& settings, const Lookup& env, std::pmr::memory_resource* mem, const Say& say) {
  const std::string base = login_key(settings.api_url.value);
  const auto file = credentials_path(env);
  if (!file) {
    say(fmt::format("no stored login for {} (neither XDG_CONFIG_HOME nor HOME is set)", base));
    return;
  }
  if (CredentialStore(*file).forget(base, mem)) {
    say(fmt::format("logged out of {}: its stored login was removed from {}", base, file->string()));
  } else {
    say(fmt::format("no stored login for {} in {}", base, file->string()));
  }
}

}  // namespace dotenv_run
