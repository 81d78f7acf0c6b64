// Settings resolution: flags, then environment, then systemd credentials, then the
// project file, then the user config; each setting remembers where it came from.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/lookup.hpp"
#include "core/secure_memory.hpp"

namespace dotenv_run {

inline constexpr const char* kDefaultApiUrl = "https://api.dotenv.cloud";
inline constexpr const char* kProjectFileName = ".dotenv-cloud.json";

// The environment variables both programs read, each named once here.
namespace env_names {
inline constexpr std::string_view kOrg = "DOTENV_CLOUD_ORG";
inline constexpr std::string_view kProject = "DOTENV_CLOUD_PROJECT";
inline constexpr std::string_view kTarget = "DOTENV_CLOUD_TARGET";
inline constexpr std::string_view kEnvironment = "DOTENV_CLOUD_ENVIRONMENT";
inline constexpr std::string_view kApiUrl = "DOTENV_CLOUD_API_URL";
inline constexpr std::string_view kCaFile = "DOTENV_CLOUD_CA_FILE";
inline constexpr std::string_view kToken = "DOTENV_CLOUD_TOKEN";
inline constexpr std::string_view kTokenFile = "DOTENV_CLOUD_TOKEN_FILE";
inline constexpr std::string_view kKey = "DOTENV_CLOUD_KEY";
inline constexpr std::string_view kKeyFile = "DOTENV_CLOUD_KEY_FILE";
// dotenv-run only: the offline fallback (docs/fallback.md).
inline constexpr std::string_view kFallbackDir = "DOTENV_CLOUD_FALLBACK_DIR";
inline constexpr std::string_view kFallbackKeyFile = "DOTENV_CLOUD_FALLBACK_KEY_FILE";
}  // namespace env_names

// The variables that carry a secret (or where to read one): hidden from .env expansion and
// never passed to a child.
inline constexpr std::string_view kSecretVariables[] = {env_names::kToken, env_names::kTokenFile, env_names::kKey,
                                                        env_names::kKeyFile, env_names::kFallbackKeyFile};

// What the command line said about the settings (each program parses its own flags).
struct SettingFlags {
  std::optional<std::string> org, project, target, environment;
  std::optional<std::string> api_url, ca_file, token_file, key_file;
  std::vector<std::string> pins;
  // Network behaviour, in seconds.
  std::optional<double> retry_timeout, connect_timeout, request_timeout, splay;
};

struct Setting {
  std::string value;
  std::string source;  // e.g. "--project", "DOTENV_CLOUD_ORG", "/srv/app/.dotenv-cloud.json"
};

struct SecretSetting {
  SecretString value;
  std::string source;  // where it was read; printed in errors and by -v, never the value
};

// Where a token from the stored login came from, so it can be refreshed when it expires.
struct StoredLoginSource {
  std::string file;             // the credentials file
  std::int64_t expires_at = 0;  // Unix time the access token expires; 0: unknown
};

struct Settings {
  std::optional<Setting> org, project, target, environment;
  Setting api_url;
  std::optional<Setting> ca_file;
  std::optional<SecretSetting> token;
  std::optional<SecretSetting> key;        // base64 text of a client-managed project key
  std::optional<StoredLoginSource> login;  // set when the token is the stored login
  std::vector<std::string> pins;           // "sha256//<base64>"
  std::optional<double> retry_timeout, connect_timeout, request_timeout, splay;
  std::string user_agent;  // "<program>/<version>"
  bool from_cloud() const { return project.has_value(); }
};

// The non-secret settings a project file or the user config may hold.
struct FileSettings {
  std::string path;
  std::optional<std::string> org, project, target, environment, api_url, ca_file;
};

// The settings in the JSON text `body` of the file at `path` (named in errors; a relative
// ca_file is made relative to its folder). Reads nothing from disk: the caller opened and
// checked the file. Throws Error(kExitConfig) for text that is not a JSON object of known
// string settings.
FileSettings parse_settings_file(const std::string& body, const std::filesystem::path& path);

// Resolves the settings that are not secret. `program` ("dotenv-run") names the user agent.
// Throws Error(kExitConfig) for a wrong setting (a target without a project, an environment
// without a target, a settings file another user could have written), naming it and its source.
Settings resolve_settings(const SettingFlags& flags, const Lookup& env, const std::filesystem::path& cwd,
                          std::string_view program);

// Reads the token (required: Error(kExitConfig) naming every way to give one) and a
// client-managed key (optional) into `mem`. Never from argv. An explicit token (--token-file,
// DOTENV_CLOUD_TOKEN, DOTENV_CLOUD_TOKEN_FILE, the systemd credential) always wins; without
// one, the stored login of `dotenv-cloud login` for the API URL is used (api/credentials.hpp),
// its source "stored login <file>" and `login` set.
void read_credentials(Settings& settings, const SettingFlags& flags, const Lookup& env, std::pmr::memory_resource* mem);

// Reads only the client-managed key (optional), as read_credentials does: for a launch that
// never contacts the API (dotenv-run --fallback-only) and so needs no token.
void read_project_key(Settings& settings, const SettingFlags& flags, const Lookup& env, std::pmr::memory_resource* mem);

// The file of the systemd credential `name` ($CREDENTIALS_DIRECTORY/name), when there is one.
std::optional<std::string> systemd_credential_path(const Lookup& env, std::string_view name);

// Lines for -v: one per setting, naming its source and never a secret's value.
std::vector<std::string> describe_settings(const Settings& settings);

}  // namespace dotenv_run
