// Tests of the child's environment: policy, launcher variables, and refusals.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "api/settings.hpp"
#include "core/error.hpp"
#include "run/environment.hpp"
#include "support/error_of.hpp"

using namespace dotenv_run;

namespace {

struct Env {
  std::vector<std::string> storage;
  std::vector<char*> ptrs;
  explicit Env(std::vector<std::string> entries) : storage(std::move(entries)) {
    for (auto& s : storage) ptrs.push_back(s.data());
    ptrs.push_back(nullptr);
  }
  char* const* data() { return ptrs.data(); }
};

Variables vars(std::pmr::memory_resource* mem, std::vector<std::pair<std::string, std::string>> list) {
  Variables out(mem);
  for (auto& [n, v] : list) out.push_back({arena_copy(n, mem), arena_copy(v, mem)});
  return out;
}

std::vector<std::string> entries(const ChildEnvironment& env) {
  std::vector<std::string> out;
  for (const char* e : env.entries()) out.emplace_back(e);
  return out;
}

std::string refusal(const Variables& v, bool allow_unsafe = false) {
  return testing::error_of(kExitDataError, [&] { validate_secrets(v, allow_unsafe); });
}

}  // namespace

TEST_CASE("secrets override inherited variables by default") {
  SecretArena arena;
  Env inherited({"PATH=/bin", "A=old", "HOME=/root"});
  auto env = build_child_environment(inherited.data(), vars(arena.resource(), {{"A", "new"}, {"B", "b"}}), {},
                                     arena.resource());
  CHECK(entries(env) == std::vector<std::string>{"PATH=/bin", "HOME=/root", "A=new", "B=b"});
}

TEST_CASE("preserve-env keeps inherited values") {
  SecretArena arena;
  Env inherited({"A=old"});
  ChildEnvPolicy policy;
  policy.preserve_env = true;
  auto env = build_child_environment(inherited.data(), vars(arena.resource(), {{"A", "new"}, {"B", "b"}}), policy,
                                     arena.resource());
  CHECK(entries(env) == std::vector<std::string>{"A=old", "B=b"});
}

TEST_CASE("clean-env starts empty plus the kept names") {
  SecretArena arena;
  Env inherited({"PATH=/bin", "HOME=/root", "USER=x"});
  ChildEnvPolicy policy;
  policy.clean_env = true;
  policy.keep = {"PATH"};
  auto env = build_child_environment(inherited.data(), vars(arena.resource(), {{"S", "1"}}), policy, arena.resource());
  CHECK(entries(env) == std::vector<std::string>{"PATH=/bin", "S=1"});
}

TEST_CASE("the launcher's token and key never reach the child, even when kept") {
  SecretArena arena;
  Env inherited({"DOTENV_CLOUD_TOKEN=t", "DOTENV_CLOUD_TOKEN_FILE=/t", "DOTENV_CLOUD_KEY=k", "DOTENV_CLOUD_KEY_FILE=/k",
                 "DOTENV_CLOUD_PROJECT=api"});
  ChildEnvPolicy policy;
  policy.clean_env = true;
  policy.keep = {"DOTENV_CLOUD_TOKEN", "DOTENV_CLOUD_PROJECT"};
  auto env = build_child_environment(inherited.data(), vars(arena.resource(), {}), policy, arena.resource());
  CHECK(entries(env) == std::vector<std::string>{"DOTENV_CLOUD_PROJECT=api"});
}

TEST_CASE("the view .env sources expand against hides the launcher's token and key") {
  Env inherited({"DOTENV_CLOUD_TOKEN=t", "DOTENV_CLOUD_KEY_FILE=/k", "HOME=/root"});
  EnvironLookup hidden(inherited.data(), kSecretVariables);
  CHECK_FALSE(hidden.find("DOTENV_CLOUD_TOKEN").has_value());
  CHECK_FALSE(hidden.find("DOTENV_CLOUD_KEY_FILE").has_value());
  CHECK(*hidden.find("HOME") == "/root");
  EnvironLookup visible(inherited.data());
  CHECK(*visible.find("DOTENV_CLOUD_TOKEN") == "t");
}

TEST_CASE("invalid names are refused, naming them") {
  SecretArena arena;
  auto* m = arena.resource();
  CHECK(refusal(vars(m, {{"", "x"}})) == "secret number 1 has an empty name");
  CHECK(refusal(vars(m, {{"OK", "1"}, {"1A", "x"}})) == "secret name '1A' is not a valid environment name");
  CHECK(refusal(vars(m, {{"A=B", "x"}})) == "secret name 'A=B' is not a valid environment name");
  CHECK(refusal(vars(m, {{"A B", "x"}})) == "secret name 'A B' is not a valid environment name");
  CHECK(refusal(vars(m, {{std::string("A\0B", 3), "x"}})) == "secret number 1 has a NUL byte in its name");
}

TEST_CASE("a NUL byte in a value is refused without showing the value") {
  SecretArena arena;
  CHECK(refusal(vars(arena.resource(), {{"DB", std::string("pa\0ss", 5)}})) == "secret DB has a NUL byte in its value");
}

