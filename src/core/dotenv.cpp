// The .env parser: statements, keys, quoting and comments (expansion itself is in expand.cpp).
#include "core/dotenv.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <vector>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "core/error.hpp"
#include "core/expand.hpp"
#include "core/names.hpp"

namespace dotenv_run {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// Drops a leading BOM and turns CRLF and lone CR into LF. The text is copied (into `mem`, the
// secret arena, where the variables parsed from it may point) only when it has a CR at all.
std::string_view normalise(std::string_view text, std::pmr::memory_resource* mem) {
  if (text.starts_with(kBom)) text.remove_prefix(kBom.size());
  std::size_t cr = text.find('\r');
  if (cr == std::string_view::npos) return text;
  char* out = static_cast<char*>(mem->allocate(text.size(), 1));
  std::size_t n = 0;
  std::size_t pos = 0;
  while (cr != std::string_view::npos) {
    std::memcpy(out + n, text.data() + pos, cr - pos);
    n += cr - pos;
    out[n++] = '\n';
    pos = cr + 1;
    if (pos < text.size() && text[pos] == '\n') ++pos;
    cr = text.find('\r', pos);
  }
  std::memcpy(out + n, text.data() + pos, text.size() - pos);
  n += text.size() - pos;
  return {out, n};
}

class Parser {
 public:
  Parser(std::string_view text, const ParseOptions& options, Assignments& scope, std::pmr::memory_resource* mem)
      : text_(text), options_(options), scope_(scope), value_(mem) {
    value_.reserve(256);  // in the arena, not in the buffer of a Parser on the stack
  }

  // When set, run() records where each statement sits (offsets into the text it was given).
  void record_into(std::vector<StatementSpan>* spans) { spans_ = spans; }

  void run() {
    if (std::size_t nul = text_.find('\0'); nul != std::string_view::npos) {
      statement_ = nul;
      throw SyntaxError(nul_message(nul));
    }
    while (pos_ < text_.size()) {
      std::size_t line_start = pos_;
      skip_blanks();
      char c = at(pos_);
      if (c == '\n' || c == '#') {
        skip_line();
        continue;
      }
      statement_ = pos_;
      in_value_ = false;
      statement();
      if (spans_ != nullptr) {
        spans_->push_back(StatementSpan{key_, line_start, pos_, assignment_, assignment_ ? value_begin_ : 0,
                                        assignment_ ? value_end_ : 0});
      }
    }
  }

  // Names the variable when the NUL sits on a `NAME=` line, so an operator knows which
  // secret to fix; a NUL on a continuation line of a quoted value can only name the line.
  std::string nul_message(std::size_t nul) const {
    std::size_t start = text_.rfind('\n', nul);
    start = start == std::string_view::npos ? 0 : start + 1;
    std::string_view line = text_.substr(start, nul - start);
    auto skip_ws = [&] {
      while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    };
    skip_ws();
    if (line.substr(0, 7) == "export " || line.substr(0, 7) == "export\t") {
      line.remove_prefix(7);
      skip_ws();
    }
    std::size_t n = 0;
    while (n < line.size() && (n == 0 ? is_name_start(line[n]) : is_key_char(line[n]))) ++n;
    std::string_view name = line.substr(0, n);
    line.remove_prefix(n);
    skip_ws();
    if (!name.empty() && !line.empty() && line.front() == '=') {
      return fmt::format("NUL byte in the value of {}", name);
    }
    return "NUL byte in the input";
  }

  std::size_t line() const { return count_lines(text_.substr(0, statement_)); }

  // The error's place: the line and, for an error in a value, the name on the left of `=`.
  // Nothing from the right of `=` is ever part of it (a name inside ${...} is value text too).
  std::string place() const {
    if (in_value_) return fmt::format("line {}: {}", line(), key_);
    return fmt::format("line {}", line());
  }

 private:
  // The end of the text reads as a line break, so no caller needs a bounds check.
  char at(std::size_t pos) const { return pos < text_.size() ? text_[pos] : '\n'; }

  bool skip_blanks() {
    std::size_t start = pos_;
    while (pos_ < text_.size() && is_blank(text_[pos_])) ++pos_;
    return pos_ != start;
  }

  // The first `c` at or after `from` and before `to` (memchr, not a byte loop), else `to`.
  std::size_t find(std::size_t from, char c, std::size_t to = std::string_view::npos) const {
    to = std::min(to, text_.size());
    if (from >= to) return to;
    const void* hit = std::memchr(text_.data() + from, c, to - from);
    return hit == nullptr ? to : static_cast<std::size_t>(static_cast<const char*>(hit) - text_.data());
  }

