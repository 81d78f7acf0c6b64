// Tests of the .env parser: every rule of docs/dotenv-format.md, then the shared conformance vectors.
#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/dotenv.hpp"
#include "core/error.hpp"
#include "core/expand.hpp"
#include "core/secure_memory.hpp"
#include "support/error_of.hpp"

using namespace dotenv_run;
using namespace std::string_literals;

namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs parse(std::string_view text, const MapLookup& env = {}, ParseOptions options = {}) {
  SecretArena arena;
  Variables variables = parse_dotenv(text, "file t.env", env, options, arena.resource());
  Pairs pairs;
  for (const Variable& v : variables) pairs.emplace_back(std::string(v.name), std::string(v.value));
  return pairs;
}

Pairs parse_raw(std::string_view text, const MapLookup& env = {}) { return parse(text, env, ParseOptions{false}); }

// The value of the one variable `text` assigns.
std::string value_of(std::string_view text, const MapLookup& env = {}) {
  Pairs pairs = parse(text, env);
  REQUIRE(pairs.size() == 1);
  return pairs[0].second;
}

// The message parse_dotenv throws for `text`, which must be a data error.
std::string error_of(std::string_view text, const MapLookup& env = {}, ParseOptions options = {}) {
  SecretArena arena;
  return testing::error_of(kExitDataError, [&] { parse_dotenv(text, "file t.env", env, options, arena.resource()); });
}

}  // namespace

namespace doctest {
template <>
struct StringMaker<Pairs> {
  static String convert(const Pairs& pairs) {
    std::ostringstream out;
    out << "{";
    for (const auto& [name, value] : pairs) out << " [" << name << "]=[" << value << "]";
    out << " }";
    return out.str().c_str();
  }
};
}  // namespace doctest

TEST_SUITE("dotenv: input and lines") {
  TEST_CASE("a NUL byte anywhere rejects the input, naming its line and the variable when it can") {
    CHECK(error_of("A=1\nB=x\0y"s) == "file t.env: line 2: NUL byte in the value of B");
    CHECK(error_of("A=1\n  export B = \"x\0y\""s) == "file t.env: line 2: NUL byte in the value of B");
    CHECK(error_of("A=1\nB\0C=1"s) == "file t.env: line 2: NUL byte in the input");
    CHECK(error_of("# note \0\nA=1"s) == "file t.env: line 1: NUL byte in the input");
    CHECK(error_of("A='multi\nline\0'"s) == "file t.env: line 2: NUL byte in the input");
  }

  TEST_CASE("nested ${...} defaults are capped, so a hostile value cannot exhaust the stack") {
    auto nested = [](int levels) {
      std::string v = "A=";
      for (int i = 0; i < levels; ++i) v += "${X:-";
      v += "deep";
      v += std::string(static_cast<std::size_t>(levels), '}');
      return v;
    };
    CHECK(value_of(nested(32)) == "deep");
    CHECK(error_of(nested(33)) == "file t.env: line 1: A: ${...} nested deeper than 32 levels");
    CHECK(error_of(nested(100000)) == "file t.env: line 1: A: ${...} nested deeper than 32 levels");
  }

  TEST_CASE("a UTF-8 BOM is skipped at the start only") {
    CHECK(parse("\xEF\xBB\xBF"
                "A=1\nB=2") == Pairs{{"A", "1"}, {"B", "2"}});
    CHECK(error_of("A=1\n\xEF\xBB\xBF"
                   "B=2") == "file t.env: line 2: invalid name");
    CHECK(value_of("A=x\xEF\xBB\xBFy") == "x\xEF\xBB\xBFy");
  }

  TEST_CASE("CRLF and lone CR end lines, inside quotes too") {
    CHECK(parse("A=1\r\nB=2\r\n") == Pairs{{"A", "1"}, {"B", "2"}});
    CHECK(parse("A=1\rB=2\r") == Pairs{{"A", "1"}, {"B", "2"}});
    CHECK(parse("A=\"l1\r\nl2\rl3\"\r\nB='x\r\ny'") == Pairs{{"A", "l1\nl2\nl3"}, {"B", "x\ny"}});
    CHECK(parse("A=1 # c\r\nB=\"2\"\r\n") == Pairs{{"A", "1"}, {"B", "2"}});
  }

  TEST_CASE("line numbers count lines after CR normalisation") {
    CHECK(error_of("A=1\r\nB=2\rC D\n") == "file t.env: line 3: expected '=' after the name");
    CHECK(error_of("A=1\r\r\nC D") == "file t.env: line 3: expected '=' after the name");
  }

  TEST_CASE("blank lines and comment lines are skipped") {
    CHECK(parse("\n\n  \t\n# c\n   # indented\n\t#tab\nA=1\n\n#A=2\n# last") == Pairs{{"A", "1"}});
    CHECK(parse("").empty());
    CHECK(parse("\n \n").empty());
  }

  TEST_CASE("an error names the source and the line the statement starts on") {
    SecretArena arena;
    MapLookup env;
    CHECK(testing::error_of(kExitDataError, [&] {
            parse_dotenv("A=1\nB C\n", "level project", env, ParseOptions{}, arena.resource());
          }) == "level project: line 2: expected '=' after the name");
    CHECK(error_of("A=1\nB=\"x\ny\nz\" junk\n") == "file t.env: line 2: B: text after closing quote");
    CHECK(error_of("A=\"x\ny\"\nB C") == "file t.env: line 3: expected '=' after the name");
  }
}