TEST_CASE("one variable over 128 KiB is refused") {
  SecretArena arena;
  CHECK(refusal(vars(arena.resource(), {{"BIG", std::string(128 * 1024, 'x')}})) ==
        "secret BIG is over 128 KiB, the most one variable can hold");
  validate_secrets(vars(arena.resource(), {{"BIG", std::string(128 * 1024 - 6, 'x')}}), false);
}

TEST_CASE("code-loading names are refused unless allowed") {
  SecretArena arena;
  for (const char* name : {"LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "BASH_ENV", "NODE_OPTIONS", "PYTHONPATH",
                           "PERL5OPT", "JAVA_TOOL_OPTIONS", "GLIBC_TUNABLES", "BASH_FUNC_x%%"}) {
    CHECK(refusal(vars(arena.resource(), {{name, "x"}})) ==
          std::string("secret ") + name + " would make programs load code; refused (--allow-unsafe-names allows it)");
    validate_secrets(vars(arena.resource(), {{name, "x"}}), true);
  }
  validate_secrets(vars(arena.resource(), {{"PATH", "/x"}, {"NODE_ENV", "production"}}), false);
}

// Found in review (issue 15): each of these loads code or runs a command, and each was accepted.
TEST_CASE("names that load code through OpenSSL, gconv, GTK, interpreters, git and less are refused") {
  SecretArena arena;
  for (const char* name :
       {"OPENSSL_CONF", "OPENSSL_ENGINES", "OPENSSL_MODULES", "GCONV_PATH", "GTK_MODULES", "PYTHONHOME",
        "PYTHONWARNINGS", "PERL5LIB", "RUBYOPT", "RUBYLIB", "NODE_PATH", "CLASSPATH", "LESSOPEN", "GIT_SSH_COMMAND",
        "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_KEY_0", "LUA_INIT_5_4", "PS1", "ZDOTDIR"}) {
    INFO(name);
    CHECK(is_code_loading_name(name));
    CHECK(refusal(vars(arena.resource(), {{name, "x"}})) ==
          std::string("secret ") + name + " would make programs load code; refused (--allow-unsafe-names allows it)");
    validate_secrets(vars(arena.resource(), {{name, "x"}}), true);
  }
}

TEST_CASE("every listed name and prefix is refused, and names that only contain one are not") {
  CHECK(code_loading_names().size() > 50);
  for (std::string_view name : code_loading_names()) CHECK(is_code_loading_name(name));
  for (std::string_view prefix : code_loading_prefixes()) CHECK(is_code_loading_name(std::string(prefix) + "X"));
  for (const char* name : {"PATH", "HOME", "TMPDIR", "TZ", "LANG", "SSL_CERT_FILE", "OPENSSL_CONF_X", "MY_LD_PRELOAD",
                           "PYTHONUNBUFFERED", "GIT_AUTHOR_NAME", "NODE_ENV", "DATABASE_URL"}) {
    INFO(name);
    CHECK_FALSE(is_code_loading_name(name));
  }
}

TEST_CASE("a total over the exec limit is refused, naming the largest variable") {
  SecretArena arena;
  Variables many(arena.resource());
  for (int i = 0; i < 100; ++i) {
    many.push_back(
        {arena_copy("V" + std::to_string(i), arena.resource()), arena_copy(std::string(100 * 1024, 'x'), arena.resource())});
  }
  many.push_back({arena_copy("HUGE", arena.resource()), arena_copy(std::string(120 * 1024, 'y'), arena.resource())});
  Env inherited({});
  auto env = build_child_environment(inherited.data(), many, {}, arena.resource());
  CHECK(testing::error_of(kExitDataError, [&] {
          check_exec_limits({"true"}, env);
        }).find("(the largest variable is HUGE)") != std::string::npos);
}

TEST_CASE("a secret replaces every inherited entry of its name, and preserve-env keeps them all") {
  SecretArena arena;
  Env inherited({"A=1", "B=x", "A=2", "C"});
  auto secrets = vars(arena.resource(), {{"A", "s"}, {"D", "d"}});
  CHECK(entries(build_child_environment(inherited.data(), secrets, {}, arena.resource())) ==
        std::vector<std::string>{"B=x", "C", "A=s", "D=d"});
  ChildEnvPolicy preserve;
  preserve.preserve_env = true;
  CHECK(entries(build_child_environment(inherited.data(), secrets, preserve, arena.resource())) ==
        std::vector<std::string>{"A=1", "B=x", "A=2", "C", "D=d"});
}

TEST_CASE("clean-env with preserve-env: a secret is dropped only for a kept inherited name") {
  SecretArena arena;
  Env inherited({"PATH=/bin", "HOME=/root"});
  ChildEnvPolicy policy;
  policy.clean_env = true;
  policy.preserve_env = true;
  policy.keep = {"PATH"};
  auto env = build_child_environment(
      inherited.data(), vars(arena.resource(), {{"HOME", "/s"}, {"PATH", "/s"}, {"E", ""}}), policy, arena.resource());
  CHECK(entries(env) == std::vector<std::string>{"PATH=/bin", "HOME=/s", "E="});
}

