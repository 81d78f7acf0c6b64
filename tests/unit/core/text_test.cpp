// Tests of making outside text printable: escapes for what a terminal would act on, the token removed.
#include <doctest/doctest.h>

#include <string>

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
