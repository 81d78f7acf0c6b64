// libcurl's process-wide set-up: no TLS key log, wiped allocations, and a cleanup before exec.
#include "api/curl_global.hpp"

#include <curl/curl.h>
#include <malloc.h>
#include <sodium.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

extern char** environ;

namespace dotenv_run {

namespace {

// libcurl copies the Authorization header and the answer into its own buffers; these
// allocators zero every block before glibc gets it back.
void wiping_free(void* p) {
  if (p == nullptr) return;
  sodium_memzero(p, malloc_usable_size(p));
  std::free(p);
}
void* plain_malloc(size_t n) { return std::malloc(n); }
void* wiping_realloc(void* p, size_t n) {
  if (p == nullptr) return std::malloc(n);
  void* q = std::malloc(n == 0 ? 1 : n);
  if (q == nullptr) return nullptr;
  std::memcpy(q, p, std::min(n, malloc_usable_size(p)));
  wiping_free(p);
  return q;
}
char* plain_strdup(const char* s) {
  const size_t n = std::strlen(s) + 1;
  auto* p = static_cast<char*>(std::malloc(n));
  if (p != nullptr) std::memcpy(p, s, n);
  return p;
}
void* plain_calloc(size_t count, size_t size) { return std::calloc(count, size); }

bool global_ready = false;

constexpr std::string_view kKeyLogVariable = "SSLKEYLOGFILE=";

// libcurl (7.88, OpenSSL backend) opens $SSLKEYLOGFILE during global init and then logs
// every TLS secret into it. The entry is swapped for a harmless name in place, not
// unset, so environ keeps its exact contents and order for the program we exec.
void init_without_key_log() {
  static char hidden[] = "DOTENV_RUN_HIDDEN_SSLKEYLOGFILE=";
  std::vector<std::pair<char**, char*>> swapped;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    if (std::string_view(*entry).starts_with(kKeyLogVariable)) {
      swapped.emplace_back(entry, *entry);
      *entry = hidden;
    }
  }
  const CURLcode code =
      curl_global_init_mem(CURL_GLOBAL_DEFAULT, plain_malloc, wiping_free, wiping_realloc, plain_strdup, plain_calloc);
  for (auto& [entry, original] : swapped) *entry = original;
  if (code != CURLE_OK)
    throw Error(kExitSoftware, std::string("cannot initialise libcurl: ") + curl_easy_strerror(code));
}

}  // namespace

void http_global_init() {
  if (global_ready) return;
  init_without_key_log();
  global_ready = true;
}

void http_global_cleanup() {
  if (!global_ready) return;
  curl_global_cleanup();
  global_ready = false;
}

}  // namespace dotenv_run