TEST_SUITE("dotenv: statements and names") {
  TEST_CASE("an export prefix is dropped when spaces or tabs follow it") {
    CHECK(parse("export A=1\nexport\tB=2\n  export   C=3") == Pairs{{"A", "1"}, {"B", "2"}, {"C", "3"}});
  }

  TEST_CASE("export without a following name is itself the name") {
    CHECK(parse("exportFOO=1\nexport=2\nexport =3") == Pairs{{"exportFOO", "1"}, {"export", "3"}});
    CHECK(parse("export", MapLookup{{"export", "e"}}) == Pairs{{"export", "e"}});
  }

  TEST_CASE("EXPORT in capitals is not a prefix") {
    CHECK(error_of("EXPORT A=1") == "file t.env: line 1: expected '=' after the name");
  }

  TEST_CASE("spaces and tabs are allowed before the name and around the equals sign") {
    CHECK(parse("  A = b\n\tB\t=\tc\t") == Pairs{{"A", "b"}, {"B", "c"}});
  }

  TEST_CASE("names may hold letters, digits, underscores, dots and dashes after the first character") {
    CHECK(parse("_a1.B-c=1\nPOSTGRESQL.BASE.USER=pg\nOPTION-B=x") ==
          Pairs{{"_a1.B-c", "1"}, {"POSTGRESQL.BASE.USER", "pg"}, {"OPTION-B", "x"}});
  }

  TEST_CASE("a name that does not start with a letter or underscore is rejected") {
    CHECK(error_of("1A=b") == "file t.env: line 1: invalid name");
    CHECK(error_of("-A=b") == "file t.env: line 1: invalid name");
    CHECK(error_of(".A=b") == "file t.env: line 1: invalid name");
    CHECK(error_of("'A'=b") == "file t.env: line 1: invalid name");
    CHECK(error_of("\xC3\x84\xC3\x96=c") == "file t.env: line 1: invalid name");
    CHECK(error_of("=value") == "file t.env: line 1: missing name before '='");
  }

  TEST_CASE("a character that cannot be in a name is rejected") {
    CHECK(error_of("OPTION_A: 1") == "file t.env: line 1: invalid character in name");
    CHECK(error_of("A$B=1") == "file t.env: line 1: invalid character in name");
    CHECK(error_of("A\xC3\x84=1") == "file t.env: line 1: invalid character in name");
  }

  TEST_CASE("text that is not an assignment is rejected") {
    CHECK(error_of("A=1\nthis is not valid\nB=2") == "file t.env: line 2: expected '=' after the name");
    CHECK(error_of("A B=c") == "file t.env: line 1: expected '=' after the name");
  }

  TEST_CASE("a bare name takes its value from the lookup, or is left out") {
    MapLookup env{{"INHERITED", "from-env"}, {"OTHER", "o"}};
    CHECK(parse("INHERITED\nA=1\nNOT_THERE\nexport OTHER # c", env) ==
          Pairs{{"INHERITED", "from-env"}, {"A", "1"}, {"OTHER", "o"}});
    CHECK(parse("A=1\nINHERITED", env) == Pairs{{"A", "1"}, {"INHERITED", "from-env"}});
    CHECK(parse("\tINHERITED\t# note", env) == Pairs{{"INHERITED", "from-env"}});
    CHECK(parse("INHERITED #note", env) == Pairs{{"INHERITED", "from-env"}});
  }

  TEST_CASE("a # right after a bare name is an error, since # is not a name character") {
    MapLookup env{{"INHERITED", "from-env"}};
    CHECK(error_of("INHERITED#note", env) == "file t.env: line 1: invalid character in name");
    CHECK(error_of("A=1\nKEY#x\n", env) == "file t.env: line 2: invalid character in name");
  }

  TEST_CASE("a bare name already assigned in the input keeps that value") {
    CHECK(parse("A=file\nB=2\nA", MapLookup{{"A", "env"}}) == Pairs{{"A", "file"}, {"B", "2"}});
  }

  TEST_CASE("a later assignment wins but the name keeps its first position") {
    CHECK(parse("DUP=one\nB=2\nDUP=two") == Pairs{{"DUP", "two"}, {"B", "2"}});
    CHECK(parse("A=a-long-value-beyond-small-string-size\nA=x") == Pairs{{"A", "x"}});
  }

  TEST_CASE("names and plain values view the text; built and inherited values live in the arena") {
    SecretArena arena;
    const std::string text = "A=some value that is longer than a small string\nB=\"built\\nvalue\"\nC\n";
    MapLookup env;
    env.set("C", "inherited");
    Variables variables = parse_dotenv(text, "t", env, ParseOptions{}, arena.resource());
    REQUIRE(variables.size() == 3);
    CHECK(variables.get_allocator().resource() == arena.resource());
    CHECK(variables[0].name.data() == text.data());
    CHECK(variables[0].value.data() == text.data() + 2);
    CHECK(variables[1].value == "built\nvalue");
    CHECK(arena.chunks().holds(variables[1].value.data()));
    CHECK(variables[2].value == "inherited");
    CHECK(arena.chunks().holds(variables[2].value.data()));
  }

  TEST_CASE("a value rebuilt from itself line after line is rewritten in place, not copied a line at a time") {
    SecretArena arena;
    std::string text = "HOSTS=h0\n";
    for (int i = 1; i < 2000; ++i) text += "HOSTS=${HOSTS},h" + std::to_string(i % 10) + "\n";
    Variables variables = parse_dotenv(text, "t", MapLookup{}, ParseOptions{}, arena.resource());
    REQUIRE(variables.size() == 1);
    CHECK(variables[0].value.size() == 2 + 1999 * 3);
    CHECK(variables[0].value.substr(0, 9) == "h0,h1,h2,");
    // One copy a line would be about 6 MB (the sum of 2,000 growing values); doubling keeps it to
    // a few times the final 6 KB, next to the text and the parser's own buffer.
    CHECK(arena.chunks().used_bytes() < 128 * 1024);
  }

  TEST_CASE("a text with CRs is read from a normalised copy in the arena") {
    SecretArena arena;
    Variables variables = parse_dotenv("A=1\r\nB=2\r", "t", MapLookup{}, ParseOptions{}, arena.resource());
    REQUIRE(variables.size() == 2);
    CHECK(variables[1].value == "2");
    CHECK(arena.chunks().holds(variables[1].name.data()));
  }
}

