// Memory for secrets: locked, kept out of core dumps, behind guard pages, wiped when released.
#pragma once

#include <cstddef>
#include <memory_resource>
#include <string>
#include <string_view>
#include <vector>

namespace dotenv_run {

// A monotonic arena over a few guarded mappings. Each chunk is its own mmap between two
// PROT_NONE guard pages, locked (mlock2 with MLOCK_ONFAULT, so a page is locked when it is first
// written and untouched headroom costs no memory; plain mlock where that is missing; best effort:
// a low RLIMIT_MEMLOCK must not stop a launch) and marked MADV_DONTDUMP. Fresh anonymous pages
// are zero, so nothing fills them. Releasing a chunk zeroes the bytes handed out from it, then
// unmaps it; the arena can be used again after, starting small again.
// A request larger than the next chunk gets a chunk of `large_factor` times its size (plus the
// next chunk's): room for what is parsed from an answer or a text in the same mapping. A chunk of
// kHugeChunkFrom bytes or more is a whole number of 2 MiB huge pages, aligned and advised
// (MADV_HUGEPAGE), so a large launch touches a few huge pages rather than hundreds of small ones.
class SecretArenaResource final : public std::pmr::memory_resource {
 public:
  static constexpr std::size_t kHugePage = std::size_t{2} << 20;
  static constexpr std::size_t kHugeChunkFrom = std::size_t{1} << 20;

  // `huge_pages` false: every chunk on ordinary pages (for buffers outgrown by doubling, where a
  // partly used huge page per step would add up).
  explicit SecretArenaResource(std::size_t initial_bytes, std::size_t large_factor = 4, bool huge_pages = true)
      : initial_chunk_(initial_bytes), next_chunk_(initial_bytes), large_factor_(large_factor), huge_pages_(huge_pages) {}
  SecretArenaResource(const SecretArenaResource&) = delete;
  SecretArenaResource& operator=(const SecretArenaResource&) = delete;
  ~SecretArenaResource() override { release(); }

  void release() noexcept;
  // Bytes mapped for chunks, and chunks mapped so far (for tests and bench/).
  std::size_t mapped_bytes() const noexcept;
  std::size_t chunk_count() const noexcept { return chunks_.size(); }
  // Bytes handed out so far (alignment padding included), and whether `p` is in a chunk.
  std::size_t used_bytes() const noexcept;
  bool holds(const void* p) const noexcept;

 private:
  struct Chunk {
    unsigned char* start;  // the first usable byte, right after the leading guard page
    std::size_t size;      // usable bytes, a whole number of pages
    std::size_t used;      // bytes handed out, once the chunk is no longer the last one
    unsigned char* map;    // the whole mapping, guard pages included
    std::size_t map_size;
  };
  void* do_allocate(std::size_t bytes, std::size_t alignment) override;
  void do_deallocate(void*, std::size_t, std::size_t) override {}  // monotonic: freed on release
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override { return this == &other; }
  void new_chunk(std::size_t at_least);

  std::vector<Chunk> chunks_;
  unsigned char* next_ = nullptr;  // the free part of the last chunk
  std::size_t left_ = 0;
  std::size_t initial_chunk_;
  std::size_t next_chunk_;
  std::size_t large_factor_;
  bool huge_pages_;
};

// The arena that holds every plaintext byte of one launch: decrypted blobs, parsed
// names and values, the child's environment strings. Releasing it wipes them all.
class SecretArena {
 public:
  explicit SecretArena(std::size_t initial_bytes = 64 * 1024, std::size_t large_factor = 4, bool huge_pages = true)
      : arena_(initial_bytes, large_factor, huge_pages) {}
  SecretArena(const SecretArena&) = delete;
  SecretArena& operator=(const SecretArena&) = delete;

  std::pmr::memory_resource* resource() noexcept { return &arena_; }
  // Wipes and returns every chunk now (also done by the destructor).
  void release() { arena_.release(); }
  const SecretArenaResource& chunks() const noexcept { return arena_; }

 private:
  SecretArenaResource arena_;
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

// A copy of `text` in `mem` that is never freed on its own: for a monotonic arena (SecretArena),
// whose release wipes it. A view costs two words where a SecretString costs five, and a list of
// views can point into a text it was parsed from instead of copying it.
std::string_view arena_copy(std::string_view text, std::pmr::memory_resource* mem);

// Hands `text` over to the arena `mem`: the string object itself moves into the arena and is never
// destroyed, so the returned view stays valid until the arena's release wipes it. A string from
// another resource, or a short one whose bytes sit inside the string object, is copied instead
// (arena_copy) and its bytes wiped where they were.
std::string_view keep_in_arena(SecretString&& text, std::pmr::memory_resource* mem);

// Zeroes a buffer in a way the compiler cannot optimise away.
void wipe(void* data, std::size_t size) noexcept;
inline void wipe(std::string& s) noexcept { wipe(s.data(), s.size()); }

}  // namespace dotenv_run
