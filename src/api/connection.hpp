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
  ApiSettings() = default;
  // The token lives in `token_memory`: fill it with token.assign(...). Assigning another
  // SecretString to it (token = secret_copy(...)) would copy the bytes into the memory the
  // token was made with, as std::pmr strings never adopt another allocator on assignment.
  // Room is reserved at once, so a short token is never kept in the string object's own
  // small buffer (on the stack, wherever the settings live).
  explicit ApiSettings(std::pmr::memory_resource* token_memory) : token(token_memory) { token.reserve(32); }

  std::string api_url;
  SecretString token;
  std::string token_source;  // where the token came from, e.g. "DOTENV_CLOUD_TOKEN_FILE=/run/x"
  std::string ca_file;
  std::vector<std::string> pins;  // "sha256//<base64>"
  double connect_timeout = 10, request_timeout = 30, low_speed_time = 15, retry_timeout = 60, splay = 0;
  std::size_t max_answer_bytes = std::size_t{8} << 20;
  std::string user_agent = "dotenv";
};

// A copy whose token stays in the memory the original's lives in (a plain copy of a
// SecretString would move it to the default heap, which is never wiped).
inline ApiSettings copied_settings(const ApiSettings& settings) {
  ApiSettings copy(settings.token.get_allocator().resource());
  copy.api_url = settings.api_url;
  copy.token.assign(settings.token);
  copy.token_source = settings.token_source;
  copy.ca_file = settings.ca_file;
  copy.pins = settings.pins;
  copy.connect_timeout = settings.connect_timeout;
  copy.request_timeout = settings.request_timeout;
  copy.low_speed_time = settings.low_speed_time;
  copy.retry_timeout = settings.retry_timeout;
  copy.splay = settings.splay;
  copy.max_answer_bytes = settings.max_answer_bytes;
  copy.user_agent = settings.user_agent;
  return copy;
}

// Receives one line per retry, without the "dotenv-run: " prefix.
using Notice = std::function<void(std::string_view)>;

}  // namespace dotenv_run
