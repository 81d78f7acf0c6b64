// The child's environment: the inherited one combined with the secrets under a policy,
// built in the secret arena and checked against what execve() can take.
#pragma once

#include <cstring>
#include <memory_resource>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/dotenv.hpp"
#include "core/lookup.hpp"
#include "run/unsafe_names.hpp"

namespace dotenv_run {

struct ChildEnvPolicy {
  bool preserve_env = false;  // inherited values win over secrets
  bool clean_env = false;     // start empty, plus `keep`
  std::vector<std::string> keep;
  bool allow_unsafe_names = false;  // LD_PRELOAD, BASH_ENV, NODE_OPTIONS, ...
};

// Refuses, with Error(kExitDataError) naming the variable: an invalid name (empty,
// a leading digit, '=', a space, a NUL), a NUL in a value, a NAME=value over 128 KiB,
// and a code-loading name unless allowed. `in_environment` false (secrets that go to a file):
// no size limit.
void validate_secrets(const Variables& secrets, bool allow_unsafe_names, bool in_environment = true);

class ChildEnvironment {
 public:
  explicit ChildEnvironment(std::pmr::memory_resource* mem) : entries_(1, nullptr, mem) {}
  char* const* envp() const { return entries_.data(); }  // null-terminated, for execve()
  std::optional<std::string_view> find(std::string_view name) const;
  std::span<char* const> entries() const { return {entries_.data(), entries_.size() - 1}; }
  void reserve(std::size_t entries) { entries_.reserve(entries + 1); }
  void add(char* entry) { add(entry, std::strlen(entry)); }
  // `length`: the entry's length without its NUL, when the caller knows it.
  void add(char* entry, std::size_t length) {
    entries_.back() = entry;
    entries_.push_back(nullptr);
    bytes_ += length + 1;
    if (length + 1 > largest_size_) {
      largest_size_ = length + 1;
      largest_ = entry;
    }
  }
  // The entries' bytes, each with its NUL; the first of the longest entries (null when none).
  std::size_t bytes() const { return bytes_; }
  const char* largest() const { return largest_; }

 private:
  std::pmr::vector<char*> entries_;  // "NAME=value" strings in the arena, then the final null
  std::size_t bytes_ = 0;
  std::size_t largest_size_ = 0;
  const char* largest_ = nullptr;
};

ChildEnvironment build_child_environment(char* const* inherited, const Variables& secrets, const ChildEnvPolicy& policy,
                                         std::pmr::memory_resource* mem);

// Refuses (Error(kExitDataError)) an argv plus environment that execve() would reject
// with E2BIG, naming the largest variable.
void check_exec_limits(const std::vector<std::string>& argv, const ChildEnvironment& env);

}  // namespace dotenv_run
