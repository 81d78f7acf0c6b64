// The retry loop of every API request: the deadline, backoff and Retry-After, what a write may
// repeat, read-back of a lost conditional write, and the failures turned into one line each.
#include "api/client.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "api/api_error.hpp"
#include "core/error.hpp"

namespace dotenv_run {

namespace {

// A GET, or a DELETE without a read-back, may be sent again whatever happened to it.
bool blind_repeat_safe(const ApiRequest& request) {
  return request.method == Method::kGet || (request.method == Method::kDelete && !request.settle);
}

std::string_view path_without_query(std::string_view path) { return path.substr(0, path.find('?')); }

std::string subject_of(const ApiRequest& request) {
  return request.subject.what.empty() ? std::string(path_without_query(request.path)) : request.subject.what;
}

// "the PUT request for environment production of api/web"
std::string request_text(const ApiRequest& request) {
  return fmt::format("the {} request for {}", method_name(request.method), subject_of(request));
}

// What one attempt's response means for the loop.
struct Step {
  enum Kind {
    kAnswer,   // a 2xx, or a final status: returned (or thrown by send)
    kRetry,    // nothing can have been applied, or repeating is harmless
    kUnknown,  // a write that may or may not have been applied
  } kind = kAnswer;
  std::string last;  // for the "gave up" line: "answer 503: ..." or "error: ..."
  std::string what;  // for the notice: "API answered 503" or the transport text
  std::optional<double> retry_after;
};

Step transport_step(const ApiRequest& request, const HttpResponse& response, const ApiSettings& settings) {
  const bool unknown = response.request_sent && !blind_repeat_safe(request);
  if (!retryable(response.error)) {
    Error error = transport_error(response, settings);
    if (!unknown) throw error;
    throw Error(error.code(),
                fmt::format("{}; {} may or may not have been applied", error.what(), request_text(request)));
  }
  const std::string text = transport_text(response);
  return Step{unknown ? Step::kUnknown : Step::kRetry, "error: " + text, text, std::nullopt};
}

Step status_step(const ApiRequest& request, const HttpResponse& response, const ApiSettings& settings,
                 std::time_t wall_now) {
  const long status = response.status;
  const bool server_error = status >= 500 && status < 600;
  if (status != 429 && !server_error) return Step{};
  Step step{Step::kRetry, "answer " + describe_status(response, error_fields(response, settings.token)),
            fmt::format("API answered {}", status), std::nullopt};
  // 429 and 503 refuse the request before doing anything; other 5xx may fail after the write.
  if (server_error && status != 503 && !blind_repeat_safe(request)) step.kind = Step::kUnknown;
  if (!response.retry_after.empty()) step.retry_after = parse_retry_after(response.retry_after, wall_now);
  return step;
}

Step judge(const ApiRequest& request, const HttpResponse& response, const ApiSettings& settings, std::time_t wall_now) {
  if (response.error != TransportError::kNone) return transport_step(request, response, settings);
  return status_step(request, response, settings, wall_now);
}

Error unknown_outcome(const ApiRequest& request, const Step& step, std::string_view more = {}) {
  return Error(kExitUnavailable,
               fmt::format("{} may or may not have been applied (last {}){}", request_text(request), step.last, more));
}

// Settles a write whose answer was lost: true when applied, false when it may be sent again.
// Without a way to read it back, the API failed it (a timeout, a broken connection, 500, 502,
// 504): an outage to the offline fallback, as a request that gave up at the deadline.
bool settled_as_applied(const ApiRequest& request, Step& step) {
  if (!request.settle) throw ApiFailure(FailureKind::kOutage, unknown_outcome(request, step));
  std::optional<bool> applied;
  try {
    applied = request.settle();
  } catch (const Error& e) {
    throw unknown_outcome(request, step, fmt::format("; reading it back failed: {}", e.what()));
  }
  if (!applied) throw unknown_outcome(request, step, "; reading it back could not tell");
  if (!*applied) {
    step.what += "; read back: it was not applied";
    step.last += " (read back: it was not applied)";
  }
  return *applied;
}

// Whether an attempt that did not end the loop may still have been applied by the server: it
// went out and its answer was lost, or it was answered with a 5xx other than 503.
bool may_have_been_applied(const HttpResponse& response) {
  if (response.error != TransportError::kNone) return response.request_sent;
  return response.status >= 500 && response.status < 600 && response.status != 503;
}

ApiResponse answer_of(HttpResponse response, std::string_view token, std::pmr::memory_resource* mem) {
  ApiResponse out(mem);
  out.status = response.status;
  out.body = std::move(response.body);
  out.request_id = sanitized_without(response.request_id, token);
  return out;
}

// The request's own deadline: no attempt outlives it, no wait runs past it.
struct Deadline {
  double start, end;
};

void limit_to_deadline(HttpRequest& http, const ApiSettings& settings, const Deadline& deadline, double now) {
  http.total_timeout = std::max(0.001, std::min(settings.request_timeout, deadline.end - now));
  http.connect_timeout = std::min(settings.connect_timeout, http.total_timeout);
}

}  // namespace

ApiClient::ApiClient(const ApiSettings& settings, HttpClient& http, RetryEnvironment environment, Notice notice,
                     BackoffPolicy policy)
    : settings_(copied_settings(settings)),
      http_(http),
      environment_(std::move(environment)),
      notice_(std::move(notice)),
      policy_(policy),
      base_url_(checked_api_url(settings_.api_url)),
      pins_(joined_pins(settings_.pins)) {}

HttpRequest ApiClient::http_request(const ApiRequest& request) const {
  HttpRequest http;
  http.method = request.method;
  http.url = base_url_ + request.path;
  if (request.authenticated) http.bearer_token = settings_.token;
  if (!request.json_body.empty()) {
    http.body = request.json_body;
    http.body_type = BodyType::kJson;
  } else if (!request.form_body.empty()) {
    http.body = request.form_body;
    http.body_type = BodyType::kForm;
  }
  http.ca_file = settings_.ca_file;
  http.pinned_public_keys = pins_;
  http.user_agent = settings_.user_agent;
  http.low_speed_time = settings_.low_speed_time;
  http.max_body = settings_.max_answer_bytes;
  return http;
}

void ApiClient::splay_once() {
  if (splayed_) return;
  splayed_ = true;
  if (settings_.splay > 0) environment_.sleep(settings_.splay * environment_.uniform01());
}

ApiResponse ApiClient::send(const ApiRequest& request, std::pmr::memory_resource* mem) {
  ApiResponse response = send_raw(request, mem);
  if (response.settled || (response.status >= 200 && response.status < 300)) return response;
  HttpResponse final_answer(mem);
  final_answer.status = response.status;
  final_answer.body = std::move(response.body);
  final_answer.request_id = response.request_id;
  throw api_error(final_answer, settings_, subject_of(request));
}

HttpResponse ApiClient::send_once(const ApiRequest& request, std::pmr::memory_resource* mem) {
  HttpRequest http = http_request(request);
  http.total_timeout = settings_.request_timeout;
  http.connect_timeout = std::min(settings_.connect_timeout, settings_.request_timeout);
  HttpResponse response = http_.perform(http, mem);
  response.request_id = sanitized(response.request_id);
  return response;
}

ApiResponse ApiClient::send_raw(const ApiRequest& request, std::pmr::memory_resource* mem) {
  HttpRequest http = http_request(request);
  splay_once();
  const double start = environment_.monotonic_now();
  const double own_end = start + settings_.retry_timeout;
  const Deadline deadline{start, deadline_end_ ? std::min(own_end, *deadline_end_) : own_end};
  struct Restore {
    std::optional<double>& slot;
    std::optional<double> saved;
    ~Restore() { slot = saved; }
  } restore{deadline_end_, std::exchange(deadline_end_, deadline.end)};
  unsigned told_to_wait = 0;   // answers in a row that carried a Retry-After
  bool maybe_applied = false;  // an earlier attempt may have been applied
  for (unsigned attempt = 1;; ++attempt) {
    limit_to_deadline(http, settings_, deadline, environment_.monotonic_now());
    HttpResponse response = http_.perform(http, mem);
    Step step = judge(request, response, settings_, environment_.wall_now());
    // A DELETE sent again after its answer was lost finds the object gone: the lost one did it.
    if (step.kind == Step::kAnswer && maybe_applied && blind_repeat_safe(request) &&
        request.method == Method::kDelete && response.status == 404) {
      ApiResponse settled(mem);
      settled.settled = true;
      return settled;
    }
    if (step.kind == Step::kAnswer) return answer_of(std::move(response), settings_.token, mem);
    maybe_applied = maybe_applied || may_have_been_applied(response);
    if (step.kind == Step::kUnknown && settled_as_applied(request, step)) {
      ApiResponse settled(mem);
      settled.settled = true;
      return settled;
    }

    told_to_wait = step.retry_after ? told_to_wait + 1 : 0;
    const double now = environment_.monotonic_now();
    const auto wait =
        plan_wait(policy_, attempt - 1, step.retry_after, told_to_wait, deadline.end - now, environment_.uniform01());
    if (!wait)
      throw ApiFailure(FailureKind::kOutage,
                       Error(kExitUnavailable, fmt::format("gave up after {} attempt{} in {:.1f} s: last {}", attempt,
                                                           attempt == 1 ? "" : "s", now - deadline.start, step.last)));
    if (notice_) notice_(fmt::format("{}; retrying in {:.1f} s (attempt {})", step.what, *wait, attempt + 1));
    environment_.sleep(*wait);
  }
}

}  // namespace dotenv_run
