// --version: the launcher's version and the versions of the libraries it runs with.
#pragma once

#include <string>
#include <string_view>

namespace dotenv_run {

// "<program> <version>" and the libcurl, libsodium and OpenSSL versions in use.
std::string version_text(std::string_view program);

}  // namespace dotenv_run
