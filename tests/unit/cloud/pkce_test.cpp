// Tests of PKCE S256 (RFC 7636) and the OAuth state.
#include <doctest/doctest.h>

#include <algorithm>

#include "cloud/pkce.hpp"

using namespace dotenv_run;

namespace {

bool unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

}  // namespace

TEST_CASE("the S256 challenge of RFC 7636 appendix B") {
  CHECK(pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

TEST_CASE("a verifier is 64 unreserved characters, new each time, kept in the given memory") {
  SecretArena arena;
  SecretString a = pkce_verifier(arena.resource());
  SecretString b = pkce_verifier(arena.resource());
  CHECK(a.size() == 64);
  CHECK(std::all_of(a.begin(), a.end(), unreserved));
  CHECK(a != b);
  CHECK(a.get_allocator().resource() == arena.resource());
  CHECK(pkce_challenge(a).size() == 43);
}

TEST_CASE("a state is 43 base64url characters of 32 random bytes, new each time") {
  std::string a = random_state();
  CHECK(a.size() == 43);
  CHECK(std::all_of(a.begin(), a.end(), unreserved));
  CHECK(a.find('=') == std::string::npos);
  CHECK(a != random_state());
}

TEST_CASE("base64url uses - and _ and no padding") {
  const unsigned char bytes[] = {0xfb, 0xff, 0xbf};
  CHECK(base64url(bytes) == "-_-_");
  const unsigned char one[] = {0x61};
  CHECK(base64url(one) == "YQ");
}
