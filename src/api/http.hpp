// One HTTPS request through libcurl: TLS always verified, https only, no redirects, bounded in time and size.
#pragma once

#include <cstddef>
#include <memory_resource>
#include <string>
#include <string_view>

#include "api/curl_global.hpp"
#include "core/secure_memory.hpp"

typedef void CURL;

namespace dotenv_run {

enum class Method { kGet, kPost, kPut, kPatch, kDelete };

// "GET", "POST", ...
const char* method_name(Method method) noexcept;

// How a request body is labelled (Content-Type).
enum class BodyType {
  kNone,  // no body; a POST, PUT or PATCH still sends Content-Length: 0
  kJson,  // application/json
  kForm,  // application/x-www-form-urlencoded (the OAuth token endpoint)
};

struct HttpRequest {
  Method method = Method::kGet;
  std::string url;
  std::string_view bearer_token;  // a secret: copied into wiped memory only
  // The body, sent from this memory (never copied by libcurl): may be secret, its owner
  // decides where its bytes live. Must stay valid until perform() returns.
  std::string_view body;
  BodyType body_type = BodyType::kNone;
  std::string ca_file;             // empty: the system store; read as core/trusted_file.hpp says
  std::string pinned_public_keys;  // "sha256//...;sha256//..." or empty
  std::string user_agent = "dotenv";
  double connect_timeout = 10;
  double total_timeout = 30;
  double low_speed_time = 15;  // abort when under 1 byte/s for this long
  std::size_t max_body = std::size_t{8} << 20;
};

// Why a transfer failed before a complete HTTP answer arrived.
enum class TransportError {
  kNone,
  kResolve,       // DNS (host or proxy)
  kConnect,       // refused, unreachable, proxy handshake
  kTimeout,       // connect, total or low-speed timeout
  kReceive,       // reset, truncated body, Content-Length mismatch, empty reply
  kTlsHandshake,  // the handshake broke off (not a verification failure)
  kTlsVerify,     // certificate chain or host name did not verify
  kPinMismatch,   // the public key matched no pin
  kCaFile,        // the CA file or directory could not be used
  kTooLarge,      // the answer passed max_body
  kRefused,       // a URL or protocol libcurl refused (http://, malformed)
  kBadAnswer,     // the answer was not HTTP (a malformed status line, HTTP/0.9)
  kProxySyntax,   // the proxy URL (https_proxy, HTTPS_PROXY, all_proxy, ALL_PROXY) is not a URL
  kOther,
};

struct HttpResponse {
  // Room is reserved at once, so a short answer is never kept in the string object's own
  // small buffer (on the stack) but in `body_memory`.
  explicit HttpResponse(std::pmr::memory_resource* body_memory) : body(body_memory) { body.reserve(32); }
  TransportError error = TransportError::kNone;
  std::string error_detail;  // libcurl's message (never secrets; proxy credentials redacted)
  // False only when no byte of the request can have reached the server: DNS failed, the
  // connection or the TLS handshake did not complete, or nothing was written to it.
  // A write that failed with this false is safe to send again.
  bool request_sent = true;
  long status = 0;
  SecretString body;
  // Headers of the final answer (each cut at 256 bytes; empty when absent).
  std::string retry_after, request_id, location, content_type, rate_limit_limit, rate_limit_remaining;
};

// The seam the API client talks to, so its retries and error mapping test without a network.
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual HttpResponse perform(const HttpRequest& request, std::pmr::memory_resource* body_memory) = 0;
};

// The real client: one easy handle, kept across retries so a kept-alive connection is reused.
class CurlHttpClient final : public HttpClient {
 public:
  CurlHttpClient();
  ~CurlHttpClient() override;
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  HttpResponse perform(const HttpRequest& request, std::pmr::memory_resource* body_memory) override;

 private:
  CURL* handle_;
  // The CA file's text, read once from one checked descriptor and handed to libcurl as a blob:
  // libcurl opening the path itself would let it be swapped after the check.
  std::string ca_path_, ca_pem_;
};

// The CA directory used when no CA file is given: the hashed /etc/ssl/certs when it has
// hash links (OpenSSL then reads only the issuer it needs), else empty (libcurl's bundle).
const std::string& system_ca_directory();

// Replaces what lies between "://" and the last '@' before the next "://" with "***", in any
// text that may name a URL with credentials (a proxy URL, an API URL given with them).
std::string redact_credentials(std::string_view message);

}  // namespace dotenv_run
