// Tests of the request address pieces: the base URL check, escaping and the pins.
#include <doctest/doctest.h>

#include <string>

#include "api/url.hpp"
#include "core/error.hpp"

using namespace dotenv_run;

TEST_CASE("the API URL must be https and loses one trailing slash") {
  CHECK(checked_api_url("https://api.dotenv.cloud/") == "https://api.dotenv.cloud");
  CHECK(checked_api_url("https://127.0.0.1:8443") == "https://127.0.0.1:8443");
  CHECK(checked_api_url("HTTPS://api.dotenv.cloud/prefix/") == "HTTPS://api.dotenv.cloud/prefix");
  CHECK_THROWS_WITH(checked_api_url("http://api.dotenv.cloud"), "the API URL must use https://");
  CHECK_THROWS_WITH(checked_api_url("ftp://api.dotenv.cloud"), "the API URL must use https://");
  CHECK_THROWS_WITH(checked_api_url("api.dotenv.cloud"),
                    "the API URL is not a valid URL (expected https://host[:port][/path])");
  CHECK_THROWS_WITH(checked_api_url("https://user:pw@api.dotenv.cloud"),
                    "the API URL must not contain a user name or password");
  CHECK_THROWS_WITH(checked_api_url("https://api.dotenv.cloud/?x=1"),
                    "the API URL must not contain a query or fragment");
}

TEST_CASE("pins are checked and joined for libcurl") {
  const std::string a = "sha256//" + std::string(43, 'A') + "=";
  const std::string b = "sha256//" + std::string(42, 'B') + "E=";
  CHECK(joined_pins({}) == "");
  CHECK(joined_pins({a, b}) == a + ";" + b);
  CHECK_THROWS_WITH(joined_pins({"sha1//AAAA"}),
                    "the pin \"sha1//AAAA\" is not sha256// followed by the base64 of 32 bytes");
  CHECK_THROWS_WITH(joined_pins({"sha256//QUJD"}),
                    "the pin \"sha256//QUJD\" is not sha256// followed by the base64 of 32 bytes");
}

TEST_CASE("a path part is escaped, unreserved characters kept") {
  CHECK(url_escaped("api-web_1.x~") == "api-web_1.x~");
  CHECK(url_escaped("a/b c?d&e") == "a%2Fb%20c%3Fd%26e");
  CHECK(url_escaped("") == "");
  // An empty view into a longer text: libcurl reads a length of 0 as "up to the NUL".
  CHECK(url_escaped(std::string_view("abc").substr(0, 0)) == "");
}
