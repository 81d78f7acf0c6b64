// One run of a command: its arguments, the resolved settings, and the API client (made, and
// the token read, only when the command first talks to the API).
#pragma once

#include <filesystem>
#include <memory>
#include <memory_resource>
#include <string>
#include <string_view>
#include <vector>

#include "api/client.hpp"
#include "api/connection.hpp"
#include "api/settings.hpp"
#include "cloud/cli.hpp"
#include "core/lookup.hpp"

namespace dotenv_run {

class Session {
 public:
  // Resolves the settings (flags, environment, credentials, project file, user config:
  // api/settings.hpp) and, with -v, says where each came from on stderr.
  Session(const CommandLine& line, std::size_t command_words, const Lookup& env, const std::filesystem::path& cwd,
          std::pmr::memory_resource* mem, Notice notice);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const CommandLine& line() const { return line_; }
  // The command's arguments (the words after its name).
  const std::vector<std::string>& args() const { return args_; }
  const Settings& settings() const { return settings_; }
  std::pmr::memory_resource* memory() const { return mem_; }
  const Lookup& env() const { return env_; }
  void notice(std::string_view line) const { notice_(line); }

  // The API client; reads the token on first use (Error(kExitConfig) when there is none).
  ApiClient& client();

  // The organization ULID (checked), the project, the target: Error(kExitConfig) naming
  // how to set one that is missing, or refusing one that is not a ULID or a slug.
  std::string org() const;
  std::string project() const;
  std::string target() const;

 private:
  const CommandLine& line_;
  std::vector<std::string> args_;
  const Lookup& env_;
  std::pmr::memory_resource* mem_;
  Notice notice_;
  Settings settings_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<HttpClient> login_http_;  // refreshes a stored login after a 401 token_expired
  std::unique_ptr<ApiClient> client_;
};

}  // namespace dotenv_run
