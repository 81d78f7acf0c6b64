// The .env parser: one decrypted blob or file in, the variables it assigns out (docs/dotenv-format.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/lookup.hpp"
#include "core/name_index.hpp"
#include "core/secure_memory.hpp"

namespace dotenv_run {

// Views, not copies: a name or a plain value points into the text it was parsed from, a value
// built from escapes, references or the inherited environment into the arena (arena_copy). The
// text and the arena must outlive the list.
struct Variable {
  std::string_view name;
  std::string_view value;
};
using Variables = std::pmr::vector<Variable>;

struct ParseOptions {
  // false: `$` sequences are kept verbatim (quotes and escapes are still processed, `\$` still gives `$`).
  bool expand = true;
};

// The variables assigned so far by one or more texts read in order, as if they were one file
// (core/merge reads every source into one): one entry per name in order of first appearance,
// holding the latest value, viewing the texts or `mem` (see Variable). As a Lookup it is what a
// reference sees: the latest value assigned so far, else `inherited`.
class Assignments final : public Lookup {
 public:
  // `expected`: how many names to make room for (a line count is enough).
  Assignments(const Lookup& inherited, std::pmr::memory_resource* mem, std::size_t expected = 0);
  std::optional<std::string_view> find(std::string_view name) const override;

  // Starts the next text: assigned() counts again from zero.
  void next_text() {
    ++text_;
    assigned_ = 0;
  }
  // How many names the current text assigns (a name assigned twice counts once).
  std::size_t assigned() const { return assigned_; }
  std::size_t size() const { return variables_.size(); }
  // `value` views the text, or (`built`) a buffer of the caller's that is copied into the arena.
  void assign(std::string_view name, std::string_view value, bool built = false);
  // A bare KEY: keeps the latest value when there is one, else takes the inherited one.
  void assign_bare(std::string_view name);
  Variables take() { return std::move(variables_); }
  std::pmr::memory_resource* memory() const { return mem_; }

 private:
  std::uint32_t position(std::string_view name, std::uint32_t hash) const;
  void add(std::string_view name, std::uint32_t hash, std::string_view value);
  void count(std::uint32_t position);
  std::string_view keep_built(std::uint32_t position, std::string_view value);

  const Lookup& inherited_;
  std::pmr::memory_resource* mem_;
  Variables variables_;
  NameIndex index_;                   // names -> positions in variables_
  std::vector<std::uint32_t> texts_;  // per variable, the last text that assigned it
  // Per variable given a built value, the arena buffer it was written to: the next built value of
  // that name is written over it (grown by doubling), so `PATH=${PATH}:/x` line after line costs
  // the arena a few buffers, not one copy a line (the arena never frees). Pointers and sizes only.
  struct Room {
    char* data;
    std::size_t size;
  };
  std::unordered_map<std::uint32_t, Room> rooms_;
  std::uint32_t text_ = 0;
  std::size_t assigned_ = 0;
};

// The number of lines of `text` (memchr, not a byte loop), for reserving room.
std::size_t count_lines(std::string_view text);

// Parses one more text into `into` (see parse_dotenv), after into.next_text(). Throws what
// parse_dotenv throws; `into` is then only fit to be dropped.
void parse_dotenv_into(std::string_view text, std::string_view source, const ParseOptions& options, Assignments& into);

// Parses one source; `source` names it in errors ("level project", "file ./x.env").
// Result: one entry per name, in order of first appearance, holding the value of the last
// assignment, viewing `text` (which must outlive it) or allocated from `mem`, a monotonic arena
// (SecretArena: what it holds is never freed one by one). A reference sees the latest value
// assigned earlier in this input, else `env`, else unset; a bare KEY line does the same lookup.
// Malformed input throws Error(kExitDataError, "<source>: line <N>: [<NAME>: ]<reason>"), where N
// is the line the statement starts on, NAME (for an error in a value) the name on the left of `=`,
// and the reason fixed text: nothing from the right of `=` is ever printed.
Variables parse_dotenv(std::string_view text, std::string_view source, const Lookup& env, const ParseOptions& options,
                       std::pmr::memory_resource* mem);

// Where one statement sits in a text, for editing it without disturbing the rest (core/dotenv_edit).
// Offsets are into the text as given (before the BOM is skipped and CRs are normalised).
struct StatementSpan {
  std::string_view name;        // a view into the text
  std::size_t begin = 0;        // the start of its first line (leading blanks included)
  std::size_t end = 0;          // just past the line break that ends its last line, or the end of the text
  bool assignment = false;      // false for a bare key
  std::size_t value_begin = 0;  // an assignment's value as written: quotes included, the blanks and
  std::size_t value_end = 0;    // comment after it excluded (empty at the line end for `A=`)
};

// The statements of `text` in order, read with the grammar of parse_dotenv with expansion off
// (a malformed ${...} is not checked). Malformed input throws the same Error as parse_dotenv.
// Values are read into `mem` and dropped; the result holds offsets and names only.
std::vector<StatementSpan> locate_statements(std::string_view text, std::string_view source,
                                             std::pmr::memory_resource* mem);

}  // namespace dotenv_run