  static bool contains(std::string_view s, char c) { return !s.empty() && std::memchr(s.data(), c, s.size()); }

  // Moves past the next line break (or to the end).
  void skip_line() {
    std::size_t eol = text_.find('\n', pos_);
    pos_ = eol == std::string_view::npos ? text_.size() : eol + 1;
  }

  // [export ws+] KEY [ws] ( "=" [ws] VALUE [trailer] | ["#" comment] ), after leading blanks.
  void statement() {
    constexpr std::string_view kExport = "export";
    if (text_[pos_] == 'e' && text_.substr(pos_).starts_with(kExport) && is_blank(at(pos_ + kExport.size()))) {
      std::size_t key = pos_ + kExport.size();
      while (is_blank(at(key))) ++key;
      // Otherwise `export` is itself the key (`export=1`, a bare `export`).
      if (is_name_start(at(key))) pos_ = key;
    }
    if (at(pos_) == '=') throw SyntaxError("missing name before '='");
    if (!is_name_start(at(pos_))) throw SyntaxError("invalid name");
    std::size_t start = pos_;
    while (pos_ < text_.size() && is_key_char(text_[pos_])) ++pos_;
    const std::string_view key(text_.data() + start, pos_ - start);
    key_ = key;

    bool spaced = skip_blanks();
    char c = at(pos_);
    assignment_ = c == '=';
    if (c == '=') {
      ++pos_;
      value(key);
    } else if (c == '\n' || (c == '#' && spaced)) {  // `KEY#note` is an error, `KEY #note` a bare key
      skip_line();
      bare_key(key);
    } else {
      throw SyntaxError(spaced ? "expected '=' after the name" : "invalid character in name");
    }
  }

  void bare_key(std::string_view key) { scope_.assign_bare(key); }

  void value(std::string_view key) {
    in_value_ = true;
    skip_blanks();
    value_begin_ = pos_;
    value_.clear();
    std::string_view value;
    switch (at(pos_)) {
      case '\'': value = single_quoted(); break;
      case '`': value = back_quoted(); break;
      case '"': value = double_quoted(); break;
      default: value = unquoted(); break;
    }
    // A value built in value_ is copied to the arena by the assignments; any other views the text.
    const bool built = !value.empty() && value.data() == value_.data();
    scope_.assign(key, value.empty() ? std::string_view() : value, built);
  }

  // A value with no escape and no reference is its text: a view of it, not a copy.
  std::string_view decoded(std::string_view raw, Quoting quoting) {
    if (!contains(raw, '\\') && !(options_.expand && contains(raw, '$'))) return raw;
    expand_value(raw, quoting, options_.expand, scope_, value_);
    return value_;
  }

  // The rest of the line, up to a `#` that follows a blank (the blank may be the one
  // right after `=`, which is why the test looks at the character before the value).
  std::string_view unquoted() {
    const std::size_t start = pos_;
    std::size_t end = 0;
    std::size_t eol = 0;
    bool plain = true;  // no backslash or `$` before the end: the value is its text
    for (std::size_t i = next_unquoted_stop(start);; i = next_unquoted_stop(i + 1)) {
      const char c = at(i);
      if (c == '\n') {
        end = eol = i;
        break;
      }
      if (c == '#') {
        if (!is_blank(text_[i - 1])) continue;
        end = i;
        eol = find(i, '\n');
        break;
      }
      plain = false;
    }
    while (end > start && is_blank(text_[end - 1])) --end;
    value_end_ = end;
    const std::string_view raw = text_.substr(start, end - start);
    std::string_view value = raw;
    if (!plain) {
      expand_value(raw, Quoting::kUnquoted, options_.expand, scope_, value_);
      value = value_;
    }
    pos_ = eol < text_.size() ? eol + 1 : text_.size();
    return value;
  }

  // The first line break, `#`, backslash or `$` at or after `from`, else the end: one pass
  // over an unquoted value where memchr would make one per character (16 bytes at a time).
  std::size_t next_unquoted_stop(std::size_t from) const {
    const char* s = text_.data();
    const std::size_t n = text_.size();
    std::size_t i = from;
#ifdef __SSE2__
    const __m128i nl = _mm_set1_epi8('\n');
    const __m128i hash = _mm_set1_epi8('#');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i dollar = _mm_set1_epi8('$');
    for (; i + 16 <= n; i += 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
      const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, nl), _mm_cmpeq_epi8(v, hash)),
                                       _mm_or_si128(_mm_cmpeq_epi8(v, backslash), _mm_cmpeq_epi8(v, dollar)));
      if (const int bits = _mm_movemask_epi8(hit); bits != 0) return i + static_cast<std::size_t>(__builtin_ctz(bits));
    }
