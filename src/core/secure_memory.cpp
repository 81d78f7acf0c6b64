// Guarded, locked, wiped memory for secrets, built on libsodium's secure allocator.
#include "core/secure_memory.hpp"

#include <sodium.h>

#include <new>

#include "core/sodium.hpp"

namespace dotenv_run {

namespace {

// sodium_malloc places the block right before a guard page, so its start is only
// aligned when the size is a multiple of the alignment.
constexpr std::size_t kGranule = 64;

std::size_t round_up(std::size_t n) { return (n + kGranule - 1) / kGranule * kGranule; }

}  // namespace

void* SecureResource::do_allocate(std::size_t bytes, std::size_t alignment) {
  if (alignment > kGranule) throw std::bad_alloc();
  ensure_sodium();
  void* p = sodium_malloc(round_up(bytes == 0 ? 1 : bytes));
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void SecureResource::do_deallocate(void* p, std::size_t, std::size_t) {
  sodium_free(p);  // zeroes, unlocks and unmaps
}

bool SecureResource::do_is_equal(const std::pmr::memory_resource& other) const noexcept { return this == &other; }

SecretArena::SecretArena(std::size_t initial_bytes) : arena_(initial_bytes, &upstream_) {}

void wipe(void* data, std::size_t size) noexcept {
  if (size > 0) sodium_memzero(data, size);
}

}  // namespace dotenv_run
