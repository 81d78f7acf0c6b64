// Shared by the libFuzzer targets: the input as text, and the checks every error message must pass.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory_resource>
#include <string_view>
#include <unordered_map>

namespace fuzz {

// Heap memory with the secret arena's lifetime: what is never freed one by one (a view's bytes,
// arena_copy, keep_in_arena) is freed when the HeapArena goes, at the end of one input. Every
// allocation is a malloc'd block of its own, and a freed one is really freed, so ASan sees an
// overflow of any of them and a view left pointing into a string that was destroyed.
class HeapArena final : public std::pmr::memory_resource {
 public:
  HeapArena() = default;
  HeapArena(const HeapArena&) = delete;
  HeapArena& operator=(const HeapArena&) = delete;
  ~HeapArena() override {
    for (const auto& [p, block] : blocks_) std::pmr::new_delete_resource()->deallocate(p, block.first, block.second);
  }

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override {
    void* p = std::pmr::new_delete_resource()->allocate(bytes, alignment);
    blocks_.emplace(p, std::pair{bytes, alignment});
    return p;
  }
  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override {
    blocks_.erase(p);
    std::pmr::new_delete_resource()->deallocate(p, bytes, alignment);
  }
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override { return this == &other; }

  std::unordered_map<void*, std::pair<std::size_t, std::size_t>> blocks_;
};

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The length of the well-formed UTF-8 sequence at `text[i]` and its code point; 0 when it is not one.
// Written again here on purpose, not taken from core/text: the oracle that checks what the code
// prints must not share the code's bugs.
inline std::size_t utf8_at(std::string_view text, std::size_t i, char32_t& cp) {
  const auto lead = static_cast<unsigned char>(text[i]);
  std::size_t length = 0;
  char32_t min = 0;
  if (lead < 0x80) return cp = lead, 1;
  if (lead >= 0xC2 && lead <= 0xDF)
    length = 2, cp = lead & 0x1Fu, min = 0x80;
  else if (lead >= 0xE0 && lead <= 0xEF)
    length = 3, cp = lead & 0x0Fu, min = 0x800;
  else if (lead >= 0xF0 && lead <= 0xF4)
    length = 4, cp = lead & 0x07u, min = 0x10000;
  else
    return 0;
  if (text.size() - i < length) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    const auto c = static_cast<unsigned char>(text[i + k]);
    if ((c & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (c & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return length;
}

// An error line reaches a terminal as it is (main prints what()), so whatever part of it came from
// the input must have been through sanitized(): no control character (C0, DEL, C1), no
// bidirectional control, nothing that is not UTF-8. Written apart from core/text so that a bug
// there is not checked by itself. A message that fails aborts the run: that is a finding.
inline void check_message(std::string_view message) {
  for (std::size_t i = 0; i < message.size();) {
    char32_t cp = 0;
    const std::size_t n = utf8_at(message, i, cp);
    const bool control = cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
    const bool bidi = cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
                      (cp >= 0x2066 && cp <= 0x2069);
    if (n == 0 || control || bidi) {
      std::fprintf(stderr, "fuzz: an error message holds an unprintable byte at offset %zu\n", i);
      __builtin_trap();
    }
    i += n;
  }
}

}  // namespace fuzz