#endif
    for (; i < n; ++i) {
      const char c = s[i];
      if (c == '\n' || c == '#' || c == '\\' || c == '$') return i;
    }
    return n;
  }

  // Raw; `\'` gives `'`, and `\\` stays two backslashes but cannot escape the closing quote.
  std::string_view single_quoted() {
    std::size_t close = find(pos_ + 1, '\'');
    if (close == text_.size()) throw SyntaxError("unterminated single quote");
    std::string_view raw = text_.substr(pos_ + 1, close - pos_ - 1);
    if (!contains(raw, '\\')) {
      pos_ = close + 1;
      trailer();
      return raw;
    }
    std::size_t i = pos_ + 1;
    while (true) {
      std::size_t j = i;
      while (j < text_.size() && text_[j] != '\'' && text_[j] != '\\') ++j;
      value_.append(text_.substr(i, j - i));
      if (j == text_.size()) throw SyntaxError("unterminated single quote");
      if (text_[j] == '\'') {
        pos_ = j + 1;
        break;
      }
      char next = at(j + 1);
      if (next == '\'' || next == '\\') {
        if (next == '\\') value_.push_back('\\');
        value_.push_back(next);
        i = j + 2;
      } else {
        value_.push_back('\\');
        i = j + 1;
      }
    }
    trailer();
    return value_;
  }

  std::string_view back_quoted() {
    std::size_t close = text_.find('`', pos_ + 1);
    if (close == std::string_view::npos) throw SyntaxError("unterminated backtick quote");
    std::string_view value = text_.substr(pos_ + 1, close - pos_ - 1);
    pos_ = close + 1;
    trailer();
    return value;
  }

  std::string_view double_quoted() {
    // Up to the first `"` when no backslash comes before it; else a backslash skips a character.
    std::size_t j = find(pos_ + 1, '"');
    if (contains(text_.substr(pos_ + 1, j - pos_ - 1), '\\')) {
      j = pos_ + 1;
      while (j < text_.size() && text_[j] != '"') j += text_[j] == '\\' ? 2 : 1;
    }
    if (j >= text_.size()) throw SyntaxError("unterminated double quote");
    std::string_view value = decoded(text_.substr(pos_ + 1, j - pos_ - 1), Quoting::kDoubleQuoted);
    pos_ = j + 1;
    trailer();
    return value;
  }

  // After a closing quote only blanks and a comment may follow.
  void trailer() {
    value_end_ = pos_;
    skip_blanks();
    char c = at(pos_);
    if (c != '\n' && c != '#') throw SyntaxError("text after closing quote");
    skip_line();
  }

  std::string_view text_;
  ParseOptions options_;
  Assignments& scope_;
  SecretString value_;  // a value with escapes or references, built here; reused for every statement
  std::size_t pos_ = 0;
  std::size_t statement_ = 0;
  // What the statement just read looked like, for locate_statements.
  std::vector<StatementSpan>* spans_ = nullptr;
  std::string_view key_;
  bool assignment_ = false;
  bool in_value_ = false;  // the error being thrown is about key_'s value
  std::size_t value_begin_ = 0;
  std::size_t value_end_ = 0;
};

}  // namespace

std::size_t count_lines(std::string_view text) {
  std::size_t lines = 1;
  const char* p = text.data();
  const std::size_t n = text.size();
  std::size_t i = 0;
#ifdef __SSE2__
  // 16 bytes at a time: each byte lane counts its line breaks (up to 255), then the lanes are summed.
  const __m128i nl = _mm_set1_epi8('\n');
  while (i + 16 <= n) {
    __m128i counts = _mm_setzero_si128();
    for (int k = 0; k < 255 && i + 16 <= n; ++k, i += 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      counts = _mm_sub_epi8(counts, _mm_cmpeq_epi8(v, nl));
    }
    const __m128i sums = _mm_sad_epu8(counts, _mm_setzero_si128());
    lines += static_cast<std::size_t>(_mm_cvtsi128_si32(sums)) + static_cast<std::size_t>(_mm_extract_epi16(sums, 4));
  }
#endif
  for (; i < n; ++i) lines += p[i] == '\n' ? 1 : 0;
  return lines;
}

Assignments::Assignments(const Lookup& inherited, std::pmr::memory_resource* mem, std::size_t expected)
    : inherited_(inherited), mem_(mem), variables_(mem) {
  variables_.reserve(expected);
  texts_.reserve(expected);
  index_.reserve(expected);
}

std::uint32_t Assignments::position(std::string_view name, std::uint32_t hash) const {
  return index_.find(name, hash, [this](std::uint32_t at) { return std::string_view(variables_[at].name); });
}

