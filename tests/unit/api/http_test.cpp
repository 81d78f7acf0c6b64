// Tests of the libcurl wrapper: key logging, https only, failures classified and whether the request
// went out, fds released, and every method's request line, headers and body against a local TLS server.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "api/http.hpp"
#include "api/resolve.hpp"
#include "core/error.hpp"
#include "tls_server.hpp"

extern char** environ;

using namespace dotenv_run;

namespace {

// A listening socket on 127.0.0.1 that never accepts (the kernel still completes handshakes).
struct Listener {
  int fd = -1;
  int port = 0;
  Listener() {
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(listen(fd, 8) == 0);
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  ~Listener() { close(fd); }
  bool connection_pending() const {
    const int c = accept(fd, nullptr, nullptr);
    if (c >= 0) close(c);
    return c >= 0;
  }
};

int open_fd_count() {
  int count = 0;
  DIR* dir = opendir("/proc/self/fd");
  while (readdir(dir) != nullptr) ++count;
  closedir(dir);
  return count;
}

bool exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

// Runs `body` in a child with libcurl's global state torn down first; returns its exit status.
template <typename F>
int in_child(F body) {
  const pid_t pid = fork();
  if (pid == 0) {
    http_global_cleanup();
    _exit(body());
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

HttpRequest request_to(const std::string& url) {
  HttpRequest r;
  r.url = url;
  r.bearer_token = "tok-secret-123";
  r.connect_timeout = 2;
  r.total_timeout = 2;
  return r;
}

}  // namespace

TEST_CASE("SSLKEYLOGFILE makes plain libcurl open a key log, but never ours, and stays in the environment") {
  char dir_template[] = "/tmp/dotenv-run-keylog-XXXXXX";
  REQUIRE(mkdtemp(dir_template) != nullptr);
  const std::string dir = dir_template;
  const std::string plain = dir + "/plain.log";
  const std::string ours = dir + "/ours.log";

  // The control: this libcurl does honour the variable, so the check below means something.
  CHECK(in_child([&] {
          setenv("SSLKEYLOGFILE", plain.c_str(), 1);
          return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : 1;
        }) == 0);
  CHECK(exists(plain));

  CHECK(in_child([&] {
          setenv("SSLKEYLOGFILE", ours.c_str(), 1);
          char** before = environ;
          int position = -1;
          for (int i = 0; environ[i] != nullptr; ++i)
            if (std::string_view(environ[i]).starts_with("SSLKEYLOGFILE=")) position = i;
          http_global_init();
          // Same array, same slot, same value: the program we exec sees it untouched.
          if (environ != before || position < 0) return 2;
          if (std::string_view(environ[position]) != "SSLKEYLOGFILE=" + ours) return 3;
          const char* value = getenv("SSLKEYLOGFILE");
          return value != nullptr && value == ours ? 0 : 4;
        }) == 0);
  CHECK_FALSE(exists(ours));

  std::remove(plain.c_str());
  rmdir(dir.c_str());
}

TEST_CASE("an http:// URL is refused by libcurl without connecting") {
  Listener listener;
  SecretArena arena;
  CurlHttpClient client;
  const HttpResponse r =
      client.perform(request_to("http://127.0.0.1:" + std::to_string(listener.port) + "/"), arena.resource());
  CHECK(r.error == TransportError::kRefused);
  CHECK_FALSE(listener.connection_pending());
}

TEST_CASE("resolve refuses an http:// API URL with exit 78 and no connection") {
  Listener listener;
  SecretArena arena;
  ApiSettings settings;
  settings.api_url = "http://127.0.0.1:" + std::to_string(listener.port);
  settings.token_source = "test";
  try {
    resolve(settings, {"01HZX5V9Q6M3K8T2R4W7Y0B1CD", "api", {}, {}}, arena.resource(), {});
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == kExitConfig);
    CHECK(std::string(e.what()) == "the API URL must use https://");
  }
  CHECK_FALSE(listener.connection_pending());
}

TEST_CASE("a refused connection is a connect error, and no socket is left behind") {
  int port = 0;
  {
    Listener closed;
    port = closed.port;
  }
  SecretArena arena;
  const int before = open_fd_count();
  {
    CurlHttpClient client;
    const HttpResponse r =
        client.perform(request_to("https://127.0.0.1:" + std::to_string(port) + "/"), arena.resource());
    CHECK(r.error == TransportError::kConnect);
    CHECK_FALSE(r.request_sent);
    CHECK(r.error_detail.find("127.0.0.1") != std::string::npos);
  }
  CHECK(open_fd_count() == before);
}

TEST_CASE("a server that never answers the TLS handshake times out, and its socket is closed") {
  Listener silent;
  SecretArena arena;
  const int before = open_fd_count();
  {
    CurlHttpClient client;
    HttpRequest request = request_to("https://127.0.0.1:" + std::to_string(silent.port) + "/");
    request.connect_timeout = 0.3;
    request.total_timeout = 0.3;
    request.method = Method::kPost;
    request.body = R"({"a": 1})";
    request.body_type = BodyType::kJson;
    const HttpResponse r = client.perform(request, arena.resource());
    CHECK(r.error == TransportError::kTimeout);
    CHECK_FALSE(r.request_sent);  // the handshake never finished: a write may be sent again
  }
  CHECK(open_fd_count() == before);
}

TEST_CASE("an unknown host is a DNS error") {
  SecretArena arena;
  CurlHttpClient client;
  const HttpResponse r = client.perform(request_to("https://no-such-host.invalid/"), arena.resource());
  CHECK(r.error == TransportError::kResolve);
  CHECK_FALSE(r.request_sent);
}

TEST_CASE("a CA file that does not exist is refused with exit 78 before any connection") {
  Listener listener;
  SecretArena arena;
  CurlHttpClient client;
  HttpRequest request = request_to("https://127.0.0.1:" + std::to_string(listener.port) + "/");
  request.ca_file = "/nonexistent/ca.pem";
  try {
    client.perform(request, arena.resource());
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == kExitConfig);
    CHECK(std::string(e.what()) == "CA file /nonexistent/ca.pem: No such file or directory");
  }
}

TEST_CASE("a CA file that is not PEM is a CA error") {
  Listener listener;
  SecretArena arena;
  CurlHttpClient client;
  char path[] = "/tmp/dotenv-run-test-ca-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, "not a certificate\n", 18) == 18);
  close(fd);
  HttpRequest request = request_to("https://127.0.0.1:" + std::to_string(listener.port) + "/");
  request.ca_file = path;
  request.connect_timeout = 0.5;
  request.total_timeout = 0.5;
  const HttpResponse r = client.perform(request, arena.resource());
  std::remove(path);
  CHECK(r.error == TransportError::kCaFile);
}

TEST_CASE("the system CA directory is the hashed /etc/ssl/certs when it has hash links") {
  const std::string& dir = system_ca_directory();
  CHECK((dir.empty() || dir == "/etc/ssl/certs"));
  if (!dir.empty()) CHECK(exists(dir));
}

TEST_CASE("credentials in a proxy URL are redacted from libcurl's messages") {
  CHECK(redact_credentials("Failed to connect to http://user:pa55@proxy.example:3128/ x") ==
        "Failed to connect to http://***@proxy.example:3128/ x");
  CHECK(redact_credentials("Could not resolve proxy: proxy.example") == "Could not resolve proxy: proxy.example");
  CHECK(redact_credentials("a://b@c and https://u:p@h") == "a://***@c and https://***@h");
  // A password with '/', a space or '@' in it: everything up to the last '@' goes.
  CHECK(redact_credentials("Unsupported proxy syntax in 'http://user:abc/PASS@host:3128'") ==
        "Unsupported proxy syntax in 'http://***@host:3128'");
  CHECK(redact_credentials("http://user:two words@host") == "http://***@host");
  CHECK(redact_credentials("https://u:p@ss@w@rd@host/x") == "https://***@host/x");
  CHECK(redact_credentials("https://u:a/b@h1 then http://v:c d@h2/") == "https://***@h1 then http://***@h2/");
}

namespace {

const std::string kCreated =
    "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nX-Request-Id: 0123456789abcdef\r\n"
    "Location: /api/v1/x/projects/api\r\nX-RateLimit-Limit: 100\r\nX-RateLimit-Remaining: 97\r\n"
    "Content-Length: 11\r\nConnection: close\r\n\r\n{\"data\":{}}";

// The head of a recorded request, lower-cased header names kept as sent.
std::string head_of(const std::string& request) { return request.substr(0, request.find("\r\n\r\n") + 4); }
std::string body_of(const std::string& request) { return request.substr(request.find("\r\n\r\n") + 4); }
bool has_header(const std::string& request, const std::string& line) {
  return head_of(request).find("\r\n" + line + "\r\n") != std::string::npos;
}
bool has_header_named(const std::string& request, const std::string& name) {
  return head_of(request).find("\r\n" + name + ":") != std::string::npos;
}

HttpRequest request_with(const testing::TlsServer& server, Method method, std::string_view body, BodyType type) {
  HttpRequest r = request_to(server.url("/api/v1/org/secrets"));
  r.ca_file = server.ca_file();
  r.method = method;
  r.body = body;
  r.body_type = type;
  r.user_agent = "dotenv-cloud/test";
  return r;
}

}  // namespace

TEST_CASE("POST, PUT, PATCH and DELETE send their method, a JSON body with its type and length, and the token") {
  const std::string body = R"({"project": "api", "blob": "dcv1:2:QUJD", "key_version": 2})";
  for (const Method method : {Method::kPost, Method::kPut, Method::kPatch, Method::kDelete}) {
    testing::TlsServer server(kCreated);
    SecretArena arena;
    CurlHttpClient client;
    const HttpResponse r = client.perform(request_with(server, method, body, BodyType::kJson), arena.resource());
    CHECK(r.error == TransportError::kNone);
    CHECK(r.status == 201);
    CHECK(r.request_sent);
    CHECK(std::string_view(r.body) == "{\"data\":{}}");
    const auto requests = server.requests();
    REQUIRE(requests.size() == 1);
    const std::string& q = requests[0];
    CHECK(q.starts_with(std::string(method_name(method)) + " /api/v1/org/secrets HTTP/1.1\r\n"));
    CHECK(has_header(q, "Content-Type: application/json"));
    CHECK(has_header(q, "Content-Length: " + std::to_string(body.size())));
    CHECK(has_header(q, "Authorization: Bearer tok-secret-123"));
    CHECK(has_header(q, "Accept: application/json"));
    CHECK(has_header(q, "User-Agent: dotenv-cloud/test"));
    CHECK_FALSE(has_header_named(q, "Expect"));
    CHECK(body_of(q) == body);
  }
}

TEST_CASE("the answer's headers are read after the transfer") {
  testing::TlsServer server(kCreated);
  SecretArena arena;
  CurlHttpClient client;
  const HttpResponse r = client.perform(request_with(server, Method::kPost, "{}", BodyType::kJson), arena.resource());
  CHECK(r.request_id == "0123456789abcdef");
  CHECK(r.location == "/api/v1/x/projects/api");
  CHECK(r.content_type == "application/json");
  CHECK(r.rate_limit_limit == "100");
  CHECK(r.rate_limit_remaining == "97");
  CHECK(r.retry_after.empty());

  testing::TlsServer limited(
      "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
  const HttpResponse refused =
      client.perform(request_with(limited, Method::kGet, {}, BodyType::kNone), arena.resource());
  CHECK(refused.status == 429);
  CHECK(refused.retry_after == "7");
  CHECK(refused.request_id.empty());
}

TEST_CASE("a GET and a DELETE without a body send neither a Content-Type nor a body; an empty POST sends length 0") {
  SecretArena arena;
  CurlHttpClient client;
  for (const Method method : {Method::kGet, Method::kDelete}) {
    testing::TlsServer server(kCreated);
    client.perform(request_with(server, method, {}, BodyType::kNone), arena.resource());
    const auto requests = server.requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].starts_with(std::string(method_name(method)) + " /api/v1/org/secrets HTTP/1.1\r\n"));
    CHECK_FALSE(has_header_named(requests[0], "Content-Type"));
    CHECK(body_of(requests[0]).empty());
  }
  testing::TlsServer server(kCreated);
  client.perform(request_with(server, Method::kPost, {}, BodyType::kNone), arena.resource());
  const auto requests = server.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].starts_with("POST "));
  CHECK(has_header(requests[0], "Content-Length: 0"));
  CHECK_FALSE(has_header_named(requests[0], "Content-Type"));
}

