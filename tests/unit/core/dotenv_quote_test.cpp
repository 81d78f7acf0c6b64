// Tests of quote_value: the form chosen for each kind of value, and that the parser reads every
// value back exactly, with expansion on and off.
#include <doctest/doctest.h>

#include <string>

#include "core/dotenv.hpp"
#include "core/dotenv_quote.hpp"
#include "core/names.hpp"
#include "core/secure_memory.hpp"
#include "support/error_of.hpp"
#include "support/random_values.hpp"

using namespace dotenv_run;
using namespace std::string_literals;

namespace {

std::string quoted(std::string_view value) {
  SecretArena arena;
  return std::string(quote_value(value, arena.resource()));
}

// What parse_dotenv reads from `NAME=<quoted value>`, with an empty environment. (Test data:
// ordinary memory, monotonic like the arena, much faster than locked pages for thousands of cases.)
std::string read_back(std::string_view value, bool expand) {
  std::pmr::monotonic_buffer_resource memory;
  std::pmr::memory_resource* mem = &memory;
  SecretString text(mem);
  text.append("V=").append(quote_value(value, mem)).append("\n");
  Variables vars = parse_dotenv(text, "t", MapLookup{}, ParseOptions{expand}, mem);
  REQUIRE(vars.size() == 1);
  return std::string(vars[0].value);
}

}  // namespace

TEST_SUITE("dotenv quoting") {
  TEST_CASE("a plain value is written without quotes") {
    CHECK(quoted("abc123") == "abc123");
    CHECK(quoted("postgres://db.internal:5432/app") == "postgres://db.internal:5432/app");
    CHECK(quoted("a=b,c@d+e%f^g~h_i-j.k") == "a=b,c@d+e%f^g~h_i-j.k");
  }

  TEST_CASE("the empty value is written as two single quotes") { CHECK(quoted("") == "''"); }

  TEST_CASE("a value with blanks, dollars, hashes, double quotes or backslashes is single-quoted as it is") {
    CHECK(quoted("hello world") == "'hello world'");
    CHECK(quoted("$HOME ${X} $$") == "'$HOME ${X} $$'");
    CHECK(quoted("#ff0000") == "'#ff0000'");
    CHECK(quoted("say \"hi\"") == "'say \"hi\"'");
    CHECK(quoted("C:\\dir\\new") == "'C:\\dir\\new'");
    CHECK(quoted("a\\\\") == "'a\\\\'");
    CHECK(quoted(" lead and trail\t") == "' lead and trail\t'");
    CHECK(quoted("caf\xc3\xa9 \xff") == "'caf\xc3\xa9 \xff'");
  }

  TEST_CASE("a multi-line value stays multi-line") {
    CHECK(quoted("-----BEGIN KEY-----\nMIIB\n-----END KEY-----") == "'-----BEGIN KEY-----\nMIIB\n-----END KEY-----'");
  }

  TEST_CASE("a single quote, a CR or an odd trailing backslash needs double quotes with escapes") {
    CHECK(quoted("it's") == "\"it's\"");
    CHECK(quoted("it's $5 \"off\" at C:\\x") == "\"it's \\$5 \\\"off\\\" at C:\\\\x\"");
    CHECK(quoted("line\r\nnext") == "\"line\\r\nnext\"");
    CHECK(quoted("\\") == "\"\\\\\"");
    CHECK(quoted("a\\\\\\") == "\"a\\\\\\\\\\\\\"");
  }

  TEST_CASE("a value holding a NUL byte is refused") {
    SecretArena arena;
    CHECK(testing::error_of(kExitDataError, [&] { quote_value("a\0b"s, arena.resource()); }) ==
          "a value cannot hold a NUL byte");
  }

  TEST_CASE("names are what the parser accepts as keys") {
    for (std::string_view good : {"A", "_", "a_b", "A1", "a.b-c", "export"}) CHECK(is_dotenv_key(good));
    for (std::string_view bad : {"", "1A", "-A", ".A", "A B", "A$", "A=B", "A#", "\xc3\xa9", "'A'"}) {
      CHECK_FALSE(is_dotenv_key(bad));
    }
  }

  TEST_CASE("the quoted form lives in the given memory resource") {
    SecretArena arena;
    SecretString text = quote_value("x", arena.resource());
    CHECK(text.get_allocator().resource() == arena.resource());
    CHECK(text.capacity() >= 32);  // never in the small-string buffer of the object
  }

  TEST_CASE("every value reads back exactly, with expansion on and off (property)") {
    std::uint64_t seed = testing::property_seed();
    testing::RandomValues random(seed);
    for (int i = 0; i < 5000; ++i) {
      std::string value = random.one_in(3) ? random.tricky() : random.value();
      INFO("seed " << seed << ", case " << i << ", value \"" << testing::escaped(value) << "\"");
      REQUIRE(read_back(value, true) == value);
      REQUIRE(read_back(value, false) == value);
    }
  }
}
