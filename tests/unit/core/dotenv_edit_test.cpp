// Tests of DotenvDocument: set, unset and import change only the statements they must, and the
// parser reads the result as intended.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory_resource>
#include <string>
#include <utility>
#include <vector>

#include "core/dotenv.hpp"
#include "core/dotenv_edit.hpp"
#include "core/secure_memory.hpp"
#include "support/error_of.hpp"
#include "support/random_values.hpp"

using namespace dotenv_run;
using namespace std::string_literals;

namespace {

using Values = std::map<std::string, std::string>;

// What dotenv-run reads from a level: expansion on, nothing inherited. (Test data: ordinary
// memory, monotonic like the arena, which is much faster than locked pages for thousands of cases.)
Values read(std::string_view text, const MapLookup& env = {}) {
  Values values;
  std::pmr::monotonic_buffer_resource mem;
  for (const Variable& v : parse_dotenv(text, "t", env, ParseOptions{true}, &mem)) {
    values[std::string(v.name)] = std::string(v.value);
  }
  return values;
}

std::string set(std::string_view text, std::string_view name, std::string_view value) {
  SecretArena arena;
  DotenvDocument doc(text, "level test", arena.resource());
  doc.set(name, value);
  return std::string(doc.text());
}

std::string unset(std::string_view text, std::string_view name, bool* removed = nullptr) {
  SecretArena arena;
  DotenvDocument doc(text, "level test", arena.resource());
  bool did = doc.unset(name);
  if (removed != nullptr) *removed = did;
  return std::string(doc.text());
}

const std::string kLevel =
    "# Database settings\n"
    "\n"
    "export DB_HOST=db.internal        # the primary\n"
    "DB_PORT = 5432\n"
    "\t# indented comment\n"
    "DB_URL=postgres://${DB_HOST}:${DB_PORT}/app\n"
    "PEM=\"-----BEGIN KEY-----\n"
    "MIIB\n"
    "-----END KEY-----\"   # quotes may span lines\n"
    "\n"
    "\n"
    "COLOR=#ff0000\n"
    "LAST='x y'";

// A memory resource that remembers the blocks it handed out.
class Recorder final : public std::pmr::memory_resource {
 public:
  bool holds(const void* p) const {
    auto at = reinterpret_cast<std::uintptr_t>(p);
    for (const auto& [start, size] : blocks_) {
      if (at >= start && at < start + size) return true;
    }
    return false;
  }

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override {
    void* p = std::pmr::new_delete_resource()->allocate(bytes, alignment);
    blocks_.emplace_back(reinterpret_cast<std::uintptr_t>(p), bytes);
    return p;
  }
  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override {
    std::erase(blocks_, std::pair{reinterpret_cast<std::uintptr_t>(p), bytes});
    std::pmr::new_delete_resource()->deallocate(p, bytes, alignment);
  }
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override { return this == &other; }

  std::vector<std::pair<std::uintptr_t, std::size_t>> blocks_;
};

}  // namespace

TEST_SUITE("dotenv edit: locating statements") {
  TEST_CASE("each statement is reported with its name, its lines and its value as written, in the text's own offsets") {
    std::string text = "\xEF\xBB\xBF# c\r\n  export A = 'x\r\ny'  # n\r\nB\r\nC=v w \t# n\rD=";
    SecretArena arena;
    std::vector<StatementSpan> spans = locate_statements(text, "t", arena.resource());
    REQUIRE(spans.size() == 4);
    auto piece = [&](std::size_t from, std::size_t to) { return text.substr(from, to - from); };
    CHECK(spans[0].name == "A");
    CHECK(piece(spans[0].begin, spans[0].end) == "  export A = 'x\r\ny'  # n\r\n");
    CHECK(spans[0].assignment);
    CHECK(piece(spans[0].value_begin, spans[0].value_end) == "'x\r\ny'");
    CHECK(spans[1].name == "B");
    CHECK(piece(spans[1].begin, spans[1].end) == "B\r\n");
    CHECK_FALSE(spans[1].assignment);
    CHECK(piece(spans[2].value_begin, spans[2].value_end) == "v w");
    CHECK(piece(spans[2].begin, spans[2].end) == "C=v w \t# n\r");
    CHECK(spans[3].name == "D");
    CHECK(spans[3].value_begin == text.size());
    CHECK(spans[3].value_end == text.size());
    CHECK(spans[3].end == text.size());
  }

  TEST_CASE("locating refuses what the parser refuses, with the same message") {
    SecretArena arena;
    CHECK(testing::error_of(kExitDataError, [&] { locate_statements("A=1\r\nB C\r\n", "file x", arena.resource()); }) ==
          "file x: line 2: expected '=' after the name");
  }
}

