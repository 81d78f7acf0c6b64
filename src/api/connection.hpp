// How to reach the API: the base URL, the token and the transport's limits.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/secure_memory.hpp"

namespace dotenv_run {

// Filled by the configuration code; this layer never reads the environment itself.
struct ApiSettings {
  std::string api_url;
  SecretString token;
  std::string token_source;  // where the token came from, e.g. "DOTENV_CLOUD_TOKEN_FILE=/run/x"
  std::string ca_file;
  std::vector<std::string> pins;  // "sha256//<base64>"
  double connect_timeout = 10, request_timeout = 30, low_speed_time = 15, retry_timeout = 60, splay = 0;
  std::size_t max_answer_bytes = std::size_t{8} << 20;
  std::string user_agent = "dotenv";
};

// Receives one line per retry, without the "dotenv-run: " prefix.
using Notice = std::function<void(std::string_view)>;

}  // namespace dotenv_run