TEST_SUITE("dotenv: unquoted values") {
  TEST_CASE("a hash after a space or tab starts a comment") {
    CHECK(value_of("A=value # a comment") == "value");
    CHECK(value_of("A=value\t# a comment") == "value");
    CHECK(value_of("A=a#b #c #d") == "a#b");
  }

  TEST_CASE("a hash with no space before it is part of the value") {
    CHECK(value_of("A=abc#def") == "abc#def");
    CHECK(value_of("COLOR=#ff0000") == "#ff0000");
    CHECK(value_of("URL=https://example.com/page#section") == "https://example.com/page#section");
  }

  TEST_CASE("whitespace after the equals sign counts before a hash") {
    CHECK(parse("A= # nothing\nB=\t#x") == Pairs{{"A", ""}, {"B", ""}});
  }

  TEST_CASE("unquoted values are trimmed of spaces and tabs only") {
    CHECK(value_of("A=   some spaced  out\tstring \t ") == "some spaced  out\tstring");
    CHECK(value_of("A=\xC2\xA0"
                   "b\xC2\xA0") ==
          "\xC2\xA0"
          "b\xC2\xA0");
  }

  TEST_CASE("empty values in every form") {
    CHECK(parse("A=\nB=   \nC=''\nD=\"\"\nE=``\nF=") ==
          Pairs{{"A", ""}, {"B", ""}, {"C", ""}, {"D", ""}, {"E", ""}, {"F", ""}});
  }

  TEST_CASE("backslashes are literal in unquoted values except before a dollar") {
    CHECK(value_of(R"(A=C:\dir\n\t)") == R"(C:\dir\n\t)");
    CHECK(value_of(R"(A=\$SET)", MapLookup{{"SET", "v"}}) == "$SET");
    CHECK(value_of(R"(A=\\$SET)", MapLookup{{"SET", "v"}}) == R"(\$SET)");
    CHECK(parse("A=abc\\\nB=2") == Pairs{{"A", "abc\\"}, {"B", "2"}});
  }

  TEST_CASE("quote characters after the first are literal") {
    CHECK(value_of(R"(A=a"b"c'd'`e`)") == R"(a"b"c'd'`e`)");
    CHECK(value_of("A=x=y==") == "x=y==");
  }

  TEST_CASE("values are byte-exact UTF-8") {
    CHECK(value_of("A=h\xC3\xA9llo \xF0\x9F\x99\x82") == "h\xC3\xA9llo \xF0\x9F\x99\x82");
  }
}

