// The loopback listener: poll, accept, read a request line within bounds, answer, close.
#include "cloud/loopback.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/sodium.hpp"
#include "core/text.hpp"

namespace dotenv_run {

namespace {

constexpr std::size_t kMaxRequestBytes = 8 * 1024;
constexpr double kConnectionSeconds = 5;

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decoded(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Waits until `fd` is ready for `events` or `deadline` passes (false).
bool wait_for(int fd, short events, double deadline) {
  for (;;) {
    const double left = deadline - now_seconds();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::ceil(left * 1000)));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(kExitUnavailable, fmt::format("the login listener failed: {}", std::strerror(errno)));
    if (n > 0) return true;
  }
}

// Reads the request line and headers (to the blank line), at most kMaxRequestBytes; the
// request line alone when the rest does not come. Empty when nothing usable came in time.
std::string read_request(int fd, double deadline, bool& too_large) {
  std::string data;
  char chunk[2048];
  too_large = false;
  while (data.find("\r\n\r\n") == std::string::npos) {
    if (data.size() >= kMaxRequestBytes) {
      too_large = data.find("\r\n") == std::string::npos;
      break;
    }
    if (!wait_for(fd, POLLIN, deadline)) break;
    const ssize_t n = ::recv(fd, chunk, std::min(sizeof chunk, kMaxRequestBytes - data.size()), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    data.append(chunk, static_cast<std::size_t>(n));
  }
  const std::size_t line_end = data.find("\r\n");
  std::string line = line_end == std::string::npos ? std::string() : data.substr(0, line_end);
  wipe(data);  // it held the code
  return line;
}

void send_page(int fd, int status, std::string_view reason, std::string_view title, std::string_view text,
               double deadline) {
  const std::string body = fmt::format(
      "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>dotenv-cloud: {0}</title></head>\n"
      "<body style=\"font-family:sans-serif;margin:3em\"><h1>{0}</h1><p>{1}</p></body></html>\n",
      title, text);
  const std::string answer = fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\n"
      "Referrer-Policy: no-referrer\r\nConnection: close\r\n\r\n{}",
      status, reason, body.size(), body);
  std::size_t sent = 0;
  while (sent < answer.size() && wait_for(fd, POLLOUT, deadline)) {
    const ssize_t n = ::send(fd, answer.data() + sent, answer.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the browser went away: nothing to tell it
    sent += static_cast<std::size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
}

bool same_state(std::string_view a, std::string_view b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::string duration_text(double seconds) {
  if (seconds >= 60 && std::fmod(seconds, 60) == 0) {
    return fmt::format("{} minute{}", seconds / 60, seconds == 60 ? "" : "s");
  }
  return fmt::format("{} second{}", seconds, seconds == 1 ? "" : "s");
}

CallbackQuery parse_request_target(std::string_view target) {
  CallbackQuery q;
  const std::size_t mark = target.find('?');
  q.path = std::string(target.substr(0, mark));
  if (mark == std::string_view::npos) return q;
  std::string_view query = target.substr(mark + 1);
  if (const std::size_t hash = query.find('#'); hash != std::string_view::npos) query = query.substr(0, hash);
  bool seen_state = false, seen_code = false, seen_error = false, seen_description = false;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const std::size_t eq = pair.find('=');
    const std::string name = percent_decoded(pair.substr(0, eq));
    const std::string value = eq == std::string_view::npos ? std::string() : percent_decoded(pair.substr(eq + 1));
    auto take = [&](bool& seen, std::string& field) {
      if (seen) q.duplicate = true;
      seen = true;
      field = value;
    };
    if (name == "state")
      take(seen_state, q.state);
    else if (name == "code")
      take(seen_code, q.code);
    else if (name == "error")
      take(seen_error, q.error);
    else if (name == "error_description")
      take(seen_description, q.error_description);
  }
  return q;
}

LoopbackListener::LoopbackListener() {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);  // accept never blocks
  if (fd_ < 0) throw Error(kExitUnavailable, fmt::format("cannot open the login listener: {}", std::strerror(errno)));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd_, 16) != 0 ||
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd_);
    fd_ = -1;
    throw Error(kExitUnavailable, fmt::format("cannot listen on 127.0.0.1 for the login: {}", why));
  }
  port_ = ntohs(address.sin_port);
}

