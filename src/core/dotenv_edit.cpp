// Set, unset and import on a .env text, changing only the statements they must.
#include "core/dotenv_edit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/dotenv.hpp"
#include "core/dotenv_quote.hpp"
#include "core/error.hpp"
#include "core/names.hpp"
#include "core/text.hpp"

namespace dotenv_run {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr std::size_t kNone = static_cast<std::size_t>(-1);

void check_name(std::string_view name) {
  if (!is_dotenv_key(name)) {
    throw Error(kExitUsage, fmt::format("invalid variable name '{}' (expected letters, digits, _ . -, "
                                        "not starting with a digit, . or -)",
                                        sanitized(name)));
  }
}

// The line break the text already uses, for the lines added at its end.
std::string_view line_break_of(std::string_view text) {
  std::size_t lf = text.find('\n');
  return lf != std::string_view::npos && lf > 0 && text[lf - 1] == '\r' ? "\r\n" : "\n";
}

bool needs_line_break_before_append(std::string_view text) {
  if (text.empty() || text == kBom) return false;
  return text.back() != '\n' && text.back() != '\r';
}

}  // namespace

DotenvDocument::DotenvDocument(std::string_view text, std::string_view source, std::pmr::memory_resource* mem)
    : mem_(mem), source_(source), text_(secret_copy(text, mem)) {
  locate_statements(text_, source_, mem_);  // refuses a text the parser would reject
}

// True when `written`, a value as the text has it, gives `value` whatever its context: the same
// with expansion on (against nothing) and off. A reference or `$$` would read differently in the
// two (what a reference gives is always shorter than the reference), so such a value is rewritten.
bool DotenvDocument::already_reads_as(std::string_view written, std::string_view value) const {
  SecretString line(mem_);
  line.reserve(written.size() + 32);
  line.append("X=").append(written);
  try {
    for (bool expand : {true, false}) {
      Variables read = parse_dotenv(line, source_, MapLookup{}, ParseOptions{expand}, mem_);
      if (read.size() != 1 || read[0].value != value) return false;
    }
  } catch (const Error&) {
    return false;  // e.g. ${X:?} with nothing to look up: it depends on its context
  }
  return true;
}

std::size_t DotenvDocument::apply(std::span<const Edit> edits) {
  std::unordered_map<std::string_view, std::size_t> wanted;  // name -> its edit (the last one given)
  std::size_t room = text_.size() + 64;
  for (std::size_t i = 0; i < edits.size(); ++i) {
    check_name(edits[i].name);
    if (!edits[i].remove && edits[i].value.find('\0') != std::string_view::npos) {
      throw Error(kExitDataError, fmt::format("NUL byte in the value of {}", edits[i].name));
    }
    wanted.insert_or_assign(edits[i].name, i);
    room += edits[i].name.size() + edits[i].value.size() * 2 + 8;
  }

  std::vector<StatementSpan> spans = locate_statements(text_, source_, mem_);
  std::vector<std::size_t> last(edits.size(), kNone);  // edit -> the last statement that assigns its name
  for (std::size_t k = 0; k < spans.size(); ++k) {
    if (!spans[k].assignment) continue;
    if (auto it = wanted.find(spans[k].name); it != wanted.end()) last[it->second] = k;
  }

  SecretString out(mem_);
  out.reserve(room);
  std::string_view text = text_;
  std::size_t copied = 0;
  std::size_t removed = 0;
  for (std::size_t k = 0; k < spans.size(); ++k) {
    const StatementSpan& span = spans[k];
    auto it = wanted.find(span.name);
    if (it == wanted.end()) continue;
    const Edit& edit = edits[it->second];
    if (edit.remove) {
      out.append(text.substr(copied, span.begin - copied));
      copied = span.end;
      ++removed;
    } else if (last[it->second] == k) {
      if (already_reads_as(text.substr(span.value_begin, span.value_end - span.value_begin), edit.value)) continue;
      // An empty unquoted value (`A=   # note`) gets its new value right after the `=`.
      std::size_t at = span.value_begin;
      if (span.value_end == at) {
        while (at > span.begin && (text[at - 1] == ' ' || text[at - 1] == '\t')) --at;
      }
      out.append(text.substr(copied, at - copied));
      SecretString quoted = quote_value(edit.value, mem_);
      out.append(quoted);
      copied = span.value_end == span.value_begin ? at : span.value_end;
      // `A="v"#c` keeps its comment only if an unquoted value is followed by a blank.
      bool unquoted = quoted.front() != '\'' && quoted.front() != '"';
      if (unquoted && copied < text.size() && text[copied] == '#') out.push_back(' ');
    }
  }
  out.append(text.substr(copied));

  std::string_view line_break = line_break_of(text);
  for (std::size_t i = 0; i < edits.size(); ++i) {
    if (edits[i].remove || last[i] != kNone || wanted.at(edits[i].name) != i) continue;
    if (needs_line_break_before_append(out)) out.append(line_break);
    out.append(edits[i].name).push_back('=');
    out.append(quote_value(edits[i].value, mem_));
    out.append(line_break);
  }

  // Every piece written is checked by construction; this makes "the result parses" a guarantee.
  try {
    locate_statements(out, source_, mem_);
  } catch (const Error&) {
    throw Error(kExitSoftware, fmt::format("internal error: the edited text of {} does not parse", source_));
  }
  text_.swap(out);
  return removed;
}

void DotenvDocument::set(std::string_view name, std::string_view value) {
  Edit edit{name, value, false};
  apply(std::span<const Edit>(&edit, 1));
}

bool DotenvDocument::unset(std::string_view name) {
  Edit edit{name, {}, true};
  return apply(std::span<const Edit>(&edit, 1)) > 0;
}

ImportSummary DotenvDocument::merge(std::string_view other_text, std::string_view other_source, const Lookup& env) {
  return import(other_text, other_source, env, false);
}

ImportSummary DotenvDocument::replace(std::string_view other_text, std::string_view other_source, const Lookup& env) {
  return import(other_text, other_source, env, true);
}

ImportSummary DotenvDocument::import(std::string_view other_text, std::string_view other_source, const Lookup& env,
                                     bool replace_all) {
  Variables incoming = parse_dotenv(other_text, other_source, env, ParseOptions{true}, mem_);
  std::unordered_set<std::string_view> incoming_names;
  for (const Variable& v : incoming) incoming_names.insert(v.name);

  std::vector<StatementSpan> spans = locate_statements(text_, source_, mem_);
  std::unordered_set<std::string_view> assigned;
  std::vector<Edit> edits;
  edits.reserve(incoming.size() + spans.size());
  std::unordered_set<std::string_view> dropped;
  for (const StatementSpan& span : spans) {
    if (span.assignment) assigned.insert(span.name);
    if (replace_all && !incoming_names.contains(span.name) && dropped.insert(span.name).second) {
      edits.push_back(Edit{span.name, {}, true});
    }
  }

  ImportSummary summary;
  summary.removed = static_cast<std::size_t>(
      std::count_if(dropped.begin(), dropped.end(), [&](std::string_view name) { return assigned.contains(name); }));
  for (const Variable& v : incoming) {
    edits.push_back(Edit{v.name, v.value, false});
    if (assigned.contains(v.name))
      ++summary.updated;
    else
      ++summary.added;
  }
  apply(edits);
  return summary;
}

}  // namespace dotenv_run
