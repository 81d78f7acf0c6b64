// Guarded, locked, wiped memory for secrets: one arena over a few guarded mappings.
#include "core/secure_memory.hpp"

#include <sodium.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <functional>
#include <new>

namespace dotenv_run {

namespace {

std::size_t page_size() {
  static const std::size_t size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

std::size_t round_up(std::size_t n, std::size_t multiple) { return (n + multiple - 1) / multiple * multiple; }

// Locks the pages as they are first touched: the chunk's headroom is never made resident.
void lock(void* start, std::size_t size) {
#ifdef MLOCK_ONFAULT
  if (::mlock2(start, size, MLOCK_ONFAULT) == 0) return;
  if (errno != EINVAL && errno != ENOSYS) return;  // over RLIMIT_MEMLOCK: plain mlock would fail too
#endif
  (void)::mlock(start, size);
}

}  // namespace

void SecretArenaResource::new_chunk(std::size_t at_least) {
  // A request larger than the usual chunk is an answer or a decrypted text, and what is parsed
  // from it follows: room for four times it (by default), so a launch maps one or two chunks, not
  // six. The whole mapping counts against RLIMIT_MEMLOCK, touched or not.
  const std::size_t wanted = at_least > next_chunk_ ? large_factor_ * at_least + next_chunk_ : next_chunk_;
  // A large chunk sits on 2 MiB boundaries, advised as huge pages: one fault maps 2 MiB instead
  // of 512 faults of 4 KiB, each of which costs microseconds (more in a VM). That is most of a
  // 10,000-variable launch's time otherwise; what it costs is up to 2 MiB resident for the last,
  // partly used huge page. Without transparent huge pages (`never`) the advice is ignored.
  const bool huge = huge_pages_ && wanted >= kHugeChunkFrom;
  const std::size_t size = huge ? round_up(wanted, kHugePage) : round_up(wanted, page_size());
  const std::size_t guard = page_size();
  // A huge chunk's mapping has a huge page of slack to be aligned in; what is not used of it
  // stays PROT_NONE, so the guard pages are there either way.
  const std::size_t map_size = size + 2 * guard + (huge ? kHugePage : 0);
  void* map = ::mmap(nullptr, map_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (map == MAP_FAILED) throw std::bad_alloc();
  auto* start = static_cast<unsigned char*>(map) + guard;
  if (huge) start = reinterpret_cast<unsigned char*>(round_up(reinterpret_cast<std::uintptr_t>(start), kHugePage));
  if (::mprotect(start, size, PROT_READ | PROT_WRITE) != 0) {
    ::munmap(map, map_size);
    throw std::bad_alloc();
  }
  if (huge) (void)::madvise(start, size, MADV_HUGEPAGE);
  lock(start, size);
  (void)::madvise(start, size, MADV_DONTDUMP);
  if (!chunks_.empty()) chunks_.back().used = static_cast<std::size_t>(next_ - chunks_.back().start);
  chunks_.push_back({start, size, 0, static_cast<unsigned char*>(map), map_size});
  next_ = start;
  left_ = size;
  next_chunk_ = std::max(next_chunk_, size) * 2;
}

void* SecretArenaResource::do_allocate(std::size_t bytes, std::size_t alignment) {
  if (bytes == 0) bytes = 1;
  auto padding = [&] { return (alignment - reinterpret_cast<std::uintptr_t>(next_) % alignment) % alignment; };
  if (next_ == nullptr || padding() + bytes > left_) {
    if (chunks_.size() == chunks_.capacity()) chunks_.reserve(chunks_.size() + 8);  // no throw after the mmap
    new_chunk(bytes + alignment);
  }
  const std::size_t skip = padding();
  void* p = next_ + skip;
  next_ += skip + bytes;
  left_ -= skip + bytes;
  return p;
}

void SecretArenaResource::release() noexcept {
  for (std::size_t i = 0; i < chunks_.size(); ++i) {
    const Chunk& c = chunks_[i];
    // Only the part handed out was ever written; the rest of the last chunk is still zero.
    const std::size_t used = i + 1 == chunks_.size() ? static_cast<std::size_t>(next_ - c.start) : c.used;
    sodium_memzero(c.start, used);
    (void)::munlock(c.start, c.size);
    ::munmap(c.map, c.map_size);
  }
  chunks_.clear();
  next_ = nullptr;
  left_ = 0;
  next_chunk_ = initial_chunk_;
}

std::size_t SecretArenaResource::mapped_bytes() const noexcept {
  std::size_t total = 0;
  for (const Chunk& c : chunks_) total += c.size;
  return total;
}

std::size_t SecretArenaResource::used_bytes() const noexcept {
  std::size_t total = 0;
  for (std::size_t i = 0; i < chunks_.size(); ++i) {
    total += i + 1 == chunks_.size() ? static_cast<std::size_t>(next_ - chunks_[i].start) : chunks_[i].used;
  }
  return total;
}

bool SecretArenaResource::holds(const void* p) const noexcept {
  const std::less_equal<const unsigned char*> le;
  const std::less<const unsigned char*> lt;
  const auto* byte = static_cast<const unsigned char*>(p);
  return std::any_of(chunks_.begin(), chunks_.end(),
                     [&](const Chunk& c) { return le(c.start, byte) && lt(byte, c.start + c.size); });
}

std::string_view arena_copy(std::string_view text, std::pmr::memory_resource* mem) {
  if (text.empty()) return {};
  auto* out = static_cast<char*>(mem->allocate(text.size(), 1));
  std::memcpy(out, text.data(), text.size());
  return {out, text.size()};
}

std::string_view keep_in_arena(SecretString&& text, std::pmr::memory_resource* mem) {
  // A string of another resource, or a short one whose bytes sit inside the string object, is
  // copied, and its bytes wiped where they were.
  const std::less_equal<const char*> le;
  const auto* object = reinterpret_cast<const char*>(&text);
  const bool inside = le(object, text.data()) && le(text.data(), object + sizeof text);
  if (inside || !text.get_allocator().resource()->is_equal(*mem)) {
    const std::string_view copy = arena_copy(text, mem);
    wipe(text.data(), text.size());
    return copy;
  }
  void* room = mem->allocate(sizeof(SecretString), alignof(SecretString));
  const SecretString* kept = new (room) SecretString(std::move(text));
  return *kept;
}

void wipe(void* data, std::size_t size) noexcept {
  if (size > 0) sodium_memzero(data, size);
}

}  // namespace dotenv_run
