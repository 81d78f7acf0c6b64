// The general API client: every method, one retry policy that knows what is safe to repeat,
// and every failure turned into one line and an exit code (docs/api.md sections 1-3).
#pragma once

#include <cstddef>
#include <functional>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>

#include "api/connection.hpp"
#include "api/http.hpp"  // Method (kGet, kPost, kPut, kPatch, kDelete), HttpClient
#include "api/retry.hpp"
#include "api/url.hpp"  // url_escaped, checked_api_url, joined_pins
#include "core/secure_memory.hpp"

namespace dotenv_run {

// What a request is about, for error lines: "project api", "environment production of api/web".
// 404 and 403 name it; 401/403 also name where the token came from.
struct Subject {
  std::string what;  // empty: the request path is named instead
};

struct ApiRequest {
  Method method = Method::kGet;
  // The path after the base URL, starting with "/api/...", its parts already escaped
  // (url_escaped()), with any query string.
  std::string path;
  // A JSON body (POST, PUT, PATCH, DELETE; may be empty). May hold secret material, so it is a
  // view whose owner decides where its bytes live; it is sent from there, never copied.
  std::string_view json_body;
  // A form body (application/x-www-form-urlencoded) for the OAuth token endpoint; used when
  // json_body is empty. Also may be secret (codes, refresh tokens).
  std::string_view form_body;
  // A write the server applies only when the level is still at the version the body names
  // (base_version). If its answer is lost, it is never sent again blindly: `settle` reads
  // the current state back and says whether the write was applied (true: send() returns a
  // response with `settled` set and no body; the caller keeps what it read back), was not
  // applied (false: it is sent again, while the deadline allows) or cannot tell (nullopt:
  // exit 69, the outcome unknown). Leave unset for other writes. A DELETE with `settle` set
  // is treated as such a write too (a blind repeat of a conditional clear would conflict).
  // Requests `settle` sends through the same ApiClient end by the write's own deadline.
  std::function<std::optional<bool>()> settle;
  Subject subject;
  bool authenticated = true;  // false: no Authorization header (the OAuth token endpoint)
};

struct ApiResponse {
  explicit ApiResponse(std::pmr::memory_resource* body_memory) : body(body_memory) {}
  long status = 0;    // 0 when `settled`
  SecretString body;  // the whole JSON answer (a 2xx one, or the error answer from send_raw); empty for 204
  std::string request_id;
  bool settled = false;  // the answer was lost, and `settle` (or a repeated DELETE's 404) found the write applied
};

class ApiClient {
 public:
  // `http` and `environment` are the seams tests replace; `notice` gets one line per retry.
  // The settings are copied with the token kept in the memory resource it lives in (see
  // copied_settings in api/connection.hpp). Throws Error(78) for an API URL that is not
  // https://host[/path] or a malformed pin.
  ApiClient(const ApiSettings& settings, HttpClient& http, RetryEnvironment environment, Notice notice,
            BackoffPolicy policy = {});

  // Sends `request` with the retry rules below and returns a 2xx answer, its body in `mem`.
  // Throws Error for everything else (api_error in api/api_error.hpp): 77 for 401/403, 78
  // for 404, redirects and other 4xx, 65 for 422 and a 409 other than version_conflict (the
  // data sent was refused), 75 (kExitTempFail) for a 409 version_conflict, 69 when the API
  // stays unreachable or failing until the deadline, fails TLS verification, the answer is
  // too large, or a write's outcome is unknown.
  //
  // Retries: a GET (and DELETE, which is idempotent) is retried on transport failures,
  // 429 and 5xx, honouring Retry-After, as the resolve call always was. A DELETE answered 404
  // after an attempt that may have been applied was applied: the response is `settled`
  // (for a DELETE without `settle`; one with it is settled by reading back). A POST, PUT or PATCH
  // is retried only when it cannot have reached the server (DNS, connection refused, TLS
  // handshake before any byte of the request was sent) or got 429 or 503 (nothing applied);
  // after any other failure (a timeout, a broken connection, 500, 502, 504) its fate is
  // unknown: a conditional write is settled by reading back; any other write fails with 69
  // and a line saying it may or may not have been applied.
  // The first request of a client waits a uniform [0, settings.splay) first.
  ApiResponse send(const ApiRequest& request, std::pmr::memory_resource* mem);

  // The same, but a final non-2xx HTTP answer is returned instead of thrown (transport
  // failures, the deadline and unknown outcomes still throw), so callers can handle 409
  // version_conflict themselves.
  ApiResponse send_raw(const ApiRequest& request, std::pmr::memory_resource* mem);

  // One attempt, nothing retried and no splay: the transfer's own failure or the server's
  // answer, whatever it is, for callers with a retry schedule of their own (dotenv-run --watch).
  HttpResponse send_once(const ApiRequest& request, std::pmr::memory_resource* mem);

  const ApiSettings& settings() const noexcept { return settings_; }

 private:
  HttpRequest http_request(const ApiRequest& request) const;
  void splay_once();

  ApiSettings settings_;
  HttpClient& http_;
  RetryEnvironment environment_;
  Notice notice_;
  BackoffPolicy policy_;
  std::string base_url_;  // checked, without a trailing slash
  std::string pins_;      // joined for libcurl
  bool splayed_ = false;
  // The deadline of the request being sent, while one is: a read-back sent from its
  // `settle` ends by it too, so a lost write never takes longer than its deadline.
  std::optional<double> deadline_end_;
};

}  // namespace dotenv_run