TEST_SUITE("dotenv edit: set") {
  TEST_CASE("setting an existing name rewrites only its value; comments, blank lines, order and other lines stay") {
    CHECK(set(kLevel, "DB_PORT", "6543") ==
          "# Database settings\n"
          "\n"
          "export DB_HOST=db.internal        # the primary\n"
          "DB_PORT = 6543\n"
          "\t# indented comment\n"
          "DB_URL=postgres://${DB_HOST}:${DB_PORT}/app\n"
          "PEM=\"-----BEGIN KEY-----\n"
          "MIIB\n"
          "-----END KEY-----\"   # quotes may span lines\n"
          "\n"
          "\n"
          "COLOR=#ff0000\n"
          "LAST='x y'");
    Values before = read(kLevel);
    Values after = read(set(kLevel, "DB_PORT", "6543"));
    CHECK(after["DB_PORT"] == "6543");
    CHECK(after["DB_URL"] == "postgres://db.internal:6543/app");  // it refers to DB_PORT, as written
    after["DB_PORT"] = before["DB_PORT"];
    after["DB_URL"] = before["DB_URL"];
    CHECK(after == before);
  }

  TEST_CASE("setting an exported name keeps the export prefix, the spacing and the trailing comment") {
    CHECK(set("export  A = old   # note\n", "A", "new value") == "export  A = 'new value'   # note\n");
    CHECK(set("\texport\tA=\"old\"#note\n", "A", "it's") == "\texport\tA=\"it's\"#note\n");
  }

  TEST_CASE("an unquoted value written before a comment that touched the old value gets a blank") {
    std::string text = set("A=\"v\"#c\nB= # empty\n", "A", "w");
    CHECK(text == "A=w #c\nB= # empty\n");
    CHECK(read(text) == Values{{"A", "w"}, {"B", ""}});
    CHECK(set("B= # empty\n", "B", "x") == "B=x # empty\n");
    CHECK(set("B=   # empty\n", "B", "y") == "B=y   # empty\n");
  }

  TEST_CASE("setting a missing name appends it, after a line break when the text lacks a final one") {
    CHECK(set("A=1\n", "B", "2") == "A=1\nB=2\n");
    CHECK(set("A=1", "B", "2") == "A=1\nB=2\n");
    CHECK(set("A=1\n# trailing comment", "B", "x y") == "A=1\n# trailing comment\nB='x y'\n");
    CHECK(set("", "B", "2") == "B=2\n");
    CHECK(set("\xEF\xBB\xBF", "B", "2") ==
          "\xEF\xBB\xBF"
          "B=2\n");
  }

  TEST_CASE("a text with CRLF line breaks keeps them, and appended lines use them too") {
    std::string text = set("\xEF\xBB\xBF# c\r\nA=1\r\nB='x\r\ny'\r\nC=3\r\n", "B", "z");
    CHECK(text == "\xEF\xBB\xBF# c\r\nA=1\r\nB=z\r\nC=3\r\n");
    CHECK(set("A=1\r\nB=2", "C", "3") == "A=1\r\nB=2\r\nC=3\r\n");
    CHECK(set("A=1\rB=2\r", "A", "x") == "A=x\rB=2\r");
  }

  TEST_CASE("setting a duplicated name rewrites its last assignment, so a value between keeps what it saw") {
    std::string text = set("A=1\nB=$A\nA=2\nC=$A\n", "A", "3");
    CHECK(text == "A=1\nB=$A\nA=3\nC=$A\n");
    CHECK(read(text) == Values{{"A", "3"}, {"B", "1"}, {"C", "3"}});
  }

  TEST_CASE("setting a multi-line value replaces all its lines, and a new multi-line value spans lines") {
    CHECK(set(kLevel, "PEM", "short") ==
          "# Database settings\n\nexport DB_HOST=db.internal        # the primary\nDB_PORT = 5432\n"
          "\t# indented comment\nDB_URL=postgres://${DB_HOST}:${DB_PORT}/app\n"
          "PEM=short   # quotes may span lines\n\n\nCOLOR=#ff0000\nLAST='x y'");
    std::string text = set("A=1\nB=2\n", "A", "line 1\n# not a comment\nline 3");
    CHECK(text == "A='line 1\n# not a comment\nline 3'\nB=2\n");
    CHECK(read(text) == Values{{"A", "line 1\n# not a comment\nline 3"}, {"B", "2"}});
  }

  TEST_CASE("setting the value a name already has, written without references, changes nothing") {
    for (std::string_view text : {"A=x # c\n", "A=\"x\"\n", "A='x'\n", "A=`x`\n", "A=\\$\n", "A=\"\\$\"\n"}) {
      std::string value = read(text)["A"];
      CHECK(set(text, "A", value) == text);
    }
    CHECK(set("A=   # empty\n", "A", "") == "A=   # empty\n");
    CHECK(set("A=\"\"\n", "A", "") == "A=\"\"\n");
  }

  TEST_CASE("a value with a reference or a double dollar is rewritten even when it gives the same value here") {
    CHECK(set("B=x\nA=$B\n", "A", "x") == "B=x\nA=x\n");
    CHECK(set("A=${U:-x}\n", "A", "x") == "A=x\n");
    CHECK(set("A=$$\n", "A", "$") == "A='$'\n");
    CHECK(set("A=${U:?}\n", "A", "") == "A=''\n");
  }

  TEST_CASE("a bare name is not an assignment: setting it appends an assignment") {
    CHECK(set("A\nB=$A\n", "A", "x") == "A\nB=$A\nA=x\n");
  }

  TEST_CASE("a name the parser would not accept is refused, naming it") {
    SecretArena arena;
    DotenvDocument doc("A=1\n", "level test", arena.resource());
    for (std::string_view bad : {"", "1A", "A B", "A=B", "A#", "\xc3\xa9"}) {
      std::string message = testing::error_of(kExitUsage, [&] { doc.set(bad, "v"); });
      CHECK(message.starts_with("invalid variable name '"));
    }
    CHECK(testing::error_of(kExitUsage, [&] { doc.set("9LIVES", "v"); }).starts_with("invalid variable name '9LIVES'"));
    CHECK(testing::error_of(kExitUsage, [&] { doc.unset("A B"); }).starts_with("invalid variable name 'A B'"));
    CHECK(doc.text() == "A=1\n");
  }

  TEST_CASE("a value holding a NUL byte is refused, naming the variable, and the text is unchanged") {
    SecretArena arena;
    DotenvDocument doc("A=1\n", "level test", arena.resource());
    CHECK(testing::error_of(kExitDataError, [&] { doc.set("TOKEN", "ab\0cd"s); }) == "NUL byte in the value of TOKEN");
    CHECK(doc.text() == "A=1\n");
  }

  TEST_CASE("a text the parser rejects is refused with its source and line") {
    SecretArena arena;
    CHECK(testing::error_of(kExitDataError, [&] {
            DotenvDocument("A=1\nB='open\n", "level environment production", arena.resource());
          }) == "level environment production: line 2: B: unterminated single quote");
  }

  TEST_CASE("the edited text lives in the given memory resource, even when it is short") {
    Recorder recorder;
    DotenvDocument doc("A=1\n", "level test", &recorder);
    doc.set("A", "2");
    CHECK(recorder.holds(doc.text().data()));
    doc.merge("B=3\n", "file .env", MapLookup{});
    CHECK(recorder.holds(doc.text().data()));
  }
}

