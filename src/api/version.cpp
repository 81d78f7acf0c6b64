// The version text, with the libcurl, libsodium and OpenSSL versions actually loaded, and how
// libcurl was linked (cmake/curl.cmake).
#include "api/version.hpp"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <sodium.h>

#include <fmt/format.h>

namespace dotenv_run {

std::string version_text(std::string_view program) {
  const curl_version_info_data* curl = curl_version_info(CURLVERSION_NOW);
  return fmt::format("{} {}\nlibcurl {} ({}; {})\nlibsodium {}\n{}\n", program, DOTENV_RUN_VERSION, curl->version,
                     curl->ssl_version ? curl->ssl_version : "no TLS", DOTENV_RUN_CURL_BUILD, sodium_version_string(),
                     OpenSSL_version(OPENSSL_VERSION));
}

}  // namespace dotenv_run
