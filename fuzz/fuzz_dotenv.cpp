// libFuzzer target: the .env parser, ${...} expansion and merging (docs/dotenv-format.md) on any bytes.
// Checks, beyond "no crash, no sanitizer report": every error is an Error (or a SyntaxError from
// expand_value) with a printable message, and what --export --format env writes parses back to
// the same variables.
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <string_view>
#include <vector>

#include "core/dotenv.hpp"
#include "core/error.hpp"
#include "core/expand.hpp"
#include "core/export_format.hpp"
#include "core/merge.hpp"
#include "fuzz_support.hpp"

using namespace dotenv_run;

namespace {

// Plain heap memory, not the secret arena: ASan watches malloc'd bytes, not the arena's pages.
// One HeapArena per input (set at the start of LLVMFuzzerTestOneInput), freed at its end.
std::pmr::memory_resource* mem = nullptr;

const MapLookup& inherited() {
  static const MapLookup env{{"HOME", "/home/app"}, {"EMPTY", ""}, {"PORT", "8080"}, {"HOST", "db.internal"}};
  return env;
}

bool same(const Variables& a, const Variables& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].value != b[i].value) return false;
  }
  return true;
}

void parse_and_render(std::string_view text, bool expand) {
  try {
    const Variables vars = parse_dotenv(text, "file fuzz.env", inherited(), ParseOptions{expand}, mem);
    // The .env export is documented to read back to the same values, whatever they hold.
    const SecretString rendered = render_export(vars, ExportFormat::kEnv, mem);
    const Variables again = parse_dotenv(rendered, "rendered", MapLookup{}, ParseOptions{}, mem);
    if (!same(vars, again)) {
      std::fprintf(stderr, "fuzz: the .env export does not parse back to the same variables\n");
      __builtin_trap();
    }
    render_export(vars, ExportFormat::kJson, mem);
    try {
      render_export(vars, ExportFormat::kShell, mem);
    } catch (const Error& e) {
      fuzz::check_message(e.what());
    }
  } catch (const Error& e) {
    fuzz::check_message(e.what());
  }
}

void locate(std::string_view text) {
  try {
    for (const StatementSpan& s : locate_statements(text, "file fuzz.env", mem)) {
      if (s.begin > s.end || s.end > text.size() || s.value_begin > s.value_end || s.value_end > text.size()) {
        std::fprintf(stderr, "fuzz: a statement span lies outside the text\n");
        __builtin_trap();
      }
    }
  } catch (const Error& e) {
    fuzz::check_message(e.what());
  }
}

// The text split at its middle line break: two sources merged, the second seeing the first.
void merge(std::string_view text) {
  const std::size_t cut = text.find('\n', text.size() / 2);
  const std::string_view first = text.substr(0, cut == std::string_view::npos ? text.size() : cut + 1);
  const std::vector<Source> sources{{"level project api", arena_copy(first, mem)},
                                    {"level target web", arena_copy(text.substr(first.size()), mem)}};
  try {
    const MergeResult merged = merge_sources(sources, inherited(), ParseOptions{}, mem);
    select_variables(merged.variables, Selection{{}, {"HOME"}, "APP_"}, mem);
  } catch (const Error& e) {
    fuzz::check_message(e.what());
  }
}

void expand_raw(std::string_view text, Quoting quoting) {
  SecretString out(mem);
  try {
    expand_value(text, quoting, true, inherited(), out);
  } catch (const SyntaxError& e) {
    fuzz::check_message(e.what());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::HeapArena arena;
  mem = &arena;
  const std::string_view text = fuzz::as_text(data, size);
  parse_and_render(text, true);
  parse_and_render(text, false);
  locate(text);
  merge(text);
  expand_raw(text, Quoting::kUnquoted);
  expand_raw(text, Quoting::kDoubleQuoted);
  return 0;
}