TEST_SUITE("dotenv edit: unset") {
  TEST_CASE("unsetting removes the statement's line and keeps everything else") {
    bool removed = false;
    CHECK(
        unset(kLevel, "DB_PORT", &removed) ==
        "# Database settings\n\nexport DB_HOST=db.internal        # the primary\n"
        "\t# indented comment\nDB_URL=postgres://${DB_HOST}:${DB_PORT}/app\n"
        "PEM=\"-----BEGIN KEY-----\nMIIB\n-----END KEY-----\"   # quotes may span lines\n\n\nCOLOR=#ff0000\nLAST='x y'");
    CHECK(removed);
  }

  TEST_CASE("unsetting a multi-line value removes all its lines") {
    std::string text = unset(kLevel, "PEM");
    CHECK(text ==
          "# Database settings\n\nexport DB_HOST=db.internal        # the primary\nDB_PORT = 5432\n"
          "\t# indented comment\nDB_URL=postgres://${DB_HOST}:${DB_PORT}/app\n\n\nCOLOR=#ff0000\nLAST='x y'");
    Values expected = read(kLevel);
    expected.erase("PEM");
    CHECK(read(text) == expected);
  }

  TEST_CASE("unsetting removes every assignment and bare line of the name, and the last line without a break") {
    CHECK(unset("A=1\nB=2\nexport A='x\ny'\nA\nC=3\nA=4", "A") == "B=2\nC=3\n");
    CHECK(unset("\xEF\xBB\xBF"
                "A=1\r\nB=2\r\n",
                "A") ==
          "\xEF\xBB\xBF"
          "B=2\r\n");
  }

  TEST_CASE("unsetting a name nothing assigns changes nothing and says so") {
    bool removed = true;
    CHECK(unset("A=1\n# B=2\n", "B", &removed) == "A=1\n# B=2\n");
    CHECK_FALSE(removed);
  }
}

