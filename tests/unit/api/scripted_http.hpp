// A scripted HttpClient and a fake clock for the API client's tests: each request takes the
// next scripted answer (the last one repeats) and is recorded with copies of its token and body.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <ctime>
#include <deque>
#include <string>
#include <vector>

#include "api/connection.hpp"
#include "api/http.hpp"
#include "api/retry.hpp"
#include "core/secure_memory.hpp"

namespace testing {

using namespace dotenv_run;

struct Scripted {
  long status = 200;
  std::string body;
  std::string retry_after, request_id;
  TransportError error = TransportError::kNone;
  std::string detail;
  double takes = 0.1;  // seconds the attempt lasts on the fake clock
  bool sent = true;    // whether the request may have reached the server
};

inline Scripted answer(long status, std::string body, std::string retry_after = {}, std::string request_id = {}) {
  return Scripted{
      status, std::move(body), std::move(retry_after), std::move(request_id), TransportError::kNone, {}, 0.1, true};
}

// As the real client reports them: DNS, connect and handshake failures sent nothing.
inline Scripted broken(TransportError error, std::string detail, double takes = 0.1) {
  const bool sent = error != TransportError::kResolve && error != TransportError::kConnect &&
                    error != TransportError::kTlsHandshake && error != TransportError::kTlsVerify &&
                    error != TransportError::kPinMismatch && error != TransportError::kCaFile &&
                    error != TransportError::kRefused;
  return Scripted{0, {}, {}, {}, error, std::move(detail), takes, sent};
}

// What one request carried; the token and body are copied (the request only views them).
struct Recorded {
  Method method = Method::kGet;
  std::string url, bearer_token, body;
  BodyType body_type = BodyType::kNone;
  std::string ca_file;
  std::size_t max_body = 0;
  double total_timeout = 0, connect_timeout = 0;
};

struct ScriptedHttp : HttpClient {
  SecretArena arena;
  std::deque<Scripted> script;
  std::vector<Recorded> requests;
  std::vector<double> sleeps;
  std::vector<std::string> notices;
  double now = 1000;
  double uniform = 0.5;
  ApiSettings settings;

  ScriptedHttp() {
    settings.api_url = "https://api.example.test/";
    settings.token = "tok-secret-123";
    settings.token_source = "DOTENV_CLOUD_TOKEN_FILE=/run/tok";
  }

  HttpResponse perform(const HttpRequest& request, std::pmr::memory_resource* memory) override {
    requests.push_back(Recorded{request.method, request.url, std::string(request.bearer_token),
                                std::string(request.body), request.body_type, request.ca_file, request.max_body,
                                request.total_timeout, request.connect_timeout});
    REQUIRE_FALSE(script.empty());
    Scripted s = script.front();
    if (script.size() > 1) script.pop_front();  // the last entry repeats forever
    now += std::min(s.takes, request.total_timeout);
    HttpResponse r(memory);
    r.error = s.error;
    r.error_detail = s.detail;
    r.request_sent = s.sent;
    r.status = s.error == TransportError::kNone ? s.status : 0;
    r.body.assign(s.body);
    r.retry_after = s.retry_after;
    r.request_id = s.request_id;
    return r;
  }

  RetryEnvironment environment() {
    RetryEnvironment env;
    env.monotonic_now = [this] { return now; };
    env.sleep = [this](double s) {
      sleeps.push_back(s);
      now += s;
    };
    env.wall_now = [] { return std::time_t{784111770}; };
    env.uniform01 = [this] { return uniform; };
    return env;
  }

  Notice notice() {
    return [this](std::string_view n) { notices.emplace_back(n); };
  }
};

}  // namespace testing
