// The resolve call: checked settings and query, one GET with retries, and every failure mapped to an exit code.
#pragma once

#include <cstddef>
#include <functional>
#include <memory_resource>
#include <string>
#include <string_view>
#include <vector>

#include "answer.hpp"
#include "error.hpp"
#include "http.hpp"
#include "retry.hpp"
#include "secure_memory.hpp"

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
};

// Receives one line per retry, without the "dotenv-run: " prefix.
using Notice = std::function<void(std::string_view)>;

// Resolves `query` in one request (retried per the policy), with the answer's bytes in
// `secret_mem`. Throws Error: 78 for settings or a query that cannot work (checked
// before any connection), 77 for 401/403, 78 for 404, other 4xx and redirects, 69 when
// the API stays unreachable or failing until the deadline, fails TLS verification or
// sends a malformed answer.
ResolveAnswer resolve(const ApiSettings& settings, const ResolveQuery& query, std::pmr::memory_resource* secret_mem,
                      const Notice& notice);

// The same with the network and the clocks injected (the tests' seam).
ResolveAnswer resolve_with(const ApiSettings& settings, const ResolveQuery& query,
                           std::pmr::memory_resource* secret_mem, const Notice& notice, HttpClient& client,
                           const RetryEnvironment& environment, const BackoffPolicy& policy = {});

// The base URL with one trailing slash removed; refuses anything but https:// with a host.
std::string checked_api_url(std::string_view url);
// Refuses an organization that is not a ULID, a slug outside API.md section 4, or an
// environment without a target.
void check_query(const ResolveQuery& query);
// "sha256//A;sha256//B" for libcurl, after checking each pin's form.
std::string joined_pins(const std::vector<std::string>& pins);
// <base>/api/v1/<org>/secrets/resolve?project=..&target=..&environment=..&merge=1&include=key
std::string resolve_url(std::string_view base, const ResolveQuery& query);

}  // namespace dotenv_run