TEST_SUITE("dotenv edit: import") {
  TEST_CASE("merging sets the imported names in place, appends new ones in file order and keeps the rest") {
    SecretArena arena;
    DotenvDocument doc("# level\nA=1   # a\nB=2\nC=3\n", "level test", arena.resource());
    ImportSummary summary = doc.merge("Z=last\nC=new c\n# comment\nY=$C!\nA='1'\n", "file .env", MapLookup{});
    CHECK(doc.text() == "# level\nA=1   # a\nB=2\nC='new c'\nZ=last\nY='new c!'\n");
    CHECK(summary.added == 2);
    CHECK(summary.updated == 2);
    CHECK(summary.removed == 0);
  }

  TEST_CASE("an import stores the values as a program would get them, references resolved") {
    SecretArena arena;
    DotenvDocument doc("HOST=old\n", "level test", arena.resource());
    doc.merge("HOST=db\nURL=\"http://${HOST}/${MISSING}\"\nPRICE='$5'\nESC=\\$HOME\nHOME\n", "file .env",
              MapLookup{{"HOME", "/root"}});
    CHECK(read(doc.text()) ==
          Values{{"HOST", "db"}, {"URL", "http://db/"}, {"PRICE", "$5"}, {"ESC", "$HOME"}, {"HOME", "/root"}});
    // Literal from now on: the level no longer depends on the order or the environment.
    CHECK(read(doc.text(), MapLookup{{"HOST", "other"}, {"HOME", "/x"}})["URL"] == "http://db/");
  }

  TEST_CASE("replacing keeps exactly the imported names, and the comments of the level") {
    SecretArena arena;
    DotenvDocument doc("# level\nA=1\nB=2\nB\nC=3\n", "level test", arena.resource());
    ImportSummary summary = doc.replace("C=x\nD=y\n", "file .env", MapLookup{});
    CHECK(doc.text() == "# level\nC=x\nD=y\n");
    CHECK(summary.added == 1);
    CHECK(summary.updated == 1);
    CHECK(summary.removed == 2);
  }

  TEST_CASE("an import that does not parse is refused with its source and line, and changes nothing") {
    SecretArena arena;
    DotenvDocument doc("A=1\n", "level test", arena.resource());
    CHECK(testing::error_of(kExitDataError, [&] { doc.merge("B=1\nC=\"open\n", "file .env", MapLookup{}); }) ==
          "file .env: line 2: C: unterminated double quote");
    CHECK(testing::error_of(kExitDataError, [&] { doc.replace("B=${", "file .env", MapLookup{}); }) ==
          "file .env: line 1: B: unterminated ${");
    CHECK(doc.text() == "A=1\n");
  }
}

