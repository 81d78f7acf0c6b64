// The stack wipe: one frame as large as the region, zeroed, so the zeroing writes only memory
// its own frame owns (writing below the stack pointer would race the zeroing call's own frame).
#include "core/stack_wipe.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>

#include <sodium.h>

#if defined(__SANITIZE_ADDRESS__)
#define DOTENV_RUN_LEAK_CHECK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DOTENV_RUN_LEAK_CHECK 1
#endif
#endif
#ifdef DOTENV_RUN_LEAK_CHECK
#include <sanitizer/lsan_interface.h>
#endif

namespace dotenv_run {

namespace {

// Far deeper than the launcher's calls go (TLS, JSON, decryption): its whole stack mapping is
// 132 KiB at exec, as tests/e2e/test_stack_wipe.py reads it. Zeroing 256 KiB costs a few
// microseconds; no change in launch time or peak RSS was measurable.
constexpr std::size_t kWipeBytes = 256 * 1024;

// An eighth of the stack limit at most: exec's arguments and environment take up to a quarter
// (ARG_MAX), so growing the stack by this much stays within the limit.
std::size_t wipe_size() {
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_STACK, &limit) != 0) return 0;
  if (limit.rlim_cur == RLIM_INFINITY) return kWipeBytes;
  return std::min<std::size_t>(kWipeBytes, static_cast<std::size_t>(limit.rlim_cur / 8));
}

// Not inlined, so the region is a new frame below the caller's; -fstack-clash-protection
// probes it page by page as the stack grows.
[[gnu::noinline]] void wipe(std::size_t size) {
  if (size == 0) return;
  auto* region = static_cast<unsigned char*>(__builtin_alloca(size));
  sodium_memzero(region, size);
  __asm__ __volatile__("" : : "r"(region) : "memory");
}

}  // namespace

void wipe_stack_below() { wipe(wipe_size()); }

void exit_with_wiped_stack(int code) {
  std::fflush(nullptr);
#ifdef DOTENV_RUN_LEAK_CHECK
  __lsan_do_leak_check();  // _exit() skips the check LeakSanitizer runs at exit
#endif
  wipe_stack_below();
  ::_exit(code);
}

}  // namespace dotenv_run
