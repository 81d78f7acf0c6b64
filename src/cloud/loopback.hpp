// The loopback redirect listener of an OAuth login (RFC 8252 section 7.3): 127.0.0.1, a port
// the kernel picks, one small HTTP/1.1 answer per connection.
#pragma once

#include <functional>
#include <memory_resource>
#include <string>
#include <string_view>

#include "core/secure_memory.hpp"

namespace dotenv_run {

// What the browser brought back with the expected `state`: a code, or an error.
struct Callback {
  explicit Callback(std::pmr::memory_resource* mem) : code(mem) {}
  SecretString code;              // empty when `error` is set
  std::string error;              // e.g. "access_denied" (sanitised)
  std::string error_description;  // sanitised
};

// The parameters of one request target "/callback?a=b&c=d", percent-decoded.
struct CallbackQuery {
  std::string path;
  std::string state, code, error, error_description;
  bool duplicate = false;  // a parameter given twice: the request is refused
};
CallbackQuery parse_request_target(std::string_view target);

// "5 minutes", "1 second", "0.5 seconds".
std::string duration_text(double seconds);

class LoopbackListener {
 public:
  // Listens on 127.0.0.1 with a port the kernel picks. Error(kExitUnavailable) if it cannot.
  LoopbackListener();
  ~LoopbackListener();
  LoopbackListener(const LoopbackListener&) = delete;
  LoopbackListener& operator=(const LoopbackListener&) = delete;

  int port() const noexcept { return port_; }
  // http://127.0.0.1:<port>/callback
  std::string redirect_uri() const;

  // Serves one connection at a time (each bounded to 8 KiB and 5 seconds) until a GET of
  // /callback carries `state`, and answers the browser with a small page. Other paths get
  // 404, other methods 405. A callback with a missing or different `state` (an old tab, or a
  // request someone else made) gets 400 and a line through `notice`, and the wait goes on:
  // the state is 256 random bits, so a forged callback can only be refused, never accepted,
  // and refusing it must not let whoever sent it end the login. Throws
  // Error(kExitUnavailable) when `timeout_seconds` pass first.
  Callback wait(std::string_view state, double timeout_seconds, std::pmr::memory_resource* mem,
                const std::function<void(std::string_view)>& notice);

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace dotenv_run
