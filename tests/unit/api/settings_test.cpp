// Tests of settings resolution (through the launcher's launch_settings): precedence, provenance, files, refusals.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "api/credentials.hpp"
#include "api/settings.hpp"
#include "core/error.hpp"
#include "run/cli.hpp"
#include "run/sources.hpp"
#include "support/error_of.hpp"

using namespace dotenv_run;
namespace fs = std::filesystem;

namespace {

struct Fixture {
  fs::path root;
  std::map<std::string, std::string> env;
  SecretArena arena;
  Fixture() {
    char tmpl[] = "/tmp/dotenv-run-config-XXXXXX";
    root = ::mkdtemp(tmpl);
    fs::create_directories(root / "app" / "sub");
  }
  ~Fixture() { fs::remove_all(root); }
  void write(const fs::path& p, const std::string& text, mode_t mode = 0600) {
    std::ofstream(p, std::ios::binary) << text;
    ::chmod(p.c_str(), mode);
  }
  Settings resolve(const Options& o) {
    return launch_settings(o.settings, !o.env_files.empty(), MapLookup(env), root / "app" / "sub", arena.resource());
  }
  std::string error(const Options& o, ExitCode code = kExitConfig) {
    return testing::error_of(code, [&] { resolve(o); });
  }
};

Options cloud_options() {
  Options o;
  o.settings.org = "01JAAAAAAAAAAAAAAAAAAAAAAA";
  o.settings.project = "api";
  return o;
}

}  // namespace

TEST_CASE("a flag beats the environment, which beats the project file") {
  Fixture f;
  f.write(f.root / "app" / ".dotenv-cloud.json", R"({"project": "from-file", "target": "web", "environment": "prod"})");
  f.env["DOTENV_CLOUD_PROJECT"] = "from-env";
  f.env["DOTENV_CLOUD_ORG"] = "01JAAAAAAAAAAAAAAAAAAAAAAA";
  f.env["DOTENV_CLOUD_TOKEN"] = "tok";
  Options o;
  o.settings.target = "cli-target";
  Settings s = f.resolve(o);
  CHECK(s.project->value == "from-env");
  CHECK(s.project->source == "DOTENV_CLOUD_PROJECT");
  CHECK(s.target->value == "cli-target");
  CHECK(s.target->source == "--target");
  CHECK(s.environment->value == "prod");
  CHECK(s.environment->source == (f.root / "app" / ".dotenv-cloud.json").string());
  CHECK(s.api_url.value == "https://api.dotenv.cloud");
  CHECK(s.api_url.source == "default");
}

