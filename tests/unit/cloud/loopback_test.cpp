// Tests of the loopback listener: the callback's parameters, wrong paths, methods and states, errors, the timeout.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "cloud/loopback.hpp"
#include "core/error.hpp"
#include "support/error_of.hpp"

using namespace dotenv_run;

namespace {

// Sends `request` to 127.0.0.1:port and returns the whole answer.
std::string exchange(int port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return "connect failed";
  }
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string answer;
  char buffer[4096];
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) answer.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  return answer;
}

std::string get(int port, const std::string& target) {
  return exchange(port, "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\n\r\n");
}

std::string status_line(const std::string& answer) { return answer.substr(0, answer.find("\r\n")); }

}  // namespace

TEST_CASE("a request target's parameters are percent-decoded, and a repeated one is noticed") {
  CallbackQuery q = parse_request_target("/callback?code=a%2Fb+c&state=s%3D&error_description=No+such+user.");
  CHECK(q.path == "/callback");
  CHECK(q.code == "a/b c");
  CHECK(q.state == "s=");
  CHECK(q.error_description == "No such user.");
  CHECK_FALSE(q.duplicate);
  CHECK(parse_request_target("/callback?state=a&state=b").duplicate);
  CHECK(parse_request_target("/other").path == "/other");
  CHECK(parse_request_target("/callback?code=%zz").code == "%zz");
}

TEST_CASE("the listener is on 127.0.0.1 with a port of its own, and says so in its redirect URI") {
  LoopbackListener a, b;
  CHECK(a.port() > 0);
  CHECK(a.port() != b.port());
  CHECK(a.redirect_uri() == "http://127.0.0.1:" + std::to_string(a.port()) + "/callback");
}

TEST_CASE("only a GET of /callback with the right state ends the wait; the rest is refused and the wait goes on") {
  SecretArena arena;
  LoopbackListener listener;
  std::vector<std::string> answers, notices;
  std::thread browser([&] {
    answers.push_back(get(listener.port(), "/favicon.ico"));
    answers.push_back(exchange(listener.port(), "POST /callback?code=c&state=right HTTP/1.1\r\n\r\n"));
    answers.push_back(get(listener.port(), "/callback?code=forged&state=wrong"));
    answers.push_back(get(listener.port(), "/callback?code=forged"));
    answers.push_back(get(listener.port(), "/callback?code=forged&state=right&state=right"));
    answers.push_back(exchange(listener.port(), "garbage\r\n\r\n"));
    answers.push_back(get(listener.port(), "/callback?code=the-code&state=right"));
  });
  Callback result =
      listener.wait("right", 30, arena.resource(), [&](std::string_view line) { notices.emplace_back(line); });
  browser.join();
  CHECK(result.code == "the-code");
  CHECK(result.error.empty());
  REQUIRE(answers.size() == 7);
  CHECK(status_line(answers[0]) == "HTTP/1.1 404 Not Found");
  CHECK(status_line(answers[1]) == "HTTP/1.1 405 Method Not Allowed");
  CHECK(status_line(answers[2]) == "HTTP/1.1 400 Bad Request");
  CHECK(status_line(answers[3]) == "HTTP/1.1 400 Bad Request");
  CHECK(status_line(answers[4]) == "HTTP/1.1 400 Bad Request");
  CHECK(status_line(answers[5]) == "HTTP/1.1 400 Bad Request");
  CHECK(status_line(answers[6]) == "HTTP/1.1 200 OK");
  CHECK(answers[6].find("Content-Type: text/html; charset=utf-8\r\n") != std::string::npos);
  CHECK(answers[6].find("the-code") == std::string::npos);
  CHECK(notices.size() == 3);
  CHECK(notices[0] ==
        "refused an answer to the login URL whose state differs (an old browser tab, or a request "
        "someone else made); still waiting");
}

TEST_CASE("an error in the callback with the right state ends the wait with that error, sanitised") {
  SecretArena arena;
  LoopbackListener listener;
  std::string answer;
  std::thread browser([&] {
    answer = get(listener.port(), "/callback?error=access_denied&error_description=No+such%0Auser.&state=s");
  });
  Callback result = listener.wait("s", 30, arena.resource(), nullptr);
  browser.join();
  CHECK(result.code.empty());
  CHECK(result.error == "access_denied");
  CHECK(result.error_description == "No such\\x0auser.");
  CHECK(status_line(answer) == "HTTP/1.1 200 OK");
}

TEST_CASE("a request line over 8 KiB is refused") {
  SecretArena arena;
  LoopbackListener listener;
  std::string answer;
  std::thread browser([&] {
    answer = exchange(listener.port(), "GET /callback?code=" + std::string(9000, 'x'));
    get(listener.port(), "/callback?code=c&state=s");
  });
  listener.wait("s", 30, arena.resource(), nullptr);
  browser.join();
  CHECK(status_line(answer) == "HTTP/1.1 414 URI Too Long");
}

TEST_CASE("durations are said in minutes when whole, else in seconds") {
  CHECK(duration_text(300) == "5 minutes");
  CHECK(duration_text(60) == "1 minute");
  CHECK(duration_text(1) == "1 second");
  CHECK(duration_text(90) == "90 seconds");
}

TEST_CASE("the wait ends after its timeout with a line naming the listener") {
  SecretArena arena;
  LoopbackListener listener;
  CHECK(testing::error_of(kExitUnavailable, [&] { listener.wait("s", 0.2, arena.resource(), nullptr); }) ==
        "no login within 0.2 seconds: the browser never came back to " + listener.redirect_uri() +
            "; run dotenv-cloud login again");
}