namespace {

// A random level: assignments of every form, comments, blank lines, bare keys, CRLF now and then.
// Returns the text; `names` gets the names it assigns. No value refers to another, so setting one
// name must leave every other value as it was.
std::string random_level(testing::RandomValues& random, std::vector<std::string>& names) {
  static const char* const kForms[] = {
      "{n}=plain-{i}\n",
      "export {n}=x{i}\n",
      "  {n} =  'single {i}'   # c\n",
      "{n}=\"dq \\\"{i}\\\"\"#c\n",
      "{n}=\"multi\nline {i}\n# inside\"\n",
      "{n}=`back {i}`\n",
      "{n}=\n",
      "{n}= # empty\n",
      "export\t{n}\t=\t'a\\'b {i}'\n",
  };
  static const char* const kOthers[] = {"# comment\n", "\n", "   \n", "\t# indented\n", "UNSET_BARE\n"};
  std::string text = random.one_in(10) ? "\xEF\xBB\xBF" : "";
  names.clear();
  std::size_t statements = random.below(12);
  for (std::size_t i = 0; i < statements; ++i) {
    if (random.one_in(3)) {
      text += kOthers[random.below(std::size(kOthers))];
      continue;
    }
    // A few names only, so duplicates happen.
    std::string name = "V" + std::to_string(random.below(6));
    std::string line = kForms[random.below(std::size(kForms))];
    line.replace(line.find("{n}"), 3, name);
    if (auto at = line.find("{i}"); at != std::string::npos) line.replace(at, 3, std::to_string(i));
    text += line;
    names.push_back(name);
  }
  if (random.one_in(4) && !text.empty() && text.back() == '\n') text.pop_back();
  if (random.one_in(5)) {
    std::string crlf;
    for (char c : text) {
      if (c == '\n') crlf += '\r';
      crlf += c;
    }
    text = crlf;
  }
  return text;
}

}  // namespace

TEST_SUITE("dotenv edit: property") {
  TEST_CASE("any value set into any level reads back exactly, and every other value stays") {
    std::uint64_t seed = testing::property_seed();
    testing::RandomValues random(seed);
    std::vector<std::string> names;
    for (int i = 0; i < 5000; ++i) {
      std::string level = random_level(random, names);
      std::string name = !names.empty() && !random.one_in(4) ? names[random.below(names.size())] : "NEW_NAME";
      std::string value = random.one_in(3) ? random.tricky() : random.value();
      bool same_value = name != "NEW_NAME" && random.one_in(10);
      if (same_value) value = read(level)[name];
      INFO("seed " << seed << ", case " << i << ", name " << name << ", value \"" << testing::escaped(value)
                   << "\", level \"" << testing::escaped(level) << "\"");
      Values expected = read(level);
      expected[name] = value;

      std::pmr::monotonic_buffer_resource mem;
      DotenvDocument doc(level, "level test", &mem);
      doc.set(name, value);
      std::string edited(doc.text());
      INFO("edited \"" << testing::escaped(edited) << "\"");
      REQUIRE(read(edited) == expected);
      if (same_value) REQUIRE(edited == level);  // no reference in a random level: nothing to rewrite

      // And back out: unsetting removes it and nothing else.
      REQUIRE(doc.unset(name) == true);
      expected.erase(name);
      REQUIRE(read(doc.text()) == expected);
    }
  }
}
