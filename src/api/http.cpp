// The libcurl wrapper: global set-up without key logging, and one verified, bounded HTTPS GET.
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

#include "core/error.hpp"

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
  if (status != 200) {
    if (body.capacity() < kMaxErrorBody) body.reserve(kMaxErrorBody);
    body.append(data, std::min(n, kMaxErrorBody - body.size()));
    return n;  // the rest is read and dropped, so the connection stays usable
  }
  if (!t->reserved) {
    // One allocation of the announced size: the arena never frees, so growth by doubling
    // would leave copies of the answer behind until it is released.
    t->reserved = true;
    curl_off_t length = -1;
    if (curl_easy_getinfo(t->handle, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK && length > 0)
      body.reserve(std::min(static_cast<std::size_t>(length), t->max_body));
  }
  if (n > t->max_body - body.size()) {
    t->too_large = true;
    return 0;
  }
  if (n > body.capacity() - body.size()) {
    // No Content-Length (a chunked answer): grow in powers of two and never past the cap.
    // The arena keeps every outgrown buffer, so std::string's own growth (x2 from 15 bytes,
    // overshooting the cap) left about four times the cap behind; this leaves at most two.
    body.reserve(std::min(t->max_body, std::bit_ceil(std::max(body.size() + n, std::size_t{16384}))));
  }
  body.append(data, n);
  return n;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return std::tolower(x) == std::tolower(y); });
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* r = static_cast<Transfer*>(user)->response;
  const std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    // A new status line (after a proxy's CONNECT answer or a 100): forget the last one's headers.
    r->retry_after.clear();
    r->request_id.clear();
    r->location.clear();
    r->content_type.clear();
    return size * count;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  const std::string_view name = trim(line.substr(0, colon));
  const std::string_view value = trim(line.substr(colon + 1)).substr(0, 256);
  if (same_name(name, "Retry-After")) r->retry_after = value;
  else if (same_name(name, "X-Request-Id")) r->request_id = value;
  else if (same_name(name, "Location")) r->location = value;
  else if (same_name(name, "Content-Type")) r->content_type = value;
  return size * count;
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
      if (name.size() == 10 && name.ends_with(".0") &&
          std::all_of(name.begin(), name.begin() + 8, [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }))
        return std::string(path);
    }
    return std::string();
  }();
  return directory;
}

