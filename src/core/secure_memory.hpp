// Memory for secrets: locked, kept out of core dumps, behind guard pages, wiped when released.
#pragma once

#include <cstddef>
#include <memory_resource>
#include <string>
#include <string_view>
#include <vector>

namespace dotenv_run {

// A memory_resource whose every allocation comes from libsodium's sodium_malloc:
// the pages are mlock'ed (best effort: a low RLIMIT_MEMLOCK must not stop a launch),
// marked MADV_DONTDUMP, fenced by guard pages, and zeroed by sodium_free.
// It is meant to sit under a monotonic arena, so it sees a few large chunks, not one
// call per variable (each sodium_malloc costs tens of microseconds).
class SecureResource final : public std::pmr::memory_resource {
 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override;
  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override;
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override;
};

// The arena that holds every plaintext byte of one launch: decrypted blobs, parsed
// names and values, the child's environment strings. Releasing it wipes them all.
class SecretArena {
 public:
  explicit SecretArena(std::size_t initial_bytes = 64 * 1024);
  SecretArena(const SecretArena&) = delete;
  SecretArena& operator=(const SecretArena&) = delete;

  std::pmr::memory_resource* resource() noexcept { return &arena_; }
  // Wipes and returns every chunk now (also done by the destructor).
  void release() { arena_.release(); }

 private:
  SecureResource upstream_;
  std::pmr::monotonic_buffer_resource arena_;
};

using SecretString = std::pmr::string;

// A copy of `text` whose bytes are always in `mem`: a short std::string keeps its bytes
// inside the string object itself (wherever that lives: the stack, a normal vector), so
// secrets are never left to the small-string buffer.
inline SecretString secret_copy(std::string_view text, std::pmr::memory_resource* mem) {
  SecretString out(mem);
  out.reserve(text.size() < 32 ? 32 : text.size());
  out.assign(text);
  return out;
}

// Zeroes a buffer in a way the compiler cannot optimise away.
void wipe(void* data, std::size_t size) noexcept;
inline void wipe(std::string& s) noexcept { wipe(s.data(), s.size()); }

}  // namespace dotenv_run
