// Editing the text of one .env level in place: set, unset, import. Everything the edit does not
// have to touch (comments, blank lines, order, spacing, `export`, other values, CRLF) stays byte for byte.
#pragma once

#include <cstddef>
#include <memory_resource>
#include <span>
#include <string>
#include <string_view>

#include "core/lookup.hpp"
#include "core/secure_memory.hpp"

namespace dotenv_run {

// What an import did, for a one-line report (names only, never values).
struct ImportSummary {
  std::size_t added = 0;    // names the document did not assign before
  std::size_t updated = 0;  // names it assigned, now with the imported value (which may be the same)
  std::size_t removed = 0;  // names it assigned that the import did not (replace only)
};

// A .env text being edited. Statements are found with the parser's own grammar
// (locate_statements in core/dotenv.hpp), so multi-line quoted values, comments, `export`,
// BOM and CRLF are handled exactly as parse_dotenv reads them. Every byte lives in `mem`.
//
// Meaning kept (parse_dotenv with expansion on, as dotenv-run reads a level):
//  - set(NAME) rewrites only the value of the LAST assignment of NAME, in place: its `export`,
//    the spacing around `=` and a trailing comment stay. When that value as written already gives
//    the new value in any context (no reference in it), the text is left as it is, so setting or
//    importing an unchanged value changes nothing.
//    Earlier assignments of NAME stay too:
//    a variable between them that refers to NAME (`A=1`, `B=$A`, `A=2`) keeps its value, and NAME
//    keeps its position in --export order. When nothing assigns NAME (a bare `NAME` line is not an
//    assignment), `NAME=<quoted>` is appended at the end, after a line break if the text lacks a
//    final one (CRLF when the text uses CRLF). Variables after it that refer to NAME see the new
//    value, as the file says they should.
//  - unset(NAME) removes every statement naming NAME, assignments and bare keys, each with all
//    the physical lines of a multi-line value; comment lines above it are kept.
//  - merge/replace take the values of the other text as parse_dotenv reads them with expansion
//    ON against `env`: the values a program would get from `dotenv-run --env-file FILE` with that
//    environment. References inside the imported file are resolved once, at import (the stored
//    value is literal), so the stored secrets do not change meaning when they land in another
//    order. Pass an empty MapLookup unless the local environment is meant to be uploaded: a
//    ${NAME} the file does not define then gives nothing, and a bare NAME line imports nothing.
class DotenvDocument {
 public:
  // `source` names the text in errors ("level environment production"). A text that parse_dotenv
  // would reject is refused: Error(kExitDataError, "<source>: line <N>: <reason>").
  DotenvDocument(std::string_view text, std::string_view source, std::pmr::memory_resource* mem);

  // Error(kExitUsage) for a name parse_dotenv would not accept as a key, and Error(kExitDataError)
  // for a value holding a NUL byte; both name the variable and leave the document unchanged.
  void set(std::string_view name, std::string_view value);
  // True when a statement was removed. Error(kExitUsage) for an invalid name.
  bool unset(std::string_view name);

  // Import: every name `other_text` assigns is set (in its order of first appearance, new names
  // appended in that order); the document's other names stay. A malformed other text throws
  // Error(kExitDataError, "<other_source>: line <N>: ...") and leaves the document unchanged.
  ImportSummary merge(std::string_view other_text, std::string_view other_source, const Lookup& env);
  // Import that replaces: like merge, and every name the other text does not assign is unset,
  // so the result assigns exactly the other text's variables (the document's comments stay).
  ImportSummary replace(std::string_view other_text, std::string_view other_source, const Lookup& env);

  // The edited text (a view of memory in `mem`, valid until the next edit).
  std::string_view text() const { return text_; }

 private:
  struct Edit {
    std::string_view name;
    std::string_view value;
    bool remove = false;
  };
  // Applies every edit in one pass over the text; returns how many statements were removed.
  std::size_t apply(std::span<const Edit> edits);
  bool already_reads_as(std::string_view written, std::string_view value) const;
  ImportSummary import(std::string_view other_text, std::string_view other_source, const Lookup& env, bool replace_all);

  std::pmr::memory_resource* mem_;
  std::string source_;  // a name for errors, never a value
  SecretString text_;
};

}  // namespace dotenv_run