std::optional<std::string_view> Assignments::find(std::string_view name) const {
  if (std::uint32_t at = position(name, name_hash(name)); at != NameIndex::kNone) return variables_[at].value;
  return inherited_.find(name);
}

void Assignments::count(std::uint32_t position) {
  if (texts_[position] == text_) return;
  texts_[position] = text_;
  ++assigned_;
}

void Assignments::add(std::string_view name, std::uint32_t hash, std::string_view value) {
  const auto at = static_cast<std::uint32_t>(variables_.size());
  variables_.push_back(Variable{name, value});
  index_.insert(hash, at);
  texts_.push_back(text_);
  ++assigned_;
}

std::string_view Assignments::keep_built(std::uint32_t position, std::string_view value) {
  auto room = rooms_.find(position);
  if (room == rooms_.end() || room->second.size < value.size()) {
    const std::size_t size = std::max(value.size(), room == rooms_.end() ? 0 : 2 * room->second.size);
    room = rooms_.insert_or_assign(position, Room{static_cast<char*>(mem_->allocate(size, 1)), size}).first;
  }
  // The only view of the old bytes was this variable's value, which is replaced now; `value` is
  // the caller's buffer, never this one.
  std::memcpy(room->second.data, value.data(), value.size());
  return {room->second.data, value.size()};
}

void Assignments::assign(std::string_view name, std::string_view value, bool built) {
  const std::uint32_t hash = name_hash(name);
  if (std::uint32_t at = position(name, hash); at != NameIndex::kNone) {
    variables_[at].value = built ? keep_built(at, value) : value;
    count(at);
  } else if (built) {
    add(name, hash, {});
    variables_.back().value = keep_built(static_cast<std::uint32_t>(variables_.size() - 1), value);
  } else {
    add(name, hash, value);
  }
}

void Assignments::assign_bare(std::string_view name) {
  const std::uint32_t hash = name_hash(name);
  if (std::uint32_t at = position(name, hash); at != NameIndex::kNone) {
    count(at);  // it already holds its latest value, from this text or an earlier one
  } else if (auto inherited = inherited_.find(name)) {
    add(name, hash, arena_copy(*inherited, mem_));
  }
}

void parse_dotenv_into(std::string_view text, std::string_view source, const ParseOptions& options, Assignments& into) {
  Parser parser(normalise(text, into.memory()), options, into, into.memory());
  try {
    parser.run();
  } catch (const SyntaxError& e) {
    throw Error(kExitDataError, fmt::format("{}: {}: {}", source, parser.place(), e.what()));
  }
}

Variables parse_dotenv(std::string_view text, std::string_view source, const Lookup& env, const ParseOptions& options,
                       std::pmr::memory_resource* mem) {
  Assignments assignments(env, mem, count_lines(text));
  parse_dotenv_into(text, source, options, assignments);
  return assignments.take();
}

std::vector<StatementSpan> locate_statements(std::string_view text, std::string_view source,
                                             std::pmr::memory_resource* mem) {
  const std::string_view normalised = normalise(text, mem);
  const MapLookup nothing;
  Assignments assignments(nothing, mem, count_lines(normalised));
  std::vector<StatementSpan> spans;
  Parser parser(normalised, ParseOptions{false}, assignments, mem);
  parser.record_into(&spans);
  try {
    parser.run();
  } catch (const SyntaxError& e) {
    throw Error(kExitDataError, fmt::format("{}: {}: {}", source, parser.place(), e.what()));
  }

  // Back to offsets into `text`: add the BOM, and one byte for every CRLF that became one LF
  // before the offset (a lone CR became an LF of the same length).
  std::size_t bom = text.starts_with(kBom) ? kBom.size() : 0;
  std::vector<std::size_t> collapsed;  // offsets, in the normalised text, of the LFs that were CRLFs
  for (std::size_t i = bom, n = 0; i < text.size(); ++i, ++n) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      collapsed.push_back(n);
      ++i;
    }
  }
  auto original = [&](std::size_t offset) {
    auto before = std::lower_bound(collapsed.begin(), collapsed.end(), offset) - collapsed.begin();
    return bom + offset + static_cast<std::size_t>(before);
  };
  for (StatementSpan& span : spans) {
    std::size_t name_at = original(static_cast<std::size_t>(span.name.data() - normalised.data()));
    span.name = text.substr(name_at, span.name.size());
    span.begin = original(span.begin);
    span.end = original(span.end);
    if (span.assignment) {
      span.value_begin = original(span.value_begin);
      span.value_end = original(span.value_end);
    }
  }
  return spans;
}

}  // namespace dotenv_run
