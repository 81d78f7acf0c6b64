// Tests of making outside text printable: escapes for what a terminal would act on, the token removed.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/text.hpp"

using namespace dotenv_run;

TEST_CASE("bidirectional controls are shown as escapes, so a line cannot show in another order") {
  // U+202E RLO, U+2066 LRI, U+2069 PDI, U+200E LRM, U+200F RLM, U+061C ALM
  CHECK(sanitized("file \xe2\x80\xaetxt.exe") == "file \\u202etxt.exe");
  CHECK(sanitized("\xe2\x81\xa6x\xe2\x81\xa9 \xe2\x80\x8e\xe2\x80\x8f\xd8\x9c!") ==
        "\\u2066x\\u2069 \\u200e\\u200f\\u061c!");
}

TEST_CASE("C0, DEL and C1 controls are shown as escapes, in UTF-8 form too") {
  CHECK(sanitized("a\x1b[31mred\r\n\x7f") == "a\\x1b[31mred\\x0d\\x0a\\x7f");
  // U+0080, U+009B (CSI), U+009D (OSC), U+009F in their UTF-8 form 0xC2 0x80..0x9F.
  CHECK(sanitized("\xc2\x80\xc2\x9b\xc2\x9d\xc2\x9f") == "\\u0080\\u009b\\u009d\\u009f");
  // A lone 0x9b is CSI to a terminal not in UTF-8 mode; it is no character, so it shows as a byte.
  CHECK(sanitized("a\x9b"
                  "31m \xc3\xa9 \xf0\x9f\x94\x91") == "a\\x9b31m \xc3\xa9 \xf0\x9f\x94\x91");
  CHECK(sanitized("cut \xe2\x82") == "cut \\xe2\\x82");
}

TEST_CASE("printable text is cut at 200 bytes, never inside a character or an escape") {
  CHECK(sanitized(std::string(300, 'x')).size() == 200);
  CHECK(sanitized(std::string(199, 'x') + "\xc3\xa9") == std::string(199, 'x'));
  CHECK(sanitized(std::string(197, 'x') + "\x1b") == std::string(197, 'x'));
}

TEST_CASE("the token is removed from server text before it is made printable") {
  const std::string token = "dcs_e2eFullAccessToken0000000000001";
  CHECK(sanitized_without("bad header: Authorization: Bearer " + token + " (echoed)", token) ==
        "bad header: Authorization: Bearer *** (echoed)");
  CHECK(sanitized_without(token + token + "x" + token, token) == "******x***");
  // Removed before the cut at 200 bytes, so no piece of a token is left at the end.
  CHECK(sanitized_without(std::string(190, 'm') + token, token) == std::string(190, 'm') + "***");
  CHECK(sanitized_without("no token \x1b", "") == "no token \\x1b");
}

namespace {

// The well-formed byte sequences of the Unicode Standard, table 3-7, one byte at a time: an
// independent reference for utf8_valid_prefix, which reads ASCII a word at a time.
std::size_t reference_valid_prefix(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    auto at = [&](std::size_t k) { return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0x100u; };
    auto in = [](unsigned v, unsigned lo, unsigned hi) { return v >= lo && v <= hi; };
    std::size_t length = 0;
    if (b0 <= 0x7F)
      length = 1;
    else if (in(b0, 0xC2, 0xDF) && in(at(1), 0x80, 0xBF))
      length = 2;
    else if (b0 == 0xE0 && in(at(1), 0xA0, 0xBF) && in(at(2), 0x80, 0xBF))
      length = 3;
    else if ((in(b0, 0xE1, 0xEC) || in(b0, 0xEE, 0xEF)) && in(at(1), 0x80, 0xBF) && in(at(2), 0x80, 0xBF))
      length = 3;
    else if (b0 == 0xED && in(at(1), 0x80, 0x9F) && in(at(2), 0x80, 0xBF))
      length = 3;
    else if (b0 == 0xF0 && in(at(1), 0x90, 0xBF) && in(at(2), 0x80, 0xBF) && in(at(3), 0x80, 0xBF))
      length = 4;
    else if (in(b0, 0xF1, 0xF3) && in(at(1), 0x80, 0xBF) && in(at(2), 0x80, 0xBF) && in(at(3), 0x80, 0xBF))
      length = 4;
    else if (b0 == 0xF4 && in(at(1), 0x80, 0x8F) && in(at(2), 0x80, 0xBF) && in(at(3), 0x80, 0xBF))
      length = 4;
    if (length == 0) break;
    i += length;
  }
  return i;
}

}  // namespace

TEST_CASE("the valid UTF-8 prefix is found exactly, wherever a bad byte falls against the word-sized ASCII steps") {
  // Pieces: runs of ASCII of every length around the 8- and 32-byte steps, well-formed sequences at
  // each boundary of the table, and what is not UTF-8 (overlong, surrogate, past U+10FFFF, stray,
  // cut).
  const std::vector<std::string> pieces = {"a",
                                           "Zm9v",
                                           std::string(7, 'x'),
                                           std::string(8, 'y'),
                                           std::string(31, 'z'),
                                           std::string(33, 'w'),
                                           "\x7f",
                                           "\xc2\x80",
                                           "\xdf\xbf",
                                           "\xe0\xa0\x80",
                                           "\xed\x9f\xbf",
                                           "\xee\x80\x80",
                                           "\xef\xbf\xbf",
                                           "\xf0\x90\x80\x80",
                                           "\xf4\x8f\xbf\xbf",
                                           "\xc0\xaf",
                                           "\xc1\xbf",
                                           "\xe0\x9f\xbf",
                                           "\xed\xa0\x80",
                                           "\xf0\x8f\xbf\xbf",
                                           "\xf4\x90\x80\x80",
                                           "\xf5\x80\x80\x80",
                                           "\xff",
                                           "\x80",
                                           "\xbf",
                                           "\xc3",
                                           "\xe2\x82",
                                           "\xf0\x9f\x98"};
  std::uint32_t state = 12345;
  auto next = [&] { return state = state * 1103515245u + 12345u, (state >> 16) & 0x7fff; };
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    const unsigned count = next() % 12;
    for (unsigned i = 0; i < count; ++i) text += pieces[next() % pieces.size()];
    // Random bytes too, mostly ASCII as in an answer.
    if (next() % 4 == 0) text += static_cast<char>(next() % 4 == 0 ? 0x80 + next() % 0x80 : next() % 0x80);
    CAPTURE(text);
    REQUIRE(utf8_valid_prefix(text) == reference_valid_prefix(text));
    // The same text at every alignment against the word steps.
    const std::string shifted = std::string(next() % 40, 'p') + text;
    REQUIRE(utf8_valid_prefix(shifted) == reference_valid_prefix(shifted));
  }
  CHECK(utf8_valid_prefix("") == 0u);
  CHECK(utf8_valid_prefix(std::string(1000, 'a')) == 1000u);
  CHECK(utf8_valid_prefix(std::string(1000, 'a') + "\xc3\xa9") == 1002u);
  CHECK(utf8_valid_prefix(std::string(1000, 'a') + "\xc3") == 1000u);
  CHECK(utf8_valid_prefix(std::string(37, 'a') + "\x80" + std::string(64, 'b')) == 37u);
}
