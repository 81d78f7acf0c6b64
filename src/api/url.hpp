// The pieces of a request's address: the checked base URL, escaped path parts and the pins.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dotenv_run {

// The base URL with one trailing slash removed; refuses anything but https:// with a host,
// no user name or password, no query and no fragment (exit 78; docs/api.md section 1).
std::string checked_api_url(std::string_view url);

// Appends `text` percent-encoded for a path segment, a query or a form value (RFC 3986 unreserved
// characters kept, every other byte as %XX) to `out`, whatever its string type: a form value can be
// a secret, so it goes straight into the caller's string in secret memory.
template <class String>
void append_url_escaped(String& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
}

// One path segment or query value escaped for a URL (not for secrets: the result is ordinary memory).
std::string url_escaped(std::string_view text);

// "sha256//A;sha256//B" for libcurl, after checking each pin's form (exit 78).
std::string joined_pins(const std::vector<std::string>& pins);

}  // namespace dotenv_run
