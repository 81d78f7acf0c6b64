// Where each setting comes from, in order: flags, environment, credentials, project file, user config.
#include "api/settings.hpp"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "api/credentials.hpp"
#include "api/http.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/secret_file.hpp"
#include "core/text.hpp"
#include "core/trusted_file.hpp"

namespace dotenv_run {

namespace fs = std::filesystem;

FileSettings parse_settings_file(const std::string& body, const fs::path& path) {
  if (auto problem = prescan_json(body, JsonLimits{})) {
    throw Error(kExitConfig, fmt::format("{}: not valid JSON: {}", path.string(), *problem));
  }
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(body.c_str(), body.size());
  if (doc.HasParseError()) {
    throw Error(kExitConfig, fmt::format("{}: not valid JSON at byte {}: {}", path.string(), doc.GetErrorOffset(),
                                         rapidjson::GetParseError_En(doc.GetParseError())));
  }
  if (!doc.IsObject()) throw Error(kExitConfig, fmt::format("{}: must be a JSON object", path.string()));
  FileSettings out;
  out.path = path.string();
  for (auto& member : doc.GetObject()) {
    // Matched as written, printed only sanitised: it is the file's text (found by fuzz/fuzz_config).
    std::string name(member.name.GetString(), member.name.GetStringLength());
    std::optional<std::string>* field = nullptr;
    if (name == "org")
      field = &out.org;
    else if (name == "project")
      field = &out.project;
    else if (name == "target")
      field = &out.target;
    else if (name == "environment")
      field = &out.environment;
    else if (name == "api_url")
      field = &out.api_url;
    else if (name == "ca_file")
      field = &out.ca_file;
    else if (name == "token" || name == "key" || name.find("secret") != std::string::npos) {
      throw Error(kExitConfig, fmt::format("{}: \"{}\" must not be in this file: it never holds a secret; "
                                           "use DOTENV_CLOUD_TOKEN_FILE or a systemd credential",
                                           out.path, sanitized(name)));
    } else {
      throw Error(kExitConfig, fmt::format("{}: unknown setting \"{}\" (known: org, project, target, environment, "
                                           "api_url, ca_file)",
                                           out.path, sanitized(name)));
    }
    if (!member.value.IsString())
      throw Error(kExitConfig, fmt::format("{}: \"{}\" must be a string", out.path, sanitized(name)));
    *field = std::string(member.value.GetString(), member.value.GetStringLength());
  }
  // A relative CA file is relative to the file that names it, not to wherever the launch runs.
  if (out.ca_file && !out.ca_file->empty() && fs::path(*out.ca_file).is_relative()) {
    out.ca_file = (path.parent_path() / *out.ca_file).lexically_normal().string();
  }
  return out;
}

namespace {

// It names where the token is sent (api_url) and whom to trust (ca_file): one that another
// user could have written, or swapped, is refused (core/trusted_file.hpp).
std::optional<FileSettings> read_settings_file(const fs::path& path) {
  constexpr std::size_t kMaxSettingsFile = 1024 * 1024;
  std::optional<std::string> text = read_trusted_file_if_present(path, "", kMaxSettingsFile);
  if (!text) return std::nullopt;
  return parse_settings_file(*text, path);
}

std::optional<FileSettings> find_project_file(const fs::path& cwd) {
  for (fs::path dir = cwd; !dir.empty(); dir = dir.parent_path()) {
    if (auto found = read_settings_file(dir / kProjectFileName)) return found;
    if (dir == dir.parent_path()) break;
  }
  return std::nullopt;
}

std::optional<FileSettings> find_user_config(const Lookup& env) {
  fs::path base;
  if (auto xdg = env.find("XDG_CONFIG_HOME"); xdg && !xdg->empty() && (*xdg)[0] == '/') {
    base = fs::path(std::string(*xdg));
  } else if (auto home = env.find("HOME"); home && !home->empty()) {
    base = fs::path(std::string(*home)) / ".config";
  } else {
    return std::nullopt;  // systemd units often run with HOME unset: no user config then
  }
  return read_settings_file(base / "dotenv-cloud" / "config.json");
}

// Picks the first source that has a value: flag, environment, project file, user config.
std::optional<Setting> pick(const std::optional<std::string>& flag, std::string_view flag_name, const Lookup& env,
                            std::string_view env_name, const std::optional<FileSettings>& project_file,
                            const std::optional<FileSettings>& user_config,
                            std::optional<std::string> FileSettings::*field) {
  if (flag) return Setting{*flag, std::string(flag_name)};
  if (auto v = env.find(env_name); v && !v->empty()) return Setting{std::string(*v), std::string(env_name)};
  if (project_file && (*project_file).*field) return Setting{*((*project_file).*field), project_file->path};
  if (user_config && (*user_config).*field) return Setting{*((*user_config).*field), user_config->path};
  return std::nullopt;
}

std::optional<std::string> credential_path(const Lookup& env, std::string_view name) {
  auto dir = env.find("CREDENTIALS_DIRECTORY");
  if (!dir || dir->empty()) return std::nullopt;
  std::string path = fmt::format("{}/{}", *dir, name);
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(path, ec))) return std::nullopt;
  return path;
}

