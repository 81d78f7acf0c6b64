// The pieces of a request's address: the checked base URL, escaped path parts and the pins.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dotenv_run {

// The base URL with one trailing slash removed; refuses anything but https:// with a host,
// no user name or password, no query and no fragment (exit 78; docs/api.md section 1).
std::string checked_api_url(std::string_view url);

// One path segment or query value escaped for a URL (RFC 3986 unreserved kept).
std::string url_escaped(std::string_view text);

// "sha256//A;sha256//B" for libcurl, after checking each pin's form (exit 78).
std::string joined_pins(const std::vector<std::string>& pins);

}  // namespace dotenv_run