LoopbackListener::~LoopbackListener() {
  if (fd_ >= 0) ::close(fd_);
}

std::string LoopbackListener::redirect_uri() const { return fmt::format("http://127.0.0.1:{}/callback", port_); }

Callback LoopbackListener::wait(std::string_view state, double timeout_seconds, std::pmr::memory_resource* mem,
                                const std::function<void(std::string_view)>& notice) {
  const double deadline = now_seconds() + timeout_seconds;
  for (;;) {
    if (!wait_for(fd_, POLLIN, deadline)) {
      throw Error(kExitUnavailable, fmt::format("no login within {}: the browser never came back to {}; run "
                                                "dotenv-cloud login again",
                                                duration_text(timeout_seconds), redirect_uri()));
    }
    Socket client(::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC));
    if (client.get() < 0) continue;  // the peer left before accept, EAGAIN or EINTR: wait again
    const double connection_deadline = std::min(deadline, now_seconds() + kConnectionSeconds);
    bool too_large = false;
    std::string line = read_request(client.get(), connection_deadline, too_large);
    if (too_large) {
      send_page(client.get(), 414, "URI Too Long", "Request too long", "This request is too long.",
                connection_deadline);
      continue;
    }
    // "GET /callback?code=...&state=... HTTP/1.1"
    const std::size_t first = line.find(' ');
    const std::size_t second = first == std::string::npos ? first : line.find(' ', first + 1);
    if (second == std::string::npos || line.compare(second + 1, 5, "HTTP/") != 0) {
      wipe(line);
      send_page(client.get(), 400, "Bad Request", "Bad request", "This is not an HTTP request.", connection_deadline);
      continue;
    }
    const std::string_view method = std::string_view(line).substr(0, first);
    CallbackQuery query = parse_request_target(std::string_view(line).substr(first + 1, second - first - 1));
    const bool is_get = method == "GET";
    wipe(line);
    if (query.path != "/callback") {
      send_page(client.get(), 404, "Not Found", "Not found", "dotenv-cloud waits for its login here, nothing else.",
                connection_deadline);
    } else if (!is_get) {
      send_page(client.get(), 405, "Method Not Allowed", "Method not allowed", "Use GET.", connection_deadline);
    } else if (query.duplicate || !same_state(query.state, state)) {
      send_page(client.get(), 400, "Bad Request", "Login refused",
                "This answer does not belong to the login dotenv-cloud is waiting for (its state differs). "
                "Use the URL dotenv-cloud printed last.",
                connection_deadline);
      if (notice)
        notice(
            "refused an answer to the login URL whose state differs (an old browser tab, or a "
            "request someone else made); still waiting");
    } else {
      Callback result(mem);
      if (!query.error.empty()) {
        result.error = sanitized(query.error);
        result.error_description = sanitized(query.error_description);
        send_page(client.get(), 200, "OK", "Login refused",
                  "The login was refused; dotenv-cloud says why in the terminal. You can close this tab.",
                  connection_deadline);
      } else if (query.code.empty()) {
        result.error = "invalid_request";
        result.error_description = "the answer carried neither a code nor an error";
        send_page(client.get(), 400, "Bad Request", "Login failed", "The answer carried no code.", connection_deadline);
      } else {
        result.code = secret_copy(query.code, mem);
        send_page(client.get(), 200, "OK", "Login received",
                  "dotenv-cloud has the authorization and finishes the login in the terminal. You can close this tab.",
                  connection_deadline);
      }
      wipe(query.code);
      return result;
    }
    wipe(query.code);
  }
}

}  // namespace dotenv_run
