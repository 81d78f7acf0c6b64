// What changed between two .env texts, by name: for `versions diff`.
#pragma once

#include <memory_resource>
#include <string>
#include <string_view>
#include <vector>

#include "core/dotenv.hpp"

namespace dotenv_run {

struct EnvChange {
  enum Kind { kAdded, kRemoved, kChanged } kind;
  std::string name;
  const Variable* before = nullptr;  // null when added
  const Variable* after = nullptr;   // null when removed
};

// Each name of `before` and `after` that was added, removed or whose value (as written, unexpanded)
// changed: the names of `before` in order, then those only in `after`.
std::vector<EnvChange> diff_variables(const Variables& before, const Variables& after);

// A value on one line for people: in double quotes, with \n, \t, \", \\ and \xHH for other
// control bytes and bytes that are not UTF-8 text.
std::string quoted_for_terminal(std::string_view value);

}  // namespace dotenv_run