TEST_CASE("a form body is labelled as a form, and no Authorization goes without a token") {
  testing::TlsServer server(kCreated);
  SecretArena arena;
  CurlHttpClient client;
  HttpRequest request =
      request_with(server, Method::kPost, "grant_type=refresh_token&refresh_token=rt", BodyType::kForm);
  request.bearer_token = {};
  client.perform(request, arena.resource());
  const auto requests = server.requests();
  REQUIRE(requests.size() == 1);
  CHECK(has_header(requests[0], "Content-Type: application/x-www-form-urlencoded"));
  CHECK_FALSE(has_header_named(requests[0], "Authorization"));
  CHECK(body_of(requests[0]) == "grant_type=refresh_token&refresh_token=rt");
}

TEST_CASE("a large body goes out at once from the caller's memory, without waiting for a 100 Continue") {
  testing::TlsServer server(kCreated);
  SecretArena arena;
  CurlHttpClient client;
  const SecretString body = secret_copy("{\"blob\": \"" + std::string(1500000, 'A') + "\"}", arena.resource());
  HttpRequest request = request_with(server, Method::kPut, body, BodyType::kJson);
  request.total_timeout = 0.9;  // libcurl waits 1 s for a 100 Continue it asked for
  const HttpResponse r = client.perform(request, arena.resource());
  CHECK(r.error == TransportError::kNone);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 1);
  CHECK(body_of(requests[0]) == std::string_view(body));
}

