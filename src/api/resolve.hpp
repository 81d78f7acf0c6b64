// The resolve call: checked settings and query, one GET through the ApiClient, and every failure mapped to an exit
// code.
#pragma once

#include <cstddef>
#include <functional>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "api/answer.hpp"
#include "api/client.hpp"
#include "api/connection.hpp"
#include "api/http.hpp"
#include "api/retry.hpp"
#include "api/settings.hpp"
#include "core/error.hpp"
#include "core/secure_memory.hpp"

namespace dotenv_run {

// How to reach the API for `settings`: its URL, token (copied into `mem`), CA, pins, timeouts.
ApiSettings connection_of(const Settings& settings, std::pmr::memory_resource* mem);

// The query of `settings`: its organization, project, target and environment.
ResolveQuery resolve_query(const Settings& settings);

// Resolves the project, target and environment of `settings` (which must name a project and
// hold a token), as resolve() below.
ResolveAnswer resolve(const Settings& settings, std::pmr::memory_resource* secret_mem, const Notice& notice);

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

// Why one resolve attempt did not give an answer.
struct ResolveFailure {
  Error error;                        // the line and exit code a launch would have ended with
  bool retryable = false;             // a transfer failure worth another attempt, 429 or 5xx
  std::optional<double> retry_after;  // seconds, when the answer said (429, 503)
};

// One resolve attempt, nothing retried and no splay (dotenv-run --watch keeps its own
// schedule): the checked answer on 200, else why not. Throws Error as resolve() does for
// settings that cannot work and for a 200 whose answer is malformed.
std::variant<ResolveAnswer, ResolveFailure> resolve_once(const Settings& settings,
                                                         std::pmr::memory_resource* secret_mem, HttpClient& client);

// Refuses an organization that is not a ULID, a slug outside docs/api.md section 4, or an
// environment without a target.
void check_query(const ResolveQuery& query);
// The parts of check_query, for callers that build other paths: Error(kExitConfig) naming
// `what` ("project") for a slug outside API.md section 4 or a reserved word.
void check_organization_id(std::string_view org);
// A ULID in the upper case the API writes and matches ids in.
std::string canonical_ulid(std::string_view id);
void check_slug(std::string_view what, std::string_view slug);
// <base>/api/v1/<org>/secrets/resolve?project=..&target=..&environment=..&merge=1&include=key
std::string resolve_url(std::string_view base, const ResolveQuery& query);
// The same request for the ApiClient: one GET of that path, about the project.
ApiRequest resolve_request(const ResolveQuery& query);

}  // namespace dotenv_run