// A secret comes from a flag naming a file, the variable itself, a variable naming a
// file, or a systemd credential, in that order. Never from argv.
std::optional<SecretSetting> pick_secret(const std::optional<std::string>& flag_file, std::string_view flag_name,
                                         const Lookup& env, std::string_view env_name, std::string_view credential,
                                         std::string_view what, std::pmr::memory_resource* mem) {
  if (flag_file) {
    return SecretSetting{read_secret_file(*flag_file, what, mem), fmt::format("{} {}", flag_name, *flag_file)};
  }
  if (auto v = env.find(env_name); v && !v->empty()) {
    return SecretSetting{take_secret_text(*v, fmt::format("{} ({})", what, env_name), mem), std::string(env_name)};
  }
  std::string file_var = fmt::format("{}_FILE", env_name);
  if (auto v = env.find(file_var); v && !v->empty()) {
    std::string path(*v);
    return SecretSetting{read_secret_file(path, what, mem), fmt::format("{}={}", file_var, path)};
  }
  if (auto path = credential_path(env, credential)) {
    return SecretSetting{read_secret_file(*path, what, mem), fmt::format("systemd credential {}", *path)};
  }
  return std::nullopt;
}

}  // namespace

Settings resolve_settings(const SettingFlags& flags, const Lookup& env, const fs::path& cwd, std::string_view program) {
  std::optional<FileSettings> project_file = find_project_file(cwd);
  std::optional<FileSettings> user_config = find_user_config(env);
  auto get = [&](const std::optional<std::string>& flag, std::string_view flag_name, std::string_view env_name,
                 std::optional<std::string> FileSettings::*field) {
    return pick(flag, flag_name, env, env_name, project_file, user_config, field);
  };

  Settings s;
  s.org = get(flags.org, "--org", env_names::kOrg, &FileSettings::org);
  s.project = get(flags.project, "--project", env_names::kProject, &FileSettings::project);
  s.target = get(flags.target, "--target", env_names::kTarget, &FileSettings::target);
  s.environment = get(flags.environment, "--environment", env_names::kEnvironment, &FileSettings::environment);
  s.ca_file = get(flags.ca_file, "--ca-file", env_names::kCaFile, &FileSettings::ca_file);
  s.api_url = get(flags.api_url, "--api-url", env_names::kApiUrl, &FileSettings::api_url)
                  .value_or(Setting{kDefaultApiUrl, "default"});
  s.pins = flags.pins;
  s.retry_timeout = flags.retry_timeout;
  s.connect_timeout = flags.connect_timeout;
  s.request_timeout = flags.request_timeout;
  s.splay = flags.splay;
  s.user_agent = fmt::format("{}/{}", program, DOTENV_RUN_VERSION);

  if (!s.from_cloud() && (s.target || s.environment)) {
    const Setting& given = s.target ? *s.target : *s.environment;
    throw Error(kExitConfig, fmt::format("a {} is set ({}) but no project: set --project or DOTENV_CLOUD_PROJECT",
                                         s.target ? "target" : "environment", given.source));
  }
  if (s.environment && !s.target) {
    throw Error(kExitConfig, fmt::format("an environment is set ({}) but no target: set --target or "
                                         "DOTENV_CLOUD_TARGET",
                                         s.environment->source));
  }
  return s;
}

void read_credentials(Settings& s, const SettingFlags& flags, const Lookup& env, std::pmr::memory_resource* mem) {
  s.token =
      pick_secret(flags.token_file, "--token-file", env, env_names::kToken, "dotenv-cloud-token", "API token", mem);
  if (!s.token) {
    if (auto path = credentials_path(env)) {
      if (std::optional<StoredLogin> login = CredentialStore(*path).load(s.api_url.value, mem)) {
        s.token = SecretSetting{std::move(login->access_token), fmt::format("stored login {}", path->string())};
        s.login = StoredLoginSource{path->string(), login->expires_at};
      }
    }
  }
  if (!s.token) {
    throw Error(kExitConfig,
                "no API token: run dotenv-cloud login, or set DOTENV_CLOUD_TOKEN_FILE (or "
                "DOTENV_CLOUD_TOKEN), --token-file, or a systemd credential named dotenv-cloud-token");
  }
  read_project_key(s, flags, env, mem);
}

void read_project_key(Settings& s, const SettingFlags& flags, const Lookup& env, std::pmr::memory_resource* mem) {
  s.key = pick_secret(flags.key_file, "--key-file", env, env_names::kKey, "dotenv-cloud-key", "project key", mem);
}

std::optional<std::string> systemd_credential_path(const Lookup& env, std::string_view name) {
  return credential_path(env, name);
}

std::vector<std::string> describe_settings(const Settings& s) {
  std::vector<std::string> lines;
  auto add = [&](std::string_view name, const std::optional<Setting>& setting) {
    if (setting)
      lines.push_back(fmt::format("{} = {} (from {})", name, sanitized(setting->value), sanitized(setting->source)));
  };
  add("org", s.org);
  add("project", s.project);
  add("target", s.target);
  add("environment", s.environment);
  // The URL is checked (no user:password) only when the request is built; -v comes first.
  if (s.from_cloud()) {
    lines.push_back(fmt::format("api url = {} (from {})", sanitized(redact_credentials(s.api_url.value)),
                                sanitized(s.api_url.source)));
  }
  add("ca file", s.ca_file);
  if (s.token) lines.push_back(fmt::format("token from {}", sanitized(s.token->source)));
  if (s.key) lines.push_back(fmt::format("project key from {}", sanitized(s.key->source)));
  return lines;
}

}  // namespace dotenv_run