TEST_CASE("a request the server read but never answered times out as sent") {
  testing::TlsServer server("");
  SecretArena arena;
  CurlHttpClient client;
  HttpRequest request = request_with(server, Method::kPut, R"({"a": 1})", BodyType::kJson);
  request.total_timeout = 0.5;
  const HttpResponse r = client.perform(request, arena.resource());
  CHECK(r.error == TransportError::kTimeout);
  CHECK(r.request_sent);
  CHECK(server.requests().size() == 1);
}

TEST_CASE("a write sent on a kept-alive connection that dies unanswered is not sent again by libcurl") {
  // libcurl resends a request by itself when a reused connection closes before any answer
  // byte; for a write the server may already have applied, that is a second write.
  testing::TlsServer server("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
                            /*drop_second=*/true);
  SecretArena arena;
  CurlHttpClient client;
  const HttpResponse read = client.perform(request_with(server, Method::kGet, {}, BodyType::kNone), arena.resource());
  REQUIRE(read.status == 200);
  for (const Method method : {Method::kPost, Method::kPut, Method::kPatch, Method::kDelete}) {
    const HttpResponse written =
        client.perform(request_with(server, method, R"({"base_version": 3})", BodyType::kJson), arena.resource());
    const auto requests = server.requests();
    const auto sent = std::count_if(requests.begin(), requests.end(), [&](const std::string& q) {
      return q.starts_with(std::string(method_name(method)) + " ");
    });
    INFO(method_name(method));
    CHECK(sent == 1);
    CHECK(written.request_sent);
  }
}

