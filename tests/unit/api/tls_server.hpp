// A one-thread HTTPS server on 127.0.0.1 for the libcurl client's tests: a fresh self-signed
// certificate (its PEM in a temp file, for ca_file), one request per connection, each recorded
// raw (request line, headers and body) and answered with a scripted reply, or held unanswered.
// With `drop_second`, a connection kept alive after its answer has its next request read,
// recorded and then closed unanswered: a server that applied a write and died before answering.
#pragma once

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace testing {

class TlsServer {
 public:
  // `reply` is the raw answer sent after each request; empty: read the request, never answer.
  explicit TlsServer(std::string reply, bool drop_second = false)
      : reply_(std::move(reply)), drop_second_(drop_second) {
    make_certificate();
    listen_on_loopback();
    thread_ = std::thread([this] { serve(); });
  }
  ~TlsServer() {
    stop_ = true;
    thread_.join();
    close(listener_);
    SSL_CTX_free(ctx_);
    std::remove(ca_file_.c_str());
  }
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;

  std::string url(const std::string& path) const { return "https://127.0.0.1:" + std::to_string(port_) + path; }
  const std::string& ca_file() const { return ca_file_; }

  // The requests received so far, each as it came: "POST /x HTTP/1.1\r\n...\r\n\r\n<body>".
  std::vector<std::string> requests() {
    const std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }

 private:
  void make_certificate() {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    REQUIRE(key != nullptr);
    X509* cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1,
                               0);
    X509_set_issuer_name(cert, name);
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, "IP:127.0.0.1");
    REQUIRE(san != nullptr);
    X509_add_ext(cert, san, -1);
    X509_EXTENSION_free(san);
    REQUIRE(X509_sign(cert, key, EVP_sha256()) > 0);

    char path[] = "/tmp/dotenv-run-test-ca-XXXXXX";
    const int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    close(fd);
    ca_file_ = path;
    FILE* out = std::fopen(path, "w");
    REQUIRE(out != nullptr);
    PEM_write_X509(out, cert);
    std::fclose(out);

    ctx_ = SSL_CTX_new(TLS_server_method());
    REQUIRE(ctx_ != nullptr);
    REQUIRE(SSL_CTX_use_certificate(ctx_, cert) == 1);
    REQUIRE(SSL_CTX_use_PrivateKey(ctx_, key) == 1);
    X509_free(cert);
    EVP_PKEY_free(key);
  }

  void listen_on_loopback() {
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(listen(listener_, 8) == 0);
    socklen_t len = sizeof addr;
    getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }

  bool readable(int fd, int timeout_ms) const {
    pollfd p{fd, POLLIN, 0};
    return poll(&p, 1, timeout_ms) == 1;
  }

  void serve() {
    while (!stop_) {
      if (!readable(listener_, 50)) continue;
      const int fd = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      SSL* ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, fd);
      if (SSL_accept(ssl) == 1) answer(ssl);
      SSL_shutdown(ssl);
      SSL_free(ssl);
      close(fd);
    }
  }

  // Reads the head and a Content-Length body, records them, then answers or waits to be stopped.
  void answer(SSL* ssl) {
    if (!read_request(ssl)) return;
    if (reply_.empty()) {
      while (!stop_) usleep(10000);
      return;
    }
    SSL_write(ssl, reply_.data(), static_cast<int>(reply_.size()));
    // Then closed by the caller, unanswered. A client that opens a new connection instead
    // finds it accepted: the kept one is given up.
    if (drop_second_) read_request(ssl, /*give_way=*/true);
  }

  // One request, recorded; false when the connection ended or the server stops first, or, with
  // `give_way`, when a new connection arrives before the request starts.
  bool read_request(SSL* ssl, bool give_way = false) {
    std::string request;
    char buffer[16384];
    std::size_t wanted = std::string::npos;
    while (wanted == std::string::npos || request.size() < wanted) {
      while (SSL_pending(ssl) == 0 && !readable(SSL_get_fd(ssl), 50)) {
        if (stop_) return false;
        if (give_way && request.empty() && readable(listener_, 0)) return false;
      }
      const int n = SSL_read(ssl, buffer, sizeof buffer);
      if (n <= 0) return false;
      request.append(buffer, static_cast<std::size_t>(n));
      const std::size_t end = request.find("\r\n\r\n");
      if (wanted == std::string::npos && end != std::string::npos) {
        const std::size_t at = request.find("\r\nContent-Length: ");
        const std::size_t length =
            at != std::string::npos && at < end ? std::strtoul(request.c_str() + at + 18, nullptr, 10) : 0;
        wanted = end + 4 + length;
      }
    }
    const std::lock_guard<std::mutex> lock(mutex_);
    requests_.push_back(request);
    return true;
  }

  std::string reply_;
  bool drop_second_ = false;
  std::string ca_file_;
  SSL_CTX* ctx_ = nullptr;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

}  // namespace testing
