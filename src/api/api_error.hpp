// Turning the API's failures into one printable line and an exit code (docs/api.md section 2).
#pragma once

#include <string>
#include <string_view>

#include "api/answer.hpp"
#include "api/connection.hpp"
#include "api/http.hpp"
#include "core/error.hpp"
#include "core/text.hpp"

namespace dotenv_run {

// What the offline fallback (docs/fallback.md) must tell apart from every other failure.
enum class FailureKind {
  kOutage,       // the API stayed unreachable or failing (transport errors, 5xx, 429) until the deadline, or
                 // failed a write it cannot be asked about again (its outcome unknown)
  kAccessEnded,  // 401, 403 or 404: access was revoked or the thing asked for is gone
};

// An Error whose kind is known; caught as Error by everyone else, unchanged.
class ApiFailure : public Error {
 public:
  ApiFailure(FailureKind kind, const Error& error) : Error(error), kind_(kind) {}
  FailureKind kind() const noexcept { return kind_; }

 private:
  FailureKind kind_;
};

// The fields of an error answer that may be printed, already sanitised.
struct ErrorFields {
  std::string error, message, required_ability;
  std::string first_field;  // the first name under "errors" of a 422 (a name, never a value)
  std::string request_id;   // the X-Request-Id header
};

// Reads them from a JSON error body (a body that is not JSON gives empty fields) and the
// headers. Every occurrence of `token` is removed first: a server or middlebox that echoes
// the Authorization header must not get the launcher to print its own token.
ErrorFields error_fields(const HttpResponse& response, std::string_view token = {});

// "401 token_expired: the token has expired; request id abc", or for a 422 with field
// errors "422 validation_failed: The slug is invalid. (field slug); request id abc".
std::string describe_status(const HttpResponse& response, const ErrorFields& fields);

// Transport failures worth another attempt: DNS, connect, timeouts, a broken connection
// or handshake. Never a verification failure, a pin mismatch or an oversized answer.
bool retryable(TransportError error);

// "could not connect to the API (<libcurl's message>)"
std::string transport_text(const HttpResponse& response);

// The Error for a transport failure that is not retried (or no longer).
Error transport_error(const HttpResponse& response, const ApiSettings& settings);

// The Error for a final (not retried) HTTP status outside 2xx, for any request. `subject`
// names what the request is about ("project api", "environment production of api/web") or
// is the request's path. 3xx and 4xx other than those below: 78; 401/403: 77 naming the
// token's source (and the missing ability); 404: 78 naming the subject; 409
// version_conflict: 75; other 409 and 422: 65 with the message and the first field name;
// anything else: 69. Each line has the status, `error`, the sanitised `message` and the
// request id (docs/api.md section 2).
Error api_error(const HttpResponse& response, const ApiSettings& settings, std::string_view subject);

// The resolve call's Error for a final status other than 200: as api_error for the project,
// but a 404 names the level the server's message talks about, 409 and 422 are 78 (the query
// comes from the configuration) and any other status is 69.
Error status_error(const HttpResponse& response, const ApiSettings& settings, const ResolveQuery& query);

}  // namespace dotenv_run