TEST_CASE("a short answer is kept in the given memory, not in the response object's small-string buffer") {
  testing::TlsServer server("HTTP/1.1 200 OK\r\nContent-Length: 14\r\nConnection: close\r\n\r\n{\"v\":\"s3cret\"}");
  SecretArena arena;
  CurlHttpClient client;
  const HttpResponse r = client.perform(request_with(server, Method::kGet, {}, BodyType::kNone), arena.resource());
  REQUIRE(std::string_view(r.body) == "{\"v\":\"s3cret\"}");
  const char* object = reinterpret_cast<const char*>(&r);
  CHECK_FALSE((r.body.data() >= object && r.body.data() < object + sizeof r));
}

TEST_CASE("the CA file is read from the descriptor that was checked, not opened again by libcurl") {
  testing::TlsServer server(kCreated);
  SecretArena arena;
  CurlHttpClient client;
  // Checked and read once; the name then points at another file, which libcurl never sees.
  HttpRequest request = request_with(server, Method::kGet, {}, BodyType::kNone);
  CHECK(client.perform(request, arena.resource()).status == 201);
  const std::string moved = server.ca_file() + ".moved";
  REQUIRE(std::rename(server.ca_file().c_str(), moved.c_str()) == 0);
  REQUIRE(symlink("/nonexistent", server.ca_file().c_str()) == 0);
  testing::TlsServer again(kCreated);
  HttpRequest second = request_with(again, Method::kGet, {}, BodyType::kNone);
  second.ca_file = request.ca_file;
  CHECK(client.perform(second, arena.resource()).error == TransportError::kTlsVerify);
  std::remove(server.ca_file().c_str());
  REQUIRE(std::rename(moved.c_str(), server.ca_file().c_str()) == 0);
}

TEST_CASE("a proxy URL that is not a URL is a proxy syntax error, never retried, its password never shown") {
  testing::TlsServer server(kCreated);
  SecretArena arena;
  CurlHttpClient client;
  ::setenv("https_proxy", "http://user:abc/PASS@127.0.0.1:3128", 1);
  const HttpResponse r = client.perform(request_with(server, Method::kGet, {}, BodyType::kNone), arena.resource());
  ::unsetenv("https_proxy");
  CHECK(r.error == TransportError::kProxySyntax);
  CHECK_FALSE(r.request_sent);
  CHECK(r.error_detail.find("PASS") == std::string::npos);
}

TEST_CASE("an answer whose status line is not HTTP is a bad answer, not a refused URL") {
  SecretArena arena;
  CurlHttpClient client;
  for (const char* reply : {"garbage\r\n\r\n", "HTTP/1.1 abc OK\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n"}) {
    CAPTURE(reply);
    testing::TlsServer server(reply);
    const HttpResponse r = client.perform(request_with(server, Method::kGet, {}, BodyType::kNone), arena.resource());
    CHECK(r.error == TransportError::kBadAnswer);
    CHECK(r.request_sent);
  }
}
