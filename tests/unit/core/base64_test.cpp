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

TEST_CASE("base64 decoding of data refuses and accepts exactly what the constant-time decoder does") {
  // base64_decode (a table, for ciphertext) and base64_decode_into (libsodium, for secrets) must
  // agree on every input: each one-character change and each truncation of canonical texts.
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n.\x80\xff";
  for (const std::string plain : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xfb\xff\x00\x10\x83"}) {
    const std::string good = base64_encode(bytes(plain));
    std::vector<std::string> inputs{good};
    for (std::size_t i = 0; i < good.size(); ++i) {
      inputs.push_back(good.substr(0, i));
      inputs.push_back(good.substr(0, i) + good.substr(i + 1));
      for (const char c : alphabet) {
        std::string changed = good;
        changed[i] = c;
        inputs.push_back(changed);
        inputs.push_back(good.substr(0, i) + c + good.substr(i));
      }
    }
    for (const std::string& input : inputs) {
      CAPTURE(input);
      std::vector<unsigned char> out(input.size() + 1);  // never empty: libsodium wants a buffer
      const auto reference = base64_decode_into(input, out);
      const auto fast = base64_decode(input);
      REQUIRE(fast.has_value() == reference.has_value());
      if (fast) CHECK(*fast == std::vector<unsigned char>(out.begin(), out.begin() + static_cast<long>(*reference)));
      std::string text = input;
      const auto in_place = base64_decode_in_place(text);
      REQUIRE(in_place.has_value() == reference.has_value());
      if (in_place)
        CHECK(std::vector<unsigned char>(text.begin(), text.begin() + static_cast<long>(*in_place)) == *fast);
    }
  }
}

TEST_CASE("base64 decoding of data refuses stray bits before the padding") {
  CHECK(base64_decode("Zg==") == bytes("f"));
  CHECK_FALSE(base64_decode("Zh==").has_value());  // 'h' leaves a bit set past the one byte
  CHECK(base64_decode("Zm8=") == bytes("fo"));
  CHECK_FALSE(base64_decode("Zm9=").has_value());  // '9' leaves a bit set past the two bytes
  CHECK_FALSE(base64_decode("Z===").has_value());
  CHECK_FALSE(base64_decode("====").has_value());
  CHECK_FALSE(base64_decode("Zg==Zm8=").has_value());  // padding only at the end
}

TEST_CASE("base64 decoding in place gives the bytes of a long text over its own first three quarters") {
  std::vector<unsigned char> plain(3000);
  for (std::size_t i = 0; i < plain.size(); ++i) plain[i] = static_cast<unsigned char>(i * 7 + i / 256);
  for (const std::size_t size : {std::size_t{2998}, std::size_t{2999}, std::size_t{3000}}) {
    const std::vector<unsigned char> part(plain.begin(), plain.begin() + static_cast<long>(size));
    std::string text = base64_encode(part);
    REQUIRE(base64_decode_in_place(text) == size);
    CHECK(std::vector<unsigned char>(text.begin(), text.begin() + static_cast<long>(size)) == part);
  }
}
