// Merging the sources in order (project, target, environment, then --env-file files) and
// selecting what reaches the child (--only, --exclude, --prefix).
#pragma once

#include <memory_resource>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/dotenv.hpp"

namespace dotenv_run {

// One plaintext .env text, the name errors use for it ("level project api", "file ./x.env") and
// what --check says of it ("version 7", "no secrets"). The text is a view: of the secret arena for
// a launch (a level decrypted in place in the answer, a file read into it), which outlives the
// Source and the variables parsed from it.
struct Source {
  std::string name;
  std::string_view text;
  std::string detail = {};
};

struct MergeResult {
  Variables variables;              // in order of first appearance; the deepest source wins
  std::vector<std::size_t> counts;  // how many names each source defines
};

// Parses each source as if all were one file read in order: a value may use anything
// from an earlier source or line, then `inherited` (the launcher's environment).
MergeResult merge_sources(std::span<const Source> sources, const Lookup& inherited, const ParseOptions& options,
                          std::pmr::memory_resource* mem);

struct Selection {
  std::vector<std::string> only;  // empty: every name; otherwise these, each required
  std::vector<std::string> exclude;
  std::string prefix;  // prepended to every name after only/exclude
};

// Applies --only, --exclude and --prefix to `merged` (moved in, filtered in place). Throws
// Error(kExitDataError) when a name in `only` is missing. The prefix is checked by the
// command line.
Variables select_variables(Variables merged, const Selection& selection, std::pmr::memory_resource* mem);

}  // namespace dotenv_run
