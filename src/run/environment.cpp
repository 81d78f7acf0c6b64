// Building and checking the child's environment.
#include "run/environment.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#include <fmt/format.h>

#include "api/settings.hpp"
#include "core/error.hpp"
#include "core/name_index.hpp"
#include "core/names.hpp"

namespace dotenv_run {

namespace {

// Linux refuses any single argv or envp string longer than MAX_ARG_STRLEN (32 pages).
constexpr std::size_t kMaxEntry = 128 * 1024;

std::string_view entry_name(const char* entry) {
  const char* eq = std::strchr(entry, '=');
  return eq ? std::string_view(entry, static_cast<std::size_t>(eq - entry)) : std::string_view(entry);
}

// True when no byte of `name` is one an environment name may not hold: '=', a NUL, a blank or
// control character, non-ASCII (only 0x21..0x7e but '='). Eight bytes at a time, with the
// classic SWAR tests "some byte less than", "some byte greater than", "some byte zero".
bool plain_name_bytes(std::string_view name) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  auto faulty = [&](std::uint64_t w) {
    const std::uint64_t below = (w - kOnes * 0x21) & ~w & kHigh;
    const std::uint64_t above = ((w + kOnes * (127 - 0x7e)) | w) & kHigh;
    const std::uint64_t eq = w ^ (kOnes * '=');
    const std::uint64_t equals = (eq - kOnes) & ~eq & kHigh;
    return (below | above | equals) != 0;
  };
  std::size_t i = 0;
  for (; i + 8 <= name.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, name.data() + i, 8);
    if (faulty(w)) return false;
  }
  if (i == name.size()) return true;
  std::uint64_t w = kOnes * 'A';  // the missing bytes read as a harmless letter
  std::memcpy(&w, name.data() + i, name.size() - i);
  return !faulty(w);
}

bool is_launcher_variable(std::string_view name) {
  for (std::string_view v : kSecretVariables) {
    if (name == v) return true;
  }
  return false;
}

}  // namespace

void validate_secrets(const Variables& secrets, bool allow_unsafe_names, bool in_environment) {
  for (std::size_t i = 0; i < secrets.size(); ++i) {
    std::string_view name = secrets[i].name;
    std::string_view value = secrets[i].value;
    if (name.empty()) throw Error(kExitDataError, fmt::format("secret number {} has an empty name", i + 1));
    // One pass over the name; only a refused name is looked at again, for a NUL (reported first).
    if (!plain_name_bytes(name) || is_digit(name[0])) {
      if (name.find('\0') != std::string_view::npos) {
        throw Error(kExitDataError, fmt::format("secret number {} has a NUL byte in its name", i + 1));
      }
      throw Error(kExitDataError, fmt::format("secret name '{}' is not a valid environment name", name));
    }
    if (!value.empty() && std::memchr(value.data(), '\0', value.size()) != nullptr) {
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
  if (name.find('=') != std::string_view::npos) return std::nullopt;
  for (const char* entry : entries()) {
    if (std::strncmp(entry, name.data(), name.size()) == 0 && entry[name.size()] == '=') {
      return std::string_view(entry + name.size() + 1);
    }
  }
  return std::nullopt;
}

ChildEnvironment build_child_environment(char* const* inherited, const Variables& secrets, const ChildEnvPolicy& policy,
                                         std::pmr::memory_resource* mem) {
  // The inherited entries the policy lets through, indexed by name (a few dozen, where the
  // secrets may be thousands: each secret is looked up among them, not the other way round).
  std::vector<char*> kept;
  std::vector<std::string_view> kept_names;
  for (char* const* e = inherited; e && *e; ++e) {
    std::string_view name = entry_name(*e);
    if (is_launcher_variable(name)) continue;
    if (policy.clean_env && std::find(policy.keep.begin(), policy.keep.end(), name) == policy.keep.end()) continue;
    kept.push_back(*e);
    kept_names.push_back(name);
  }
  NameIndex index;
  index.reserve(kept.size());
  std::uint64_t kept_lengths = 0;  // bit min(length, 63): some kept name is that long (most secrets skip the index)
  for (std::size_t i = 0; i < kept.size(); ++i) {
    index.insert(name_hash(kept_names[i]), static_cast<std::uint32_t>(i));
    kept_lengths |= std::uint64_t{1} << std::min<std::size_t>(kept_names[i].size(), 63);
  }
  auto kept_name = [&](std::uint32_t at) { return kept_names[at]; };

  // A secret and an inherited variable of the same name: the secret replaces it (every
  // inherited entry of that name), or with --preserve-env the secret is dropped.
  std::vector<bool> replaced(kept.size(), false);
  std::vector<bool> dropped(policy.preserve_env ? secrets.size() : 0, false);
  std::size_t bytes = 0;
  if (!kept.empty()) {
    for (std::size_t i = 0; i < secrets.size(); ++i) {
      std::string_view name = secrets[i].name;
      if ((kept_lengths >> std::min<std::size_t>(name.size(), 63) & 1) == 0) continue;
      index.for_each(name, name_hash(name), kept_name, [&](std::uint32_t at) {
        if (policy.preserve_env) {
          dropped[i] = true;
        } else {
          replaced[at] = true;
        }
      });
    }
  }
  for (std::size_t i = 0; i < secrets.size(); ++i) {
    if (!dropped.empty() && dropped[i]) continue;
    bytes += secrets[i].name.size() + 1 + secrets[i].value.size() + 1;
  }

  ChildEnvironment env(mem);
  env.reserve(kept.size() + secrets.size());
  for (std::size_t i = 0; i < kept.size(); ++i) {
    if (!replaced[i]) env.add(kept[i]);
  }
  // Every "NAME=value" in one block of the arena, written once.
  char* p = bytes == 0 ? nullptr : static_cast<char*>(mem->allocate(bytes, 1));
  for (std::size_t i = 0; i < secrets.size(); ++i) {
    if (!dropped.empty() && dropped[i]) continue;
    std::string_view name = secrets[i].name;
    std::string_view value = secrets[i].value;
    char* entry = p;
    std::memcpy(p, name.data(), name.size());
    p += name.size();
    *p++ = '=';
    if (!value.empty()) std::memcpy(p, value.data(), value.size());
    p += value.size();
    *p++ = '\0';
    env.add(entry, name.size() + 1 + value.size());
  }
  return env;
}

void check_exec_limits(const std::vector<std::string>& argv, const ChildEnvironment& env) {
  long arg_max = ::sysconf(_SC_ARG_MAX);
  if (arg_max <= 0) arg_max = 2 * 1024 * 1024;
  std::size_t total = 0;
  for (const std::string& a : argv) total += a.size() + 1 + sizeof(char*);
  // Each entry's size was counted as it was added.
  total += env.bytes() + env.entries().size() * sizeof(char*);
  const char* largest = env.largest();
  // Leave room for the auxiliary vector and the program name the kernel copies too.
  std::size_t limit = static_cast<std::size_t>(arg_max) - 4096;
  if (total > limit) {
    throw Error(kExitDataError, fmt::format("the command's arguments and environment total {} bytes, over the exec "
                                            "limit of {} bytes (the largest variable is {})",
                                            total, limit, largest ? entry_name(largest) : "none"));
  }
}

}  // namespace dotenv_run
