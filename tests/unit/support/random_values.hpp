// Test helper: random .env values for property tests, weighted towards the bytes that quoting
// must get right, from a fixed seed that a failing check prints.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>

namespace dotenv_run::testing {

// The seed of every property test: fixed, or DOTENV_TEST_SEED to replay another run.
inline std::uint64_t property_seed() {
  if (const char* seed = std::getenv("DOTENV_TEST_SEED")) return std::strtoull(seed, nullptr, 10);
  return 20240917;
}

class RandomValues {
 public:
  explicit RandomValues(std::uint64_t seed) : rng_(seed) {}

  std::size_t below(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
  bool one_in(std::size_t n) { return below(n) == 0; }

  // Length 0..64, or now and then a long one; never a NUL byte.
  std::string value() {
    std::size_t length = one_in(400) ? 1000 + below(70000) : below(65);
    std::string out;
    out.reserve(length);
    for (std::size_t i = 0; i < length; ++i) out.push_back(byte());
    return out;
  }

  // A value in a form a hand-written .env often holds: a run of one special character, a
  // reference, a trailing backslash, a Windows line break...
  std::string tricky() {
    static constexpr std::string_view kTricky[] = {
        "\\",       "\\\\", "\\\\\\",      "a\\",      "'",   "\"",   "`",      "$",       "${",      "${A}",
        "$A",       "$$",   "\\$",         "\\'",      "'\\", " ",    "  lead", "trail  ", "\t",      "\r",
        "\r\n",     "\n",   "a\nb",        "#",        " #",  "a #b", "#a",     "=",       "A=B",     "\xEF\xBB\xBF",
        "\xff\xfe", "\xc3", "caf\xc3\xa9", "\xc2\xa0", "''",  "\"\"", "`x`",    "}",       "${A:-b}",
    };
    std::string out;
    std::size_t parts = 1 + below(3);
    for (std::size_t i = 0; i < parts; ++i) out += kTricky[below(std::size(kTricky))];
    return out;
  }

 private:
  char byte() {
    static constexpr std::string_view kSpecial = "$${}'\"`\\\\#\n\r\t  =:-?+";
    switch (below(8)) {
      case 0:
      case 1:
      case 2: return kSpecial[below(kSpecial.size())];
      case 3: return static_cast<char>(0x80 + below(0x80));   // not UTF-8 on its own
      case 4: return static_cast<char>(1 + below(0x1f));      // control bytes, never NUL
      default: return static_cast<char>(0x20 + below(0x5f));  // printable ASCII
    }
  }

  std::mt19937_64 rng_;
};

// A value as printable text for a failure message (test data, never a real secret).
inline std::string escaped(std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f && c != '\\') {
      out.push_back(c);
    } else {
      out += "\\x";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xf]);
    }
  }
  return out;
}

}  // namespace dotenv_run::testing
