// The resolve call: checked settings and query, one GET with retries, and every failure mapped to an exit code.
#pragma once

#include <cstddef>
#include <functional>
#include <memory_resource>
#include <string>
#include <string_view>
#include <vector>

#include "api/answer.hpp"
#include "core/error.hpp"
#include "api/connection.hpp"
#include "api/http.hpp"
#include "api/retry.hpp"
#include "api/settings.hpp"
#include "core/secure_memory.hpp"

namespace dotenv_run {

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

// The base URL with one trailing slash removed; refuses anything but https:// with a host.
std::string checked_api_url(std::string_view url);
// Refuses an organization that is not a ULID, a slug outside API.md section 4, or an
// environment without a target.
void check_query(const ResolveQuery& query);
// The parts of check_query, for callers that build other paths: Error(kExitConfig) naming
// `what` ("project") for a slug outside API.md section 4 or a reserved word.
void check_organization_id(std::string_view org);
void check_slug(std::string_view what, std::string_view slug);
// "sha256//A;sha256//B" for libcurl, after checking each pin's form.
std::string joined_pins(const std::vector<std::string>& pins);
// <base>/api/v1/<org>/secrets/resolve?project=..&target=..&environment=..&merge=1&include=key
std::string resolve_url(std::string_view base, const ResolveQuery& query);

}  // namespace dotenv_run
