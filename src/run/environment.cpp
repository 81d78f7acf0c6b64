// Building and checking the child's environment.
#include "run/environment.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <unordered_set>

#include <fmt/format.h>

#include "api/settings.hpp"
#include "core/error.hpp"

namespace dotenv_run {

namespace {

// Linux refuses any single argv or envp string longer than MAX_ARG_STRLEN (32 pages).
constexpr std::size_t kMaxEntry = 128 * 1024;

std::string_view entry_name(const char* entry) {
  const char* eq = std::strchr(entry, '=');
  return eq ? std::string_view(entry, static_cast<std::size_t>(eq - entry)) : std::string_view(entry);
}

bool is_launcher_variable(std::string_view name) {
  for (std::string_view v : kSecretVariables) {
    if (name == v) return true;
  }
  return false;
}

char* make_entry(std::string_view name, std::string_view value, std::pmr::memory_resource* mem) {
  std::size_t size = name.size() + 1 + value.size() + 1;
  char* p = static_cast<char*>(mem->allocate(size, 1));
  std::memcpy(p, name.data(), name.size());
  p[name.size()] = '=';
  std::memcpy(p + name.size() + 1, value.data(), value.size());
  p[size - 1] = '\0';
  return p;
}

}  // namespace

void validate_secrets(const Variables& secrets, bool allow_unsafe_names, bool in_environment) {
  for (std::size_t i = 0; i < secrets.size(); ++i) {
    std::string_view name = secrets[i].name;
    std::string_view value = secrets[i].value;
    if (name.empty()) throw Error(kExitDataError, fmt::format("secret number {} has an empty name", i + 1));
    if (name.find('\0') != std::string_view::npos) {
      throw Error(kExitDataError, fmt::format("secret number {} has a NUL byte in its name", i + 1));
    }
    bool valid = !(name[0] >= '0' && name[0] <= '9');
    for (char c : name) {
      unsigned char u = static_cast<unsigned char>(c);
      if (c == '=' || u <= 0x20 || u >= 0x7f) valid = false;
    }
    if (!valid) throw Error(kExitDataError, fmt::format("secret name '{}' is not a valid environment name", name));
    if (value.find('\0') != std::string_view::npos) {
      throw Error(kExitDataError, fmt::format("secret {} has a NUL byte in its value", name));
    }
    if (in_environment && name.size() + 1 + value.size() + 1 > kMaxEntry) {
      throw Error(kExitDataError, fmt::format("secret {} is over 128 KiB, the most one variable can hold", name));
    }
    if (!allow_unsafe_names && is_code_loading_name(name)) {
      throw Error(kExitDataError, fmt::format("secret {} would make programs load code; refused "
                                              "(--allow-unsafe-names allows it)",
                                              name));
    }
  }
}

std::optional<std::string_view> ChildEnvironment::find(std::string_view name) const {
  for (const char* entry : entries()) {
    if (entry_name(entry) == name) return std::string_view(entry).substr(name.size() + 1);
  }
  return std::nullopt;
}

ChildEnvironment build_child_environment(char* const* inherited, const Variables& secrets, const ChildEnvPolicy& policy,
                                         std::pmr::memory_resource* mem) {
  std::unordered_set<std::string_view> secret_names;
  secret_names.reserve(secrets.size() * 2);
  for (const Variable& v : secrets) secret_names.insert(v.name);

  ChildEnvironment env(mem);
  std::unordered_set<std::string_view> inherited_names;
  for (char* const* e = inherited; e && *e; ++e) {
    std::string_view name = entry_name(*e);
    if (is_launcher_variable(name)) continue;
    if (policy.clean_env && std::find(policy.keep.begin(), policy.keep.end(), name) == policy.keep.end()) continue;
    if (!policy.preserve_env && secret_names.count(name)) continue;  // the secret replaces it below
    inherited_names.insert(name);
    env.add(*e);
  }
  for (const Variable& v : secrets) {
    if (policy.preserve_env && inherited_names.count(v.name)) continue;
    env.add(make_entry(v.name, v.value, mem));
  }
  return env;
}

void check_exec_limits(const std::vector<std::string>& argv, const ChildEnvironment& env) {
  long arg_max = ::sysconf(_SC_ARG_MAX);
  if (arg_max <= 0) arg_max = 2 * 1024 * 1024;
  std::size_t total = 0;
  for (const std::string& a : argv) total += a.size() + 1 + sizeof(char*);
  const char* largest = nullptr;
  std::size_t largest_size = 0;
  for (const char* entry : env.entries()) {
    std::size_t size = std::strlen(entry) + 1;
    total += size + sizeof(char*);
    if (size > largest_size) {
      largest_size = size;
      largest = entry;
    }
  }
  // Leave room for the auxiliary vector and the program name the kernel copies too.
  std::size_t limit = static_cast<std::size_t>(arg_max) - 4096;
  if (total > limit) {
    throw Error(kExitDataError, fmt::format("the command's arguments and environment total {} bytes, over the exec "
                                            "limit of {} bytes (the largest variable is {})",
                                            total, limit, largest ? entry_name(largest) : "none"));
  }
}

}  // namespace dotenv_run