TEST_CASE("the user config fills what nothing else set, and HOME may be unset") {
  Fixture f;
  fs::create_directories(f.root / "xdg" / "dotenv-cloud");
  f.write(f.root / "xdg" / "dotenv-cloud" / "config.json",
          R"({"api_url": "https://self.hosted", "org": "01JBBBBBBBBBBBBBBBBBBBBBBB"})");
  f.env["XDG_CONFIG_HOME"] = (f.root / "xdg").string();
  f.env["DOTENV_CLOUD_TOKEN"] = "tok";
  Options o = cloud_options();
  o.settings.org.reset();
  Settings s = f.resolve(o);
  CHECK(s.api_url.value == "https://self.hosted");
  CHECK(s.org->value == "01JBBBBBBBBBBBBBBBBBBBBBBB");
  f.env.erase("XDG_CONFIG_HOME");
  CHECK(f.error(o) == "no organization: set --org or DOTENV_CLOUD_ORG");
}

TEST_CASE("a relative CA file in a project file is relative to that file") {
  Fixture f;
  f.write(f.root / "app" / ".dotenv-cloud.json", R"({"project": "api", "ca_file": "certs/ca.pem"})");
  f.env["DOTENV_CLOUD_TOKEN"] = "tok";
  f.env["DOTENV_CLOUD_ORG"] = "01JAAAAAAAAAAAAAAAAAAAAAAA";
  CHECK(f.resolve(Options{}).ca_file->value == (f.root / "app" / "certs" / "ca.pem").string());
}

TEST_CASE("a project file another user could have written is refused, since it names where the token goes") {
  Fixture f;
  fs::path p = f.root / "app" / ".dotenv-cloud.json";
  f.write(p, R"({"project": "api"})", 0664);
  CHECK(f.error(Options{}) == p.string() +
                                  ": group or others may write it (mode 0664); refused, since it could "
                                  "send the token elsewhere");
  ::chmod(p.c_str(), 0644);
  if (::geteuid() == 0) {
    REQUIRE(::chown(p.c_str(), 65534, 65534) == 0);
    CHECK(f.error(Options{}) == p.string() +
                                    ": owned by uid 65534, not by you or root; refused, since it could "
                                    "send the token elsewhere");
  }
}

TEST_CASE("a settings file with a number RapidJSON would mis-parse is refused before parsing") {
  Fixture f;
  fs::path p = f.root / "app" / ".dotenv-cloud.json";
  f.write(p, R"({"org": 1e-2147483649})");
  CHECK(f.error(Options{}) == p.string() +
                                  ": not valid JSON: a number with an exponent of more than 4 digits at "
                                  "byte 8");
}

TEST_CASE("a project file may not hold a token") {
  Fixture f;
  fs::path p = f.root / ".dotenv-cloud.json";
  f.write(p, R"({"project": "api", "token": "x"})");
  CHECK(f.error(Options{}) == p.string() +
                                  ": \"token\" must not be in this file: it never holds a secret; use "
                                  "DOTENV_CLOUD_TOKEN_FILE or a systemd credential");
}

TEST_CASE("an unknown setting in a project file is an error, not ignored") {
  Fixture f;
  fs::path p = f.root / "app" / ".dotenv-cloud.json";
  f.write(p, R"({"projcet": "api"})");
  CHECK(f.error(Options{}) == p.string() +
                                  ": unknown setting \"projcet\" (known: org, project, target, environment, "
                                  "api_url, ca_file)");
}

TEST_CASE("an unknown setting's name is printed with the control characters the file gives it escaped") {
  // \u001b]0; is the start of a terminal's window-title sequence; \xff is not UTF-8.
  const std::string text = "{\"pro\\u001b]0;ject\xff\": \"api\"}";
  CHECK(testing::error_of(kExitConfig, [&] { parse_settings_file(text, "/srv/app/.dotenv-cloud.json"); }) ==
        "/srv/app/.dotenv-cloud.json: unknown setting \"pro\\x1b]0;ject\\xff\" (known: org, project, target, environment, "
        "api_url, ca_file)");
}

TEST_CASE("a settings text is read as the file at its path would be, without opening anything") {
  const FileSettings s = parse_settings_file(R"({"project": "api", "ca_file": "../certs/ca.pem"})", "/srv/app/x.json");
  CHECK(s.path == "/srv/app/x.json");
  CHECK(s.project == "api");
  CHECK(s.ca_file == "/srv/certs/ca.pem");
  CHECK_FALSE(s.org);
}

TEST_CASE("the token comes from the token file flag, then the variable, then its _FILE, then the credential") {
  Fixture f;
  fs::create_directories(f.root / "creds");
  f.write(f.root / "creds" / "dotenv-cloud-token", "cred-token\n", 0400);
  f.write(f.root / "tokfile", "file-token\n");
  f.env["CREDENTIALS_DIRECTORY"] = (f.root / "creds").string();
  Options o = cloud_options();
  Settings s = f.resolve(o);
  CHECK(s.token->value == "cred-token");
  CHECK(s.token->source == "systemd credential " + (f.root / "creds" / "dotenv-cloud-token").string());
  f.env["DOTENV_CLOUD_TOKEN_FILE"] = (f.root / "tokfile").string();
  CHECK(f.resolve(o).token->value == "file-token");
  f.env["DOTENV_CLOUD_TOKEN"] = "env-token";
  CHECK(f.resolve(o).token->value == "env-token");
  CHECK(f.resolve(o).token->source == "DOTENV_CLOUD_TOKEN");
  o.settings.token_file = (f.root / "tokfile").string();
  CHECK(f.resolve(o).token->source == "--token-file " + (f.root / "tokfile").string());
}

TEST_CASE("settings that cannot work together are refused") {
  Fixture f;
  f.env["DOTENV_CLOUD_TOKEN"] = "tok";
  Options o = cloud_options();
  o.settings.environment = "prod";
  CHECK(f.error(o) == "an environment is set (--environment) but no target: set --target or DOTENV_CLOUD_TARGET");
  CHECK(f.error(Options{}) ==
        "nothing to load: set a project (--project or DOTENV_CLOUD_PROJECT, or a "
        ".dotenv-cloud.json file) or give --env-file");
  f.env.erase("DOTENV_CLOUD_TOKEN");
  CHECK(f.error(cloud_options()) ==
        "no API token: run dotenv-cloud login, or set DOTENV_CLOUD_TOKEN_FILE (or "
        "DOTENV_CLOUD_TOKEN), --token-file, or a systemd credential named dotenv-cloud-token");
}

TEST_CASE("-v describes where settings came from without the token") {
  Fixture f;
  f.env["DOTENV_CLOUD_TOKEN"] = "very-secret-token";
  Settings s = f.resolve(cloud_options());
  std::string all;
  for (const auto& line : describe_settings(s)) all += line + "\n";
  CHECK(all ==
        "org = 01JAAAAAAAAAAAAAAAAAAAAAAA (from --org)\nproject = api (from --project)\n"
        "api url = https://api.dotenv.cloud (from default)\ntoken from DOTENV_CLOUD_TOKEN\n");
}

TEST_CASE("-v never shows a password in the API URL") {
  Fixture f;
  f.env["DOTENV_CLOUD_TOKEN"] = "tok";
  f.env["DOTENV_CLOUD_API_URL"] = "https://user:hunter2@api.example";
  std::string all;
  for (const auto& line : describe_settings(f.resolve(cloud_options()))) all += line + "\n";
  CHECK(all.find("hunter2") == std::string::npos);
  CHECK(all.find("api url = https://***@api.example (from DOTENV_CLOUD_API_URL)") != std::string::npos);
}

TEST_CASE("env files alone need no project and no token") {
  Fixture f;
  Options o;
  o.env_files = {"x.env"};
  Settings s = f.resolve(o);
  CHECK_FALSE(s.from_cloud());
  CHECK_FALSE(s.token.has_value());
}

TEST_CASE("a project file is checked as opened: swapping it after the check cannot send the token elsewhere") {
  // The file is looked at once, through the descriptor it is read from; a check by path and a
  // later open let a file another user may write slip in between the two.
  Fixture f;
  const fs::path good = f.root / "good.json", bad = f.root / "bad.json";
  f.write(good, R"({"api_url": "https://api.example.test"})", 0644);
  f.write(bad, R"({"api_url": "https://evil.example.test"})", 0666);
  const fs::path link = f.root / "app" / ".dotenv-cloud.json", next = f.root / "app" / "next";
  fs::create_symlink(good, link);
  std::atomic<bool> stop{false};
  std::thread swapper([&] {
    for (bool to_bad = true; !stop; to_bad = !to_bad) {
      std::error_code ec;
      fs::remove(next, ec);
      fs::create_symlink(to_bad ? bad : good, next, ec);
      fs::rename(next, link, ec);  // atomic: the path always names one of the two
    }
  });
  int evil = 0;
  for (int i = 0; i < 3000 && evil == 0; ++i) {
    try {
      if (resolve_settings(SettingFlags{}, MapLookup{}, f.root / "app", "dotenv-run").api_url.value.find("evil") !=
          std::string::npos)
        ++evil;
    } catch (const Error& e) {
      CHECK(e.code() == kExitConfig);
    }
  }
  stop = true;
  swapper.join();
  CHECK(evil == 0);
}

namespace {

// A stored login for `url` under XDG_CONFIG_HOME=<root>/xdg, as `dotenv-cloud login` writes it.
fs::path store_login(Fixture& f, const std::string& url, const std::string& access) {
  f.env["XDG_CONFIG_HOME"] = (f.root / "xdg").string();
  fs::path file = f.root / "xdg" / "dotenv-cloud" / "credentials.json";
  StoredLogin login(f.arena.resource());
  login.access_token = secret_copy(access, f.arena.resource());
  login.refresh_token = secret_copy("refresh", f.arena.resource());
  login.expires_at = 1900000000;
  CredentialStore(file).store(url, login, f.arena.resource());
  return file;
}

}  // namespace

TEST_CASE("without an explicit token, the stored login for the API URL is the token") {
  Fixture f;
  fs::path file = store_login(f, "https://api.dotenv.cloud", "stored-access");
  Settings s = f.resolve(cloud_options());
  CHECK(s.token->value == "stored-access");
  CHECK(s.token->source == "stored login " + file.string());
  REQUIRE(s.login.has_value());
  CHECK(s.login->file == file.string());
  CHECK(s.login->expires_at == 1900000000);
  std::string all;
  for (const auto& line : describe_settings(s)) all += line + "\n";
  CHECK(all.find("token from stored login " + file.string() + "\n") != std::string::npos);
  CHECK(all.find("stored-access") == std::string::npos);
}

TEST_CASE("an explicit token wins over the stored login, which is then not even read") {
  Fixture f;
  fs::path file = store_login(f, "https://api.dotenv.cloud", "stored-access");
  ::chmod(file.c_str(), 0644);  // would be refused if it were read
  f.write(f.root / "tokfile", "file-token\n");
  f.env["DOTENV_CLOUD_TOKEN"] = "env-token";
  Settings s = f.resolve(cloud_options());
  CHECK(s.token->value == "env-token");
  CHECK_FALSE(s.login.has_value());
  f.env.erase("DOTENV_CLOUD_TOKEN");
  f.env["DOTENV_CLOUD_TOKEN_FILE"] = (f.root / "tokfile").string();
  CHECK(f.resolve(cloud_options()).token->value == "file-token");
  f.env.erase("DOTENV_CLOUD_TOKEN_FILE");
  Options o = cloud_options();
  o.settings.token_file = (f.root / "tokfile").string();
  CHECK(f.resolve(o).token->value == "file-token");
  fs::create_directories(f.root / "creds");
  f.write(f.root / "creds" / "dotenv-cloud-token", "credential-token\n");
  f.env["CREDENTIALS_DIRECTORY"] = (f.root / "creds").string();
  CHECK(f.resolve(cloud_options()).token->value == "credential-token");
  f.env.erase("CREDENTIALS_DIRECTORY");
  CHECK(f.error(cloud_options()) ==
        file.string() + ": group or others have access (mode 0644); run chmod 600 " + file.string());
}

TEST_CASE("a stored login for another API URL is not sent to this one") {
  Fixture f;
  store_login(f, "https://other.example", "stored-access");
  CHECK(f.error(cloud_options()) ==
        "no API token: run dotenv-cloud login, or set DOTENV_CLOUD_TOKEN_FILE (or "
        "DOTENV_CLOUD_TOKEN), --token-file, or a systemd credential named dotenv-cloud-token");
  f.env["DOTENV_CLOUD_API_URL"] = "https://other.example/";
  CHECK(f.resolve(cloud_options()).token->value == "stored-access");
}

TEST_CASE("a setting's name from a project file is printed with its control characters escaped") {
  Fixture f;
  fs::path p = f.root / "app" / ".dotenv-cloud.json";
  f.write(p, R"({"x\u001b]0;title\u0007\u202e": "api"})");
  CHECK(f.error(Options{}) == p.string() +
                                  ": unknown setting \"x\\x1b]0;title\\x07\\u202e\" (known: org, project, target, "
                                  "environment, api_url, ca_file)");
}

TEST_CASE("a project file in a directory another user owns, or group or others may write, is refused") {
  Fixture f;
  fs::path p = f.root / "app" / ".dotenv-cloud.json";
  f.write(p, R"({"project": "api"})");
  ::chmod((f.root / "app").c_str(), 0775);
  CHECK(f.error(Options{}) == p.string() +
                                  ": group or others may write its directory (mode 0775); refused, since another user "
                                  "could replace the file");
  ::chmod((f.root / "app").c_str(), 0755);
  fs::path link = f.root / "app" / "sub" / ".dotenv-cloud.json";
  fs::create_symlink(p, link);
  CHECK(f.error(Options{}) == link.string() + ": is a symbolic link; refused, name the file itself");
}
