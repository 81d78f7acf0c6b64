// The libcurl wrapper: one verified, bounded HTTPS request of any method, its answer's headers read after it.
#include "api/http.hpp"

#include <curl/curl.h>
#include <dirent.h>
#include <fcntl.h>
#include <openssl/ssl.h>
#include <sodium.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <memory>
#include <new>
#include <optional>

#include "core/error.hpp"
#include "core/trusted_file.hpp"

namespace dotenv_run {

namespace {

// Called by libcurl with the OpenSSL context after it set its own options: a second
// guard against key logging, and cleared plaintext in OpenSSL's record buffers.
CURLcode harden_ssl_context(CURL*, void* ssl_ctx, void*) {
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  SSL_CTX_set_keylog_callback(ctx, nullptr);
  SSL_CTX_set_options(ctx, SSL_OP_CLEANSE_PLAINTEXT);
  return CURLE_OK;
}

int close_on_exec(void*, curl_socket_t fd, curlsocktype) {
  const int flags = fcntl(fd, F_GETFD);
  if (flags != -1) fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
  return CURL_SOCKOPT_OK;
}

struct Transfer {
  CURL* handle;
  HttpResponse* response;
  std::size_t max_body;
  bool too_large = false;
  bool reserved = false;
  // An answer without a Content-Length grows here, in an arena of its own, and is copied once, at its
  // final size, into the response's memory (the launch's arena, where it stays): the outgrown buffers
  // go with this arena at the end of the transfer instead of staying until the launch ends.
  std::unique_ptr<SecretArena> growth_arena;
  std::optional<SecretString> growth;
};

// A failed attempt's body only yields its `message` and `error` fields. The arena keeps
// every byte until the launch ends, so retries must not pile up answers of up to the cap.
constexpr std::size_t kMaxErrorBody = 64 * 1024;

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  SecretString& body = t->response->body;
  long status = 0;
  curl_easy_getinfo(t->handle, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300) {
    if (body.capacity() < kMaxErrorBody) body.reserve(kMaxErrorBody);
    body.append(data, std::min(n, kMaxErrorBody - body.size()));
    return n;  // the rest is read and dropped, so the connection stays usable
  }
  if (!t->reserved) {
    // One allocation of the announced size: the arena never frees, so growth by doubling
    // would leave copies of the answer behind until it is released.
    t->reserved = true;
    curl_off_t length = -1;
    if (curl_easy_getinfo(t->handle, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK && length > 0) {
      body.reserve(std::min(static_cast<std::size_t>(length), t->max_body));
    } else {
      t->growth_arena = std::make_unique<SecretArena>(16 * 1024, 1, false);
      t->growth.emplace(t->growth_arena->resource());
    }
  }
  SecretString& into = t->growth ? *t->growth : body;
  if (n > t->max_body - into.size()) {
    t->too_large = true;
    return 0;
  }
  if (n > into.capacity() - into.size()) {
    // No Content-Length (a chunked answer): grow in powers of two and never past the cap.
    // The arena keeps every outgrown buffer, so std::string's own growth (x2 from 15 bytes,
    // overshooting the cap) left about four times the cap behind; this leaves at most two.
    into.reserve(std::min(t->max_body, std::bit_ceil(std::max(into.size() + n, std::size_t{16384}))));
  }
  into.append(data, n);
  return n;
}

TransportError classify(CURLcode code, bool too_large) {
  switch (code) {
    case CURLE_OK: return TransportError::kNone;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: return TransportError::kResolve;
    case CURLE_COULDNT_CONNECT:
    case CURLE_PROXY: return TransportError::kConnect;
    case CURLE_OPERATION_TIMEDOUT: return TransportError::kTimeout;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM: return TransportError::kReceive;
    case CURLE_SSL_CONNECT_ERROR: return TransportError::kTlsHandshake;
    case CURLE_PEER_FAILED_VERIFICATION: return TransportError::kTlsVerify;
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH: return TransportError::kPinMismatch;
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CRL_BADFILE: return TransportError::kCaFile;
    case CURLE_FILESIZE_EXCEEDED: return TransportError::kTooLarge;
    case CURLE_WRITE_ERROR: return too_large ? TransportError::kTooLarge : TransportError::kOther;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT: return TransportError::kRefused;
    case CURLE_WEIRD_SERVER_REPLY: return TransportError::kBadAnswer;
    default: return TransportError::kOther;
  }
}

struct SlistDeleter {
  // The list holds the Authorization header: wipe each string before freeing it.
  void operator()(curl_slist* list) const {
    for (curl_slist* item = list; item != nullptr; item = item->next)
      if (item->data != nullptr) sodium_memzero(item->data, std::strlen(item->data));
    curl_slist_free_all(list);
  }
};

// libcurl's text for a failure, or a fixed one for a proxy failure: a proxy's text repeats the
// proxy URL, whose password no rule can reliably find ("Unsupported proxy syntax in '<URL>'").
std::string detail_of(CURLcode code, const char* error_buffer) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_PROXY: return "the proxy's host name could not be resolved, or its URL is not valid";
    case CURLE_PROXY: return "the proxy refused or broke off the connection";
    default: break;
  }
  return redact_credentials(error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code));
}

