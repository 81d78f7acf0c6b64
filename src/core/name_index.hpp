// An index from names to positions in a list the caller keeps: open addressing over (hash,
// position) pairs, so it holds no name (names stay where the caller keeps them), allocates only
// when it grows, and compares a name only when its hash matches.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace dotenv_run {

// A fast hash of a name, eight bytes at a time (names are short; std::hash costs twice as much).
// Not made to resist chosen collisions: the names come from the user's own levels and files.
inline std::uint32_t name_hash(std::string_view name) {
  constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ULL;
  std::uint64_t h = name.size() * kMul;
  const char* p = name.data();
  std::size_t n = name.size();
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * kMul;
    h ^= h >> 29;
  }
  if (n > 0) {
    std::uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = (h ^ w) * kMul;
  }
  h ^= h >> 32;
  h *= kMul;
  return static_cast<std::uint32_t>(h >> 32);
}

class NameIndex {
 public:
  static constexpr std::uint32_t kNone = UINT32_MAX;

  // Room for `expected` names without growing.
  void reserve(std::size_t expected) {
    std::size_t want = 16;
    while (want < expected * 2) want *= 2;
    if (want > slots_.size()) rehash(want);
  }

  // Calls `found(position)` for each position stored under `name` (hashed as `hash`), in no
  // particular order; `name_of(position)` gives the name at a position.
  template <class NameOf, class Found>
  void for_each(std::string_view name, std::uint32_t hash, const NameOf& name_of, const Found& found) const {
    if (slots_.empty()) return;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      const Slot& slot = slots_[i];
      if (slot.position == kNone) return;
      if (slot.hash == hash && name_of(slot.position) == name) found(slot.position);
    }
  }

  // The first position stored under `name`, or kNone.
  template <class NameOf>
  std::uint32_t find(std::string_view name, std::uint32_t hash, const NameOf& name_of) const {
    if (slots_.empty()) return kNone;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      const Slot& slot = slots_[i];
      if (slot.position == kNone) return kNone;
      if (slot.hash == hash && name_of(slot.position) == name) return slot.position;
    }
  }

  // Adds `position` under `hash`; the caller has looked the name up first when it must be unique.
  void insert(std::uint32_t hash, std::uint32_t position) {
    if ((count_ + 1) * 2 > slots_.size()) rehash(slots_.empty() ? 16 : slots_.size() * 2);
    place(Slot{hash, position});
    ++count_;
  }

 private:
  struct Slot {
    std::uint32_t hash;
    std::uint32_t position;
  };

  void place(Slot slot) {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = slot.hash & mask;
    while (slots_[i].position != kNone) i = (i + 1) & mask;
    slots_[i] = slot;
  }

  void rehash(std::size_t size) {
    std::vector<Slot> old(size, Slot{0, kNone});
    old.swap(slots_);
    for (const Slot& slot : old) {
      if (slot.position != kNone) place(slot);
    }
  }

  std::vector<Slot> slots_;
  std::size_t count_ = 0;
};

}  // namespace dotenv_run
