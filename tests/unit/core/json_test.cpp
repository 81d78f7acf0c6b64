// Tests of the JSON guard: hostile depth and numbers never reach RapidJSON; strings stay in place.
#include <doctest/doctest.h>

#include <cstring>
#include <memory>
#include <string>

#include "core/json.hpp"

using namespace dotenv_run;

namespace {

std::optional<std::string> parse(std::string text) {
  rapidjson::Document doc;
  return parse_json_in_place(text.data(), text.size(), doc);
}

}  // namespace

TEST_CASE("nesting 100,000 deep is refused without recursion") {
  const std::string deep(100000, '[');
  CHECK(prescan_json(deep) == "nesting deeper than 32 at byte 32");
  CHECK(parse(deep) == "nesting deeper than 32 at byte 32");
  const std::string objects = std::string(50000, '{') + std::string(50000, '}');
  CHECK(parse(objects) == "nesting deeper than 32 at byte 32");
}

TEST_CASE("nesting of exactly 32 levels is accepted") {
  const std::string ok = std::string(32, '[') + std::string(32, ']');
  CHECK_FALSE(parse(ok));
  const std::string over = std::string(33, '[') + std::string(33, ']');
  CHECK(parse(over) == "nesting deeper than 32 at byte 32");
}

TEST_CASE("brackets inside strings do not count as nesting") {
  const std::string text = R"({"a": ")" + std::string(1000, '[') + R"(\"[[[", "b": [1]})";
  CHECK_FALSE(prescan_json(text));
  CHECK_FALSE(parse(text));
}

TEST_CASE("the exponent that triggers CVE-2024-38517 never reaches RapidJSON") {
  CHECK(parse(R"({"version": 1e-2147483649})") == "a number with an exponent of more than 4 digits at byte 12");
  CHECK(parse("[1E+00000]") == "a number with an exponent of more than 4 digits at byte 1");
  CHECK_FALSE(parse("[1e-9999, 2.5E+300]"));
}

TEST_CASE("numbers longer than 40 characters are refused") {
  CHECK(parse("[" + std::string(41, '9') + "]") == "a number longer than 40 characters at byte 1");
  CHECK_FALSE(parse("[" + std::string(19, '9') + "]"));
  CHECK(parse("[-0." + std::string(40, '1') + "]") == "a number longer than 40 characters at byte 1");
}

TEST_CASE("digits inside strings are not numbers") {
  CHECK_FALSE(parse(R"(["1e-2147483649", ")" + std::string(100, '7') + R"("])"));
}

TEST_CASE("malformed JSON is reported with an offset, never content") {
  CHECK(parse(R"({"data": {"key": "c2VjcmV0")") == "missing a comma or '}' after an object member at byte 27");
  CHECK(parse(R"({"a": 1} trailing)") == "the document root must not be followed by other values at byte 9");
  CHECK(parse("") == "the document is empty at byte 0");
  CHECK(parse("[\"\xff\"]") == "invalid UTF-8 at byte 2");
}

TEST_CASE("a text ending inside a UTF-8 sequence is refused without reading past its end") {
  // Exactly as long as the text and its NUL, so ASan sees a read past it; RapidJSON 1.1.0 read
  // the 3 bytes a 0xF1 announces: '"', the NUL, and one more.
  const std::string_view text = "[\"\xf1\"";
  const auto buffer = std::make_unique<char[]>(text.size() + 1);
  std::memcpy(buffer.get(), text.data(), text.size());
  buffer[text.size()] = '\0';
  rapidjson::Document doc;
  CHECK(parse_json_in_place(buffer.get(), text.size(), doc) == "invalid UTF-8 at byte 2");
}

TEST_CASE("a NUL byte inside the text is refused rather than cutting the parse short") {
  CHECK(parse(std::string("{\"a\": 1}\0{", 10)) == "a NUL byte in the text");
}

TEST_CASE("parsed strings point into the caller's buffer, with escapes decoded in place") {
  std::string text = R"({"blob": "dcv1:2:ab\/cd", "n": null})";
  rapidjson::Document doc;
  REQUIRE_FALSE(parse_json_in_place(text.data(), text.size(), doc));
  const auto& blob = doc["blob"];
  CHECK(std::string_view(blob.GetString(), blob.GetStringLength()) == "dcv1:2:ab/cd");
  CHECK(blob.GetString() >= text.data());
  CHECK(blob.GetString() < text.data() + text.size());
}

TEST_CASE("a string that ends in an escaped backslash ends there: the nesting after it counts") {
  // "a\\" is a whole string; the brackets after it are nesting, and 33 of them are refused.
  const std::string closed = R"(["a\\", )" + std::string(32, '[') + std::string(33, ']');
  CHECK(prescan_json(closed) == "nesting deeper than 32 at byte 39");
  // "a\\\"[[..." is still one string: an odd run of backslashes escapes the quote.
  const std::string open = R"(["a\\\")" + std::string(40, '[') + R"("])";
  CHECK_FALSE(prescan_json(open));
  CHECK_FALSE(parse(open));
}

TEST_CASE("invalid UTF-8 is refused wherever it is, also in a long ASCII answer") {
  const std::string ascii = R"({"a": ")" + std::string(5000, 'x') + R"("})";
  CHECK_FALSE(parse(ascii));
  for (const char* bad : {"\xc0\xaf", "\xed\xa0\x80", "\xf8\x88\x80\x80\x80", "\xe2\x82"}) {
    CAPTURE(bad);
    const std::string text = R"({"a": ")" + std::string(5000, 'x') + bad + R"("})";
    const auto problem = parse(text);
    REQUIRE(problem);
    CHECK(*problem == "invalid UTF-8 at byte 5007");
  }
  CHECK_FALSE(parse("[\"caf\xc3\xa9\"]"));
}