long milliseconds(double seconds) { return std::max(1L, static_cast<long>(seconds * 1000)); }

}  // namespace

const std::string& system_ca_directory() {
  static const std::string directory = [] {
    const char* path = "/etc/ssl/certs";
    std::unique_ptr<DIR, int (*)(DIR*)> dir(opendir(path), closedir);
    if (!dir) return std::string();
    while (const dirent* entry = readdir(dir.get())) {
      const std::string_view name(entry->d_name);
      // A hash link, as c_rehash and update-ca-certificates make them: 8 hex digits ".0".
      if (name.size() == 10 && name.ends_with(".0") && std::all_of(name.begin(), name.begin() + 8, [](char c) {
            return std::isxdigit(static_cast<unsigned char>(c));
          }))
        return std::string(path);
    }
    return std::string();
  }();
  return directory;
}

std::string redact_credentials(std::string_view message) {
  // From "://" to the last '@' before the next URL: a password may hold '/', ' ' or '@'
  // ("http://user:abc/PASS@host"), so no character can mark where it ends. Too much hidden
  // is harmless; a password shown is not.
  std::string out(message);
  for (std::size_t scheme = out.find("://"); scheme != std::string::npos; scheme = out.find("://", scheme + 3)) {
    const std::size_t start = scheme + 3;
    const std::size_t next = out.find("://", start);
    const std::size_t at = out.rfind('@', next == std::string::npos ? std::string::npos : next - 1);
    if (at != std::string::npos && at >= start) out.replace(start, at - start, "***");
  }
  return out;
}

CurlHttpClient::CurlHttpClient() {
  http_global_init();
  handle_ = curl_easy_init();
  if (handle_ == nullptr) throw Error(kExitSoftware, "cannot create a libcurl handle");
}

CurlHttpClient::~CurlHttpClient() { curl_easy_cleanup(handle_); }