std::string redact_credentials(std::string_view message) {
  std::string out(message);
  for (std::size_t scheme = out.find("://"); scheme != std::string::npos; scheme = out.find("://", scheme + 3)) {
    const std::size_t start = scheme + 3;
    const std::size_t end = out.find_first_of("/ \t'\"", start);
    const std::size_t at = out.rfind('@', end == std::string::npos ? out.size() : end);
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

HttpResponse CurlHttpClient::get(const HttpRequest& request, std::pmr::memory_resource* body_memory) {
  HttpResponse response(body_memory);
  Transfer transfer{handle_, &response, request.max_body};
  char error_buffer[CURL_ERROR_SIZE] = {};

  std::unique_ptr<curl_slist, SlistDeleter> headers;
  auto add_header = [&](const char* line) {
    curl_slist* next = curl_slist_append(headers.get(), line);
    if (next == nullptr) throw std::bad_alloc();
    (void)headers.release();
    headers.reset(next);
  };
  add_header("Accept: application/json");
  if (!request.bearer_token.empty()) {
    SecretString line("Authorization: Bearer ", body_memory);
    line.append(request.bearer_token);
    add_header(line.c_str());
    wipe(line.data(), line.size());
  }

  CURL* h = handle_;
  curl_easy_reset(h);
  // The handle points at our locals (headers, error buffer, transfer state) until reset;
  // reset keeps the connection cache, so a retry can reuse a kept-alive connection.
  const std::unique_ptr<void, void (*)(CURL*)> reset_after(h, curl_easy_reset);
  // Every option is checked: a libcurl built without, say, pinning must fail loudly, not skip it.
  auto set = [h](CURLoption option, const char* name, auto value) {
    if (curl_easy_setopt(h, option, value) != CURLE_OK)
      throw Error(kExitSoftware, std::string("this libcurl does not support ") + name);
  };
  set(CURLOPT_URL, "CURLOPT_URL", request.url.c_str());
  set(CURLOPT_PROTOCOLS_STR, "CURLOPT_PROTOCOLS_STR", "https");
  set(CURLOPT_REDIR_PROTOCOLS_STR, "CURLOPT_REDIR_PROTOCOLS_STR", "https");
  set(CURLOPT_FOLLOWLOCATION, "CURLOPT_FOLLOWLOCATION", 0L);
  set(CURLOPT_SSL_VERIFYPEER, "CURLOPT_SSL_VERIFYPEER", 1L);
  set(CURLOPT_SSL_VERIFYHOST, "CURLOPT_SSL_VERIFYHOST", 2L);
  if (!request.ca_file.empty()) {
    set(CURLOPT_CAINFO, "CURLOPT_CAINFO", request.ca_file.c_str());
    set(CURLOPT_CAPATH, "CURLOPT_CAPATH", static_cast<const char*>(nullptr));
  } else if (!system_ca_directory().empty()) {
    // Loading the whole bundle costs tens of milliseconds per launch; the hashed
    // directory is read lazily, one issuer at a time.
    set(CURLOPT_CAINFO, "CURLOPT_CAINFO", static_cast<const char*>(nullptr));
    set(CURLOPT_CAPATH, "CURLOPT_CAPATH", system_ca_directory().c_str());
  }
  if (!request.pinned_public_keys.empty())
    set(CURLOPT_PINNEDPUBLICKEY, "CURLOPT_PINNEDPUBLICKEY", request.pinned_public_keys.c_str());
  set(CURLOPT_SSL_CTX_FUNCTION, "CURLOPT_SSL_CTX_FUNCTION", harden_ssl_context);
  set(CURLOPT_SOCKOPTFUNCTION, "CURLOPT_SOCKOPTFUNCTION", close_on_exec);
  set(CURLOPT_CONNECTTIMEOUT_MS, "CURLOPT_CONNECTTIMEOUT_MS", milliseconds(std::min(request.connect_timeout, request.total_timeout)));
  set(CURLOPT_TIMEOUT_MS, "CURLOPT_TIMEOUT_MS", milliseconds(request.total_timeout));
  set(CURLOPT_LOW_SPEED_LIMIT, "CURLOPT_LOW_SPEED_LIMIT", 1L);
  set(CURLOPT_LOW_SPEED_TIME, "CURLOPT_LOW_SPEED_TIME", std::max(1L, static_cast<long>(request.low_speed_time)));
  set(CURLOPT_MAXFILESIZE_LARGE, "CURLOPT_MAXFILESIZE_LARGE", static_cast<curl_off_t>(request.max_body));
  set(CURLOPT_HEADEROPT, "CURLOPT_HEADEROPT", static_cast<long>(CURLHEADER_SEPARATE));  // our headers never go to a proxy
  set(CURLOPT_HTTPHEADER, "CURLOPT_HTTPHEADER", headers.get());
  set(CURLOPT_USERAGENT, "CURLOPT_USERAGENT", request.user_agent.c_str());
  set(CURLOPT_ERRORBUFFER, "CURLOPT_ERRORBUFFER", error_buffer);
  set(CURLOPT_WRITEFUNCTION, "CURLOPT_WRITEFUNCTION", on_body);
  set(CURLOPT_WRITEDATA, "CURLOPT_WRITEDATA", &transfer);
  set(CURLOPT_HEADERFUNCTION, "CURLOPT_HEADERFUNCTION", on_header);
  set(CURLOPT_HEADERDATA, "CURLOPT_HEADERDATA", &transfer);

  const CURLcode code = curl_easy_perform(h);

  response.error = classify(code, transfer.too_large);
  if (response.error != TransportError::kNone) {
    response.error_detail = redact_credentials(error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code));
    return response;
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace dotenv_run
