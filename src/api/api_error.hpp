// Turning the API's failures into one printable line and an exit code (API.md section 2).
#pragma once

#include <string>
#include <string_view>

#include "api/answer.hpp"
#include "api/connection.hpp"
#include "core/error.hpp"
#include "api/http.hpp"
#include "core/text.hpp"

namespace dotenv_run {

// The fields of an error answer that may be printed, already sanitised.
struct ErrorFields {
  std::string error, message, required_ability;
};

// Reads them from a JSON error body; a body that is not JSON gives empty fields.
ErrorFields error_fields(const HttpResponse& response);

// "401 token_expired: the token has expired; request id abc"
std::string describe_status(const HttpResponse& response, const ErrorFields& fields);

// Transport failures worth another attempt: DNS, connect, timeouts, a broken connection
// or handshake. Never a verification failure, a pin mismatch or an oversized answer.
bool retryable(TransportError error);

// "could not connect to the API (<libcurl's message>)"
std::string transport_text(const HttpResponse& response);

// The Error for a transport failure that is not retried (or no longer).
Error transport_error(const HttpResponse& response, const ApiSettings& settings);

// The Error for a final (not retried) HTTP status other than 200.
Error status_error(const HttpResponse& response, const ApiSettings& settings, const ResolveQuery& query);

}  // namespace dotenv_run