namespace {

// Every option is checked: a libcurl built without, say, pinning must fail loudly, not skip it.
template <typename T>
void set_option(CURL* h, CURLoption option, const char* name, T value) {
  if (curl_easy_setopt(h, option, value) != CURLE_OK)
    throw Error(kExitSoftware, std::string("this libcurl does not support ") + name);
}
#define DOTENV_SET(handle, option, value) set_option(handle, option, #option, value)

using HeaderList = std::unique_ptr<curl_slist, SlistDeleter>;

void add_header(HeaderList& headers, const char* line) {
  curl_slist* next = curl_slist_append(headers.get(), line);
  if (next == nullptr) throw std::bad_alloc();
  (void)headers.release();
  headers.reset(next);
}

// Accept, Content-Type (or none: libcurl would label a body as a form), no Expect (no
// 1 s wait for a 100 Continue) and the bearer token, built in wiped memory.
HeaderList request_headers(const HttpRequest& request, std::pmr::memory_resource* memory) {
  HeaderList headers;
  add_header(headers, "Accept: application/json");
  switch (request.body_type) {
    case BodyType::kJson: add_header(headers, "Content-Type: application/json"); break;
    case BodyType::kForm: add_header(headers, "Content-Type: application/x-www-form-urlencoded"); break;
    case BodyType::kNone: add_header(headers, "Content-Type:"); break;
  }
  add_header(headers, "Expect:");
  if (!request.bearer_token.empty()) {
    SecretString line("Authorization: Bearer ", memory);
    line.append(request.bearer_token);
    add_header(headers, line.c_str());
    wipe(line.data(), line.size());
  }
  return headers;
}

void set_tls_options(CURL* h, const HttpRequest& request, const std::string& ca_pem) {
  DOTENV_SET(h, CURLOPT_PROTOCOLS_STR, "https");
  DOTENV_SET(h, CURLOPT_REDIR_PROTOCOLS_STR, "https");
  DOTENV_SET(h, CURLOPT_FOLLOWLOCATION, 0L);
  DOTENV_SET(h, CURLOPT_SSL_VERIFYPEER, 1L);
  DOTENV_SET(h, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!request.ca_file.empty()) {
    curl_blob blob{const_cast<char*>(ca_pem.data()), ca_pem.size(), CURL_BLOB_COPY};
    DOTENV_SET(h, CURLOPT_CAINFO, static_cast<const char*>(nullptr));
    DOTENV_SET(h, CURLOPT_CAINFO_BLOB, &blob);
    DOTENV_SET(h, CURLOPT_CAPATH, static_cast<const char*>(nullptr));
  } else if (!system_ca_directory().empty()) {
    // Loading the whole bundle costs tens of milliseconds per launch; the hashed
    // directory is read lazily, one issuer at a time.
    DOTENV_SET(h, CURLOPT_CAINFO, static_cast<const char*>(nullptr));
    DOTENV_SET(h, CURLOPT_CAPATH, system_ca_directory().c_str());
  }
  if (!request.pinned_public_keys.empty()) DOTENV_SET(h, CURLOPT_PINNEDPUBLICKEY, request.pinned_public_keys.c_str());
  DOTENV_SET(h, CURLOPT_SSL_CTX_FUNCTION, harden_ssl_context);
}

void set_limits(CURL* h, const HttpRequest& request) {
  DOTENV_SET(h, CURLOPT_SOCKOPTFUNCTION, close_on_exec);
  DOTENV_SET(h, CURLOPT_CONNECTTIMEOUT_MS, milliseconds(std::min(request.connect_timeout, request.total_timeout)));
  DOTENV_SET(h, CURLOPT_TIMEOUT_MS, milliseconds(request.total_timeout));
  DOTENV_SET(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  DOTENV_SET(h, CURLOPT_LOW_SPEED_TIME, std::max(1L, static_cast<long>(request.low_speed_time)));
  DOTENV_SET(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(request.max_body));
}

// GET, or the method with its body sent straight from the caller's memory (POSTFIELDS
// does not copy). POST, PUT and PATCH always send a Content-Length, 0 without a body.
// Every method but GET goes on a new connection: when a reused connection closes before any
// byte of the answer, libcurl sends the request again on a new one by itself, and a write
// the server applied before it died would be applied twice.
void set_method_and_body(CURL* h, const HttpRequest& request) {
  if (request.method != Method::kGet) DOTENV_SET(h, CURLOPT_FRESH_CONNECT, 1L);
  const bool has_body = !request.body.empty() || request.method == Method::kPost || request.method == Method::kPut ||
                        request.method == Method::kPatch;
  if (request.method == Method::kGet && request.body.empty()) {
    DOTENV_SET(h, CURLOPT_HTTPGET, 1L);
    return;
  }
  if (has_body) {
    DOTENV_SET(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    DOTENV_SET(h, CURLOPT_POSTFIELDS, request.body.empty() ? "" : request.body.data());
  }
  if (request.method != Method::kPost) DOTENV_SET(h, CURLOPT_CUSTOMREQUEST, method_name(request.method));
}

void set_callbacks(CURL* h, const HttpRequest& request, Transfer& transfer, curl_slist* headers, char* error_buffer) {
  DOTENV_SET(h, CURLOPT_HEADEROPT, static_cast<long>(CURLHEADER_SEPARATE));  // our headers never go to a proxy
  DOTENV_SET(h, CURLOPT_HTTPHEADER, headers);
  DOTENV_SET(h, CURLOPT_USERAGENT, request.user_agent.c_str());
  DOTENV_SET(h, CURLOPT_ERRORBUFFER, error_buffer);
  DOTENV_SET(h, CURLOPT_WRITEFUNCTION, on_body);
  DOTENV_SET(h, CURLOPT_WRITEDATA, &transfer);
}

#undef DOTENV_SET

// One header of the final answer (not of a proxy's CONNECT answer or a 100), cut at 256 bytes.
std::string answer_header(CURL* h, const char* name) {
  curl_header* header = nullptr;
  if (curl_easy_header(h, name, 0, CURLH_HEADER, -1, &header) != CURLHE_OK || header == nullptr ||
      header->value == nullptr)
    return {};
  return std::string(std::string_view(header->value).substr(0, 256));
}

void read_answer(CURL* h, HttpResponse& response) {
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
  response.retry_after = answer_header(h, "Retry-After");
  response.request_id = answer_header(h, "X-Request-Id");
  response.location = answer_header(h, "Location");
  response.content_type = answer_header(h, "Content-Type");
  response.rate_limit_limit = answer_header(h, "X-RateLimit-Limit");
  response.rate_limit_remaining = answer_header(h, "X-RateLimit-Remaining");
}

// Failures that happen before a connection is ready for the request: nothing was sent.
bool before_sending(TransportError error) {
  return error == TransportError::kResolve || error == TransportError::kConnect ||
         error == TransportError::kTlsHandshake || error == TransportError::kTlsVerify ||
         error == TransportError::kPinMismatch || error == TransportError::kCaFile || error == TransportError::kRefused;
}

// Whether any byte of the request may have reached the server. libcurl counts the bytes it
// wrote (CURLINFO_REQUEST_SIZE) and stamps the moment the request was about to go out
// (CURLINFO_PRETRANSFER_TIME_T), both reset for each transfer; a timeout before either
// happened (a connect or handshake that never finished) sent nothing.
bool request_may_have_been_sent(CURL* h, TransportError error) {
  if (error == TransportError::kNone) return true;
  long request_size = 0;
  curl_off_t pretransfer = 0;
  curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &request_size);
  curl_easy_getinfo(h, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
  if (request_size > 0) return true;
  if (before_sending(error)) return false;
  return pretransfer > 0;
}

}  // namespace

const char* method_name(Method method) noexcept {
  switch (method) {
    case Method::kGet: return "GET";
    case Method::kPost: return "POST";
    case Method::kPut: return "PUT";
    case Method::kPatch: return "PATCH";
    case Method::kDelete: return "DELETE";
  }
  return "GET";
}

HttpResponse CurlHttpClient::perform(const HttpRequest& request, std::pmr::memory_resource* body_memory) {
  HttpResponse response(body_memory);
  Transfer transfer{handle_, &response, request.max_body, false, false, nullptr, std::nullopt};
  char error_buffer[CURL_ERROR_SIZE] = {};
  const HeaderList headers = request_headers(request, body_memory);

  if (!request.ca_file.empty() && request.ca_file != ca_path_) {
    // A CA bundle is well under a megabyte; the system's is about 200 KiB.
    ca_pem_ = read_trusted_file(request.ca_file, "CA file", std::size_t{4} << 20);
    ca_path_ = request.ca_file;
  }

  CURL* h = handle_;
  curl_easy_reset(h);
  // The handle points at our locals (headers, error buffer, transfer state, the body) until
  // reset; reset keeps the connection cache, so a retry can reuse a kept-alive connection.
  const std::unique_ptr<void, void (*)(CURL*)> reset_after(h, curl_easy_reset);
  set_option(h, CURLOPT_URL, "CURLOPT_URL", request.url.c_str());
  set_tls_options(h, request, ca_pem_);
  set_limits(h, request);
  set_method_and_body(h, request);
  set_callbacks(h, request, transfer, headers.get(), error_buffer);

  const CURLcode code = curl_easy_perform(h);

  response.error = classify(code, transfer.too_large);
  // libcurl says CURLE_UNSUPPORTED_PROTOCOL both for a URL it refuses (nothing sent) and for
  // an answer that is not HTTP/1.x or 2 ("HTTP/0.9", a malformed status line): the latter is
  // the server's fault (69), not the configuration's (78).
  long request_size = 0;
  curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &request_size);
  if (code == CURLE_UNSUPPORTED_PROTOCOL && request_size > 0) response.error = TransportError::kBadAnswer;
  response.request_sent = request_may_have_been_sent(h, response.error);
  if (response.error != TransportError::kNone) {
    response.error_detail = detail_of(code, error_buffer);
    if (code == CURLE_COULDNT_RESOLVE_PROXY && std::string_view(error_buffer).starts_with("Unsupported proxy syntax"))
      response.error = TransportError::kProxySyntax;
    return response;
  }
  if (transfer.growth) {
    response.body.reserve(transfer.growth->size());
    response.body.append(*transfer.growth);
  }
  read_answer(h, response);
  return response;
}

}  // namespace dotenv_run
