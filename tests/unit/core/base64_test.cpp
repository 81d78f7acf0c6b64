// Tests of the base64 codec: RFC 4648 test vectors and strict decoding.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/base64.hpp"

using namespace dotenv_run;

namespace {
std::vector<unsigned char> bytes(std::string_view s) { return {s.begin(), s.end()}; }
}  // namespace

TEST_CASE("base64 follows the RFC 4648 test vectors both ways") {
  const std::pair<std::string_view, std::string_view> vectors[] = {{"", ""},
                                                                   {"f", "Zg=="},
                                                                   {"fo", "Zm8="},
                                                                   {"foo", "Zm9v"},
                                                                   {"foob", "Zm9vYg=="},
                                                                   {"fooba", "Zm9vYmE="},
                                                                   {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    CHECK(base64_encode(bytes(plain)) == encoded);
    CHECK(base64_decode(encoded) == bytes(plain));
  }
  CHECK(base64_encode(std::vector<unsigned char>{0xfb, 0xff}) == "+/8=");
}

TEST_CASE("base64 decoding refuses what is not canonical padded base64") {
  for (const std::string_view bad : {"Zg", "Zg=", "Zm9v\n", " Zm9v", "Zm 9v", "Zh==", "Zm9vYg=a", "-_8=", "Zm9v===="}) {
    CAPTURE(bad);
    CHECK_FALSE(base64_decode(bad).has_value());
  }
  // libsodium 1.0.18 alone would read each of these as "AAA/".
  for (int c = 0x80; c <= 0xff; ++c) {
    const std::string bad = std::string("AAA") + static_cast<char>(c);
    CAPTURE(bad);
    CHECK_FALSE(base64_decode(bad).has_value());
  }
}

TEST_CASE("base64 decoding into a buffer refuses more bytes than fit") {
  std::vector<unsigned char> out(2);
  CHECK(base64_decode_into("Zm8=", out) == 2u);
  CHECK_FALSE(base64_decode_into("Zm9v", out).has_value());
}
