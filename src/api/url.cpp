// The base URL checked with libcurl's parser, path parts escaped, pins checked and joined.
#include "api/url.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <array>
#include <memory>
#include <new>
#include <optional>

#include "core/base64.hpp"
#include "core/error.hpp"
#include "core/text.hpp"

namespace dotenv_run {

namespace {

using ParsedUrl = std::unique_ptr<CURLU, void (*)(CURLU*)>;

std::string url_part(const ParsedUrl& parsed, CURLUPart which) {
  char* value = nullptr;
  if (curl_url_get(parsed.get(), which, &value, 0) != CURLUE_OK || value == nullptr) return {};
  std::string out(value);
  curl_free(value);
  return out;
}

}  // namespace

std::string checked_api_url(std::string_view url) {
  ParsedUrl parsed(curl_url(), curl_url_cleanup);
  if (!parsed) throw std::bad_alloc();
  const std::string text(url);
  // A scheme libcurl was built without (ours has only http and https) still parses, so that the
  // check below names the real problem.
  if (curl_url_set(parsed.get(), CURLUPART_URL, text.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
    throw Error(kExitConfig, "the API URL is not a valid URL (expected https://host[:port][/path])");
  if (url_part(parsed, CURLUPART_SCHEME) != "https") throw Error(kExitConfig, "the API URL must use https://");
  if (!url_part(parsed, CURLUPART_USER).empty() || !url_part(parsed, CURLUPART_PASSWORD).empty())
    throw Error(kExitConfig, "the API URL must not contain a user name or password");
  if (!url_part(parsed, CURLUPART_QUERY).empty() || !url_part(parsed, CURLUPART_FRAGMENT).empty() ||
      text.find_first_of("?#") != std::string::npos)
    throw Error(kExitConfig, "the API URL must not contain a query or fragment");
  std::string base = text;
  if (base.ends_with('/')) base.pop_back();
  return base;
}

std::string url_escaped(std::string_view text) {
  std::string out;
  append_url_escaped(out, text);
  return out;
}

std::string joined_pins(const std::vector<std::string>& pins) {
  std::string out;
  for (const auto& pin : pins) {
    constexpr std::string_view kPrefix = "sha256//";
    std::array<unsigned char, 32> digest{};
    const std::optional<std::size_t> length =
        pin.starts_with(kPrefix) ? base64_decode_into(std::string_view(pin).substr(kPrefix.size()), digest)
                                 : std::nullopt;
    if (length != digest.size())
      throw Error(kExitConfig,
                  fmt::format("the pin \"{}\" is not sha256// followed by the base64 of 32 bytes", sanitized(pin)));
    if (!out.empty()) out += ';';
    out += pin;
  }
  return out;
}

}  // namespace dotenv_run
