// Settings resolution: flags, then environment, then systemd credentials, then the
// project file, then the user config; each setting remembers where it came from.
#pragma once

#include <filesystem>
#include <functional>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli.hpp"
#include "secure_memory.hpp"

namespace dotenv_run {

inline constexpr const char* kDefaultApiUrl = "https://api.dotenv.cloud";
inline constexpr const char* kProjectFileName = ".dotenv-cloud.json";

struct Setting {
  std::string value;
  std::string source;  // e.g. "--project", "DOTENV_CLOUD_ORG", "/srv/app/.dotenv-cloud.json"
};

struct SecretSetting {
  SecretString value;
  std::string source;  // where it was read; printed in errors and by -v, never the value
};

struct Settings {
  std::optional<Setting> org, project, target, environment;
  Setting api_url;
  std::optional<Setting> ca_file;
  std::optional<SecretSetting> token;
  std::optional<SecretSetting> key;  // base64 text of a client-managed project key
  bool from_cloud() const { return project.has_value(); }
};

// Looks up one variable of the launcher's own environment.
using GetEnv = std::function<std::optional<std::string_view>(std::string_view)>;

// Resolves every setting. Secrets (token, key) are read into `mem`. Throws
// Error(kExitConfig) for a missing or wrong setting, naming it and its source.
Settings resolve_settings(const Options& options, const GetEnv& getenv, const std::filesystem::path& cwd,
                          std::pmr::memory_resource* mem);

// Lines for -v: one per setting, naming its source and never a secret's value.
std::vector<std::string> describe_settings(const Settings& settings);

}  // namespace dotenv_run