TEST_CASE("thousands of secrets and inherited names combine as a linear scan would") {
  SecretArena arena;
  std::vector<std::string> inherited_entries;
  for (int i = 0; i < 300; ++i) inherited_entries.push_back("N" + std::to_string(i * 3) + "=i");
  Env inherited(inherited_entries);
  std::vector<std::pair<std::string, std::string>> list;
  for (int i = 0; i < 3000; ++i) list.emplace_back("N" + std::to_string(i * 2), "s" + std::to_string(i));
  auto secrets = vars(arena.resource(), list);
  for (bool preserve : {false, true}) {
    ChildEnvPolicy policy;
    policy.preserve_env = preserve;
    std::vector<std::string> expected;
    auto secret_named = [&](std::string_view name) {
      return std::any_of(list.begin(), list.end(), [&](const auto& p) { return p.first == name; });
    };
    auto inherited_named = [&](std::string_view name) {
      return std::any_of(inherited_entries.begin(), inherited_entries.end(),
                         [&](const std::string& e) { return e.substr(0, e.find('=')) == name; });
    };
    for (const std::string& e : inherited_entries) {
      if (preserve || !secret_named(e.substr(0, e.find('=')))) expected.push_back(e);
    }
    for (const auto& [name, value] : list) {
      if (!preserve || !inherited_named(name)) expected.push_back(name + "=" + value);
    }
    CHECK(entries(build_child_environment(inherited.data(), secrets, policy, arena.resource())) == expected);
  }
}

TEST_CASE("find gives the value of a name, and the exec limit counts the sizes of every entry") {
  SecretArena arena;
  Env inherited({"PATH=/usr/bin", "PATHX=no", "LONGEST_INHERITED=" + std::string(300, 'i')});
  auto env = build_child_environment(inherited.data(), vars(arena.resource(), {{"S", std::string(200, 's')}}), {},
                                     arena.resource());
  CHECK(*env.find("PATH") == "/usr/bin");
  CHECK(*env.find("PATHX") == "no");
  CHECK_FALSE(env.find("PAT").has_value());
  CHECK_FALSE(env.find("PATH=/usr/bin").has_value());
  CHECK(env.bytes() == 14 + 9 + 319 + 203);
  CHECK(std::string_view(env.largest()).starts_with("LONGEST_INHERITED="));
}

TEST_CASE("the code-loading check gives what a scan of the list gives, for names near listed ones") {
  auto scan = [](std::string_view name) {
    for (std::string_view prefix : code_loading_prefixes()) {
      if (name.starts_with(prefix)) return true;
    }
    return std::find(code_loading_names().begin(), code_loading_names().end(), name) != code_loading_names().end();
  };
  std::vector<std::string> candidates{"", "_", "A", "P", "PS", "PS3", "LD", "L", "D", "GIT", "GIT_", "\x80", "\xff"};
  for (std::string_view listed : code_loading_names()) {
    std::string name(listed);
    candidates.push_back(name);
    candidates.push_back(name + "X");
    candidates.push_back(name.substr(0, name.size() - 1));
    candidates.push_back(name.substr(1));
    for (std::size_t i = 0; i < name.size(); ++i) {
      std::string changed = name;
      changed[i] = changed[i] == 'Z' ? 'Y' : 'Z';
      candidates.push_back(changed);
    }
  }
  for (std::string_view prefix : code_loading_prefixes()) {
    candidates.emplace_back(prefix);
    candidates.emplace_back(prefix.substr(0, prefix.size() - 1));
  }
  int refused = 0;
  for (const std::string& name : candidates) {
    INFO(name);
    CHECK(is_code_loading_name(name) == scan(name));
    refused += scan(name) ? 1 : 0;
  }
  CHECK(refused >= static_cast<int>(code_loading_names().size()));
}

TEST_CASE("every byte of a name is checked, at every position of an eight-byte word") {
  SecretArena arena;
  const std::string base = "ABCDEFGHIJKLMNOPQRS";  // 19 bytes: two whole words and a tail
  for (std::size_t at = 0; at < base.size(); ++at) {
    for (int byte : {0x00, 0x01, 0x09, 0x20, int{'='}, 0x7f, 0x80, 0xc3, 0xff}) {
      std::string name = base;
      name[at] = static_cast<char>(byte);
      INFO("byte ", byte, " at ", at);
      std::string expected = byte == 0 ? "secret number 1 has a NUL byte in its name"
                                       : "secret name '" + name + "' is not a valid environment name";
      CHECK(refusal(vars(arena.resource(), {{name, "x"}})) == expected);
    }
    for (int byte : {0x21, 0x30, 0x3c, 0x3e, 0x5f, 0x7e, 0x7a, 0x25}) {
      std::string name = base;
      name[at] = static_cast<char>(byte);
      if (at == 0 && byte == 0x30) continue;  // a leading digit is refused
      validate_secrets(vars(arena.resource(), {{name, "x"}}), false);
    }
  }
}