TEST_SUITE("dotenv: quoted values") {
  TEST_CASE("single quotes are raw except for an escaped single quote") {
    MapLookup env{{"HOME", "/root"}};
    CHECK(value_of("A='$HOME ${HOME} $$'", env) == "$HOME ${HOME} $$");
    CHECK(value_of(R"(A='a\nb\t\$c')") == R"(a\nb\t\$c)");
    CHECK(value_of(R"(A='Let\'s go!')") == "Let's go!");
  }

  TEST_CASE("a double backslash in single quotes stays and cannot escape the closing quote") {
    CHECK(value_of(R"(A='\\server\share')") == R"(\\server\share)");
    CHECK(value_of(R"(A='dir\\')") == R"(dir\\)");
    CHECK(error_of("A='value\\'\nB=2") == "file t.env: line 1: A: unterminated single quote");
  }

  TEST_CASE("backticks are raw: no escapes and no expansion") {
    CHECK(value_of("A=`$HOME \\n \"q\" 'q'`", MapLookup{{"HOME", "/root"}}) == "$HOME \\n \"q\" 'q'");
    CHECK(value_of("A=`echo hi`") == "echo hi");
    CHECK(error_of("A=`a\\`b`") == "file t.env: line 1: A: text after closing quote");
  }

  TEST_CASE("double quotes decode a short list of escapes") {
    CHECK(value_of(R"(A="a\nb\rc\td\"e\\f\$g")") == "a\nb\rc\td\"e\\f$g");
  }

  TEST_CASE("other escapes in double quotes are kept as written") {
    CHECK(value_of(R"(P="C:\bin\fonts\x07\q\u12e4\'\a\v\0")") == R"(C:\bin\fonts\x07\q\u12e4\'\a\v\0)");
    CHECK(value_of(R"(DIR="C:\\dir\\")") == R"(C:\dir\)");
  }

  TEST_CASE("double quotes keep whitespace and hashes") {
    CHECK(value_of("A=  \"  padded # not a comment \"  ") == "  padded # not a comment ");
  }

  TEST_CASE("double-quoted values are expanded after the escapes") {
    MapLookup env{{"SET", "v"}};
    CHECK(value_of(R"(A="[$SET] [${SET}] [\$SET] [\\$SET] [$$SET]")", env) == R"([v] [v] [$SET] [\v] [$SET])");
  }

  TEST_CASE("every quote kind may span lines, and hash lines inside are content") {
    CHECK(parse("A=\"l1\\tx\n# not a comment\nl3\\n\"\nB='x\ny'\nC=`p\n\"q'`\nD=after") ==
          Pairs{{"A", "l1\tx\n# not a comment\nl3\n"}, {"B", "x\ny"}, {"C", "p\n\"q'"}, {"D", "after"}});
  }

  TEST_CASE("an unterminated quote is an error at the line it opens on") {
    CHECK(error_of("X=1\nA=\"abc\nB=2") == "file t.env: line 2: A: unterminated double quote");
    CHECK(error_of("X=1\nA='abc\nB=2") == "file t.env: line 2: A: unterminated single quote");
    CHECK(error_of("X=1\nA=`abc\nB=2") == "file t.env: line 2: A: unterminated backtick quote");
    CHECK(error_of(R"(A="abc\")") == "file t.env: line 1: A: unterminated double quote");
  }

  TEST_CASE("only blanks and a comment may follow a closing quote") {
    CHECK(parse("A=\"v\" # c\nB='w'#c\nC=`x`\t\nD=\"y\"") == Pairs{{"A", "v"}, {"B", "w"}, {"C", "x"}, {"D", "y"}});
    CHECK(error_of("A=\"b\" junk\nB=2") == "file t.env: line 1: A: text after closing quote");
    CHECK(error_of("A='a'b") == "file t.env: line 1: A: text after closing quote");
    CHECK(error_of("A=\"a\"\"b\"") == "file t.env: line 1: A: text after closing quote");
  }

  TEST_CASE("errors never show the value") {
    std::string message = error_of("A=\"hunter2-secret\nB=2");
    CHECK(message.find("hunter2") == std::string::npos);
    message = error_of("A=hunter2-secret${X:?hunter2-msg}");
    CHECK(message == "file t.env: line 1: A: a required variable is unset");
  }

  // Every malformed shape of a value, with a marker wherever text right of `=` can sit (the
  // value, an operator's word, a name inside ${...}): the error names the left side only.
  TEST_CASE("no error shows any text from the right of the equals sign") {
    const std::string m = "Tr0ub4dor";
    const std::vector<std::string> values = {
        "X" + m + "${" + m,
        "${" + m,
        "${" + m + ":-x",
        "${" + m + ":=x}",
        "${" + m + ".x}",
        "${" + m + "-x}}${",
        "${" + m + ":?" + m + "}",
        "${" + m + "?" + m + "}",
        "${EMPTY:?" + m + "}",
        "${SET:-${" + m,
        "${SET:-${" + m + "=}}",
        "${SET:+${}" + m + "}",
        "x" + m + "${",
        "x" + m + "${1" + m + "}",
        "\"" + m + "${" + m + "\"",
        "\"${" + m + ":*}\"",
        "\"" + m,
        "'" + m,
        "`" + m,
        "\"x\"" + m,
        "'x'" + m,
        "`x`" + m,
        "\"" + m + "\n" + m + "\n",
        [&] {
          std::string deep;
          for (int i = 0; i < 40; ++i) deep += "${" + m + ":-";
          return deep + m;
        }(),
    };
    const MapLookup env{{"SET", "v"}, {"EMPTY", ""}};
    for (const std::string& value : values) {
      for (const std::string_view prefix : {"", "export ", "OK=1\n"}) {
        const std::string text = std::string(prefix) + "KEY_NAME=" + value + "\nLATER=1\n";
        INFO(text);
        const std::string message = error_of(text, env);
        CHECK(message.find(m) == std::string::npos);
        CHECK(message.find("Tr0") == std::string::npos);
        CHECK(message.find(prefix.starts_with("OK") ? "line 2: KEY_NAME: " : "line 1: KEY_NAME: ") !=
              std::string::npos);
      }
    }
  }
}

TEST_SUITE("dotenv: expansion") {
  MapLookup env{{"SET", "v"}, {"EMPTY", ""}};

  TEST_CASE("$NAME and ${NAME} are replaced, and unset names give nothing") {
    CHECK(value_of("A=[$SET][${SET}][$UNSET][${UNSET}][$EMPTY]", env) == "[v][v][][][]");
    CHECK(value_of("A=$SET$SET${SET}", env) == "vvv");
  }

  TEST_CASE("an unbraced name is as long as it can be and stops at other characters") {
    CHECK(value_of("A=$SET_suffix", env) == "");
    CHECK(value_of("A=$SET.x-$SET/", env) == "v.x-v/");
    CHECK(parse("lower=l\nA=$lower${lower}") == Pairs{{"lower", "l"}, {"A", "ll"}});
  }

  TEST_CASE("a dollar that starts no reference is literal") {
    CHECK(
        parse("A=$\nB=cost$\nC=$ 5\nD=$1x\nE=$(echo hi)\nF=\"$(x)\"\nG=$-$}") ==
        Pairs{
            {"A", "$"}, {"B", "cost$"}, {"C", "$ 5"}, {"D", "$1x"}, {"E", "$(echo hi)"}, {"F", "$(x)"}, {"G", "$-$}"}});
  }

  TEST_CASE("a double dollar gives one dollar") {
    CHECK(parse("A=pa$$word\nB=\"pa$$SET\"", env) == Pairs{{"A", "pa$word"}, {"B", "pa$SET"}});
  }

  TEST_CASE("colon-dash gives the default when unset or empty, dash only when unset") {
    CHECK(value_of("A=${SET:-d},${EMPTY:-d},${UNSET:-d}", env) == "v,d,d");
    CHECK(value_of("A=${SET-d},${EMPTY-d},${UNSET-d}", env) == "v,,d");
  }

  TEST_CASE("colon-plus gives the alternative when set and non-empty, plus when set") {
    CHECK(value_of("A=${SET:+alt},${EMPTY:+alt},${UNSET:+alt}", env) == "alt,,");
    CHECK(value_of("A=${SET+alt},${EMPTY+alt},${UNSET+alt}", env) == "alt,alt,");
  }

  TEST_CASE("colon-question fails when unset or empty, question only when unset") {
    CHECK(value_of("A=${SET:?msg}${SET?msg}[${EMPTY?msg}]", env) == "vv[]");
    CHECK(error_of("X=1\nA=${UNSET:?must be set}", env) == "file t.env: line 2: A: a required variable is unset");
    CHECK(error_of("A=${EMPTY:?must be set}", env) == "file t.env: line 1: A: a required variable is empty");
    CHECK(error_of("A=${UNSET?}", env) == "file t.env: line 1: A: a required variable is unset");
  }

  TEST_CASE("operator words may hold references, nest, and are evaluated only when used") {
    CHECK(value_of("A=${UNSET:-${UNSET2:-${SET}}}", env) == "v");
    CHECK(value_of("A=${UNSET:-/path:with/colon $SET $$ x}", env) == "/path:with/colon v $ x");
    CHECK(value_of("A=${SET:-${UNSET:?}}${UNSET:+${UNSET:?}}", env) == "v");
    CHECK(value_of("A=${SET:+[${SET}]}", env) == "[v]");
    CHECK(value_of("A=\"${UNSET:-a\\\"b\\tc}\"", env) == "a\"b\tc");
  }

  TEST_CASE("a malformed ${ is an error, even in a word that is not used") {
    CHECK(error_of("A=${SET", env) == "file t.env: line 1: A: missing } after ${");
    CHECK(error_of("A=${UNSET:-x", env) == "file t.env: line 1: A: missing } after ${");
    CHECK(error_of("A=x${") == "file t.env: line 1: A: unterminated ${");
    CHECK(error_of("A=${}") == "file t.env: line 1: A: invalid name after ${");
    CHECK(error_of("A=${1}") == "file t.env: line 1: A: invalid name after ${");
    CHECK(error_of("A=${UNSET:=x}") ==
          "file t.env: line 1: A: unsupported expression in ${...} (expected } or :- - :+ + :? ?)");
    CHECK(error_of("A.B=x\nC=${A.B}") ==
          "file t.env: line 2: C: unsupported expression in ${...} (expected } or :- - :+ + :? ?)");
    CHECK(error_of("A=${SET:-${}}", env) == "file t.env: line 1: A: invalid name after ${");
    CHECK(error_of("A=\"${SET\"", env) == "file t.env: line 1: A: missing } after ${");
  }

  TEST_CASE("an earlier value in the input wins over the lookup") {
    MapLookup shadow{{"A", "env"}, {"B", "env"}};
    CHECK(parse("A=file\nC=$A\nD=$B\nB=file", shadow) ==
          Pairs{{"A", "file"}, {"C", "file"}, {"D", "env"}, {"B", "file"}});
  }

  TEST_CASE("a reference sees the value at that line") {
    CHECK(parse("A=1\nB=$A\nA=2\nC=$A") == Pairs{{"A", "2"}, {"B", "1"}, {"C", "2"}});
    CHECK(parse("A=1\nB=${A}2\nC=${B}3") == Pairs{{"A", "1"}, {"B", "12"}, {"C", "123"}});
    CHECK(parse("A=$B\nB=x") == Pairs{{"A", ""}, {"B", "x"}});
  }

  TEST_CASE("a self-reference reads the previous value") {
    CHECK(value_of("PATH=${PATH}:/opt/bin", MapLookup{{"PATH", "/usr/bin"}}) == "/usr/bin:/opt/bin");
    CHECK(parse("P=/a\nP=${P}:/b") == Pairs{{"P", "/a:/b"}});
    CHECK(value_of("A=$A${A:-fallback}") == "fallback");
    CHECK(parse("A=$B\nB=$A") == Pairs{{"A", ""}, {"B", ""}});
  }

  TEST_CASE("substituted text is never expanded again") {
    CHECK(value_of("C=$A", MapLookup{{"A", "$B ${B} $$"}, {"B", "x"}}) == "$B ${B} $$");
    CHECK(parse("A='$B'\nB=x\nC=$A\nD=\"$A\"") == Pairs{{"A", "$B"}, {"B", "x"}, {"C", "$B"}, {"D", "$B"}});
  }

  TEST_CASE("with expansion off, dollar sequences stay as written") {
    CHECK(parse_raw("A=$SET ${SET} $$ ${\nB=\"${SET:?x} \\$ \\n\"\nC='\\''\nD=\\$X", env) ==
          Pairs{{"A", "$SET ${SET} $$ ${"}, {"B", "${SET:?x} $ \n"}, {"C", "'"}, {"D", "$X"}});
  }
}

TEST_CASE("ten thousand variables parse, with references between them") {
  std::string text;
  for (int i = 0; i < 10000; ++i) {
    text += "export VAR_" + std::to_string(i) + "=\"value-" + std::to_string(i) + "\" # c\n";
    text += "REF_" + std::to_string(i) + "=${VAR_" + std::to_string(i) + "}/x\n";
  }
  SecretArena arena;
  Variables variables = parse_dotenv(text, "t", MapLookup{}, ParseOptions{}, arena.resource());
  REQUIRE(variables.size() == 20000);
  CHECK(variables[19998].name == "VAR_9999");
  CHECK(variables[19999].value == "value-9999/x");
}

// The parser takes a value with no backslash and no `$` as it is written (a view, no copy) and
// gives every other value to expand_value: both ways must agree on every value.
TEST_CASE("values read without expansion and values expanded agree, over many generated values") {
  const MapLookup env{{"B", "bee"}, {"E", ""}};
  constexpr std::string_view kAlphabet = "ab B{}:-+?$\\\t#'`xE_1";
  std::uint32_t state = 12345;
  auto next = [&](std::uint32_t n) {
    state = state * 1103515245u + 12345u;
    return (state >> 16) % n;
  };
  // What expand_value gives for a value, or "error" for a syntax error.
  auto expanded = [&](std::string_view raw, Quoting quoting, bool expand) {
    SecretArena arena;
    SecretString out(arena.resource());
    try {
      expand_value(raw, quoting, expand, env, out);
    } catch (const SyntaxError&) {
      return std::string("error");
    }
    return std::string(out);
  };
  auto parsed = [&](const std::string& text, bool expand) {
    SecretArena arena;
    try {
      Variables v = parse_dotenv(text, "t", env, ParseOptions{expand}, arena.resource());
      REQUIRE(v.size() == 1);
      return std::string(v[0].value);
    } catch (const Error&) {
      return std::string("error");
    }
  };
  int plain = 0;
  int special = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string raw;
    std::uint32_t length = next(12);
    // Half the values draw only from letters and blanks, so the plain path is well covered.
    std::string_view alphabet = i % 2 == 0 ? kAlphabet : kAlphabet.substr(0, 3);
    for (std::uint32_t k = 0; k < length; ++k) raw += alphabet[next(static_cast<std::uint32_t>(alphabet.size()))];
    bool expand = next(4) != 0;
    bool has_special = raw.find_first_of(expand ? "$\\" : "\\") != std::string::npos;
    (has_special ? special : plain) += 1;
    INFO("value [", raw, "] expand ", expand);

    // Double quotes: any text without a `"` and not ending in a lone backslash.
    std::string dq = raw;
    if (!dq.empty() && dq.back() == '\\') dq += 'x';
    CHECK(parsed("A=\"" + dq + "\"", expand) == expanded(dq, Quoting::kDoubleQuoted, expand));

    // Unquoted: the value as the parser cuts it (no blank at either end, no ` #`, no leading quote).
    std::string uq = raw;
    for (char& c : uq) {
      if (c == '#' || c == '\t') c = 'h';
    }
    while (!uq.empty() && uq.back() == ' ') uq.pop_back();
    while (!uq.empty() && (uq.front() == ' ' || uq.front() == '\'' || uq.front() == '`')) uq.erase(0, 1);
    CHECK(parsed("A=" + uq, expand) == expanded(uq, Quoting::kUnquoted, expand));
  }
  CHECK(plain > 5000);
  CHECK(special > 3000);
}

TEST_CASE("single-quoted and backquoted values without escapes are taken as written") {
  CHECK(value_of("A='a $B \" ` # x'") == "a $B \" ` # x");
  CHECK(value_of("A='multi\nline'  # c") == "multi\nline");
  CHECK(value_of("A=`a $B \\n ' \"`") == "a $B \\n ' \"");
  CHECK(value_of("A='a\\'b' # note") == "a'b");
  CHECK(error_of("A='abc").ends_with("unterminated single quote"));
  CHECK(error_of("A='ab\\'").ends_with("unterminated single quote"));
}

TEST_CASE("an unquoted value ends at a hash after a blank, found past hashes that are not") {
  CHECK(value_of("A=a#b#c d#e #f") == "a#b#c d#e");
  CHECK(value_of("A=#x") == "#x");
  CHECK(value_of("A= #x").empty());
  CHECK(value_of("A=a\t#x") == "a");
}

TEST_CASE("every shared conformance vector gives its expected result") {
  std::ifstream file(DOTENV_CASES_JSON, std::ios::binary);
  REQUIRE(file.good());
  std::string json((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  rapidjson::Document cases;
  cases.Parse(json.data(), json.size());
  REQUIRE(!cases.HasParseError());
  REQUIRE(cases.IsArray());
  REQUIRE(cases.Size() > 0);

  auto str = [](const rapidjson::Value& v) { return std::string(v.GetString(), v.GetStringLength()); };
  int checked = 0;
  int rejected = 0;
  for (const rapidjson::Value& c : cases.GetArray()) {
    std::string name = str(c["name"]);
    INFO("case ", name);
    std::map<std::string, std::string> env_map;
    if (c.HasMember("env")) {
      for (const auto& m : c["env"].GetObject()) env_map[str(m.name)] = str(m.value);
    }
    MapLookup env(env_map);
    std::string input = str(c["input"]);
    if (c.HasMember("error") && c["error"].GetBool()) {
      std::string message = error_of(input, env);
      CHECK(message.starts_with("file t.env: line "));
      ++rejected;
    } else {
      std::map<std::string, std::string> expect;
      for (const auto& m : c["expect"].GetObject()) expect[str(m.name)] = str(m.value);
      Pairs got;
      CHECK_NOTHROW(got = parse(input, env));
      // Key order does not matter in the vectors; duplicates in `got` would.
      std::map<std::string, std::string> got_map(got.begin(), got.end());
      CHECK(got.size() == got_map.size());
      CHECK(Pairs(got_map.begin(), got_map.end()) == Pairs(expect.begin(), expect.end()));
    }
    ++checked;
  }
  CHECK(checked == static_cast<int>(cases.Size()));
  CHECK(rejected > 0);
  MESSAGE(checked, " shared cases checked, ", rejected, " of them errors");
}

TEST_CASE("count_lines counts every line break, in texts of every length and long ones") {
  CHECK(count_lines("") == 1);
  CHECK(count_lines("A=1") == 1);
  CHECK(count_lines("\n") == 2);
  for (std::size_t length : {15, 16, 17, 31, 33, 4095, 4096, 4097, 70000}) {
    INFO(length);
    std::string text(length, 'x');
    std::size_t breaks = 0;
    for (std::size_t i = 0; i < length; i += 1 + i % 7) {
      text[i] = '\n';
      ++breaks;
    }
    CHECK(count_lines(text) == breaks + 1);
    CHECK(count_lines(std::string(length, '\n')) == length + 1);
  }
}
