// Tests of the secret arena: memory is usable, aligned and wiped on release.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "core/secure_memory.hpp"

using namespace dotenv_run;

TEST_CASE("the secret arena hands out aligned, writable memory for strings") {
  SecretArena arena(4096);
  SecretString s("a value that is longer than the small-string buffer", arena.resource());
  s.append(10000, 'x');
  CHECK(s.size() == 51 + 10000);
  void* p = arena.resource()->allocate(24, 16);
  CHECK(reinterpret_cast<std::uintptr_t>(p) % 16 == 0);
}

TEST_CASE("a short secret copy keeps its bytes in the arena, not in the string object") {
  SecretArena arena;
  SecretString s = secret_copy("pw", arena.resource());
  auto object = reinterpret_cast<std::uintptr_t>(&s);
  auto bytes = reinterpret_cast<std::uintptr_t>(s.data());
  CHECK((bytes < object || bytes >= object + sizeof(s)));
  CHECK(s == "pw");
}

TEST_CASE("a string kept in the arena keeps its bytes where they were, and a short one is copied and wiped") {
  SecretArena arena;
  SecretString long_text = secret_copy("a text longer than the small-string buffer", arena.resource());
  const char* bytes = long_text.data();
  const std::string_view kept = keep_in_arena(std::move(long_text), arena.resource());
  CHECK(kept.data() == bytes);
  CHECK(kept == "a text longer than the small-string buffer");

  SecretString short_text("pw", arena.resource());  // inside the string object
  const std::string_view copied = keep_in_arena(std::move(short_text), arena.resource());
  CHECK(copied == "pw");
  CHECK(arena.chunks().holds(copied.data()));

  std::string elsewhere_bytes(64, 's');
  SecretString elsewhere(elsewhere_bytes, std::pmr::new_delete_resource());
  const std::string_view moved = keep_in_arena(std::move(elsewhere), arena.resource());
  CHECK(moved == elsewhere_bytes);
  CHECK(arena.chunks().holds(moved.data()));
  CHECK(std::string_view(elsewhere) == std::string(64, '\0'));  // NOLINT(bugprone-use-after-move): wiped, not moved
}

namespace {

// The VmFlags line of the /proc/self/smaps entry that holds `p`.
std::string vm_flags_of(const void* p) {
  std::FILE* f = std::fopen("/proc/self/smaps", "r");
  REQUIRE(f != nullptr);
  const auto address = reinterpret_cast<std::uintptr_t>(p);
  char line[512];
  bool inside = false;
  std::string flags;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    unsigned long start = 0, end = 0;
    // A mapping's header starts with its address range in lower-case hex; its fields with a name.
    const bool header =
        std::isxdigit(static_cast<unsigned char>(line[0])) && !std::isupper(static_cast<unsigned char>(line[0]));
    if (header && std::sscanf(line, "%lx-%lx", &start, &end) == 2) inside = address >= start && address < end;
    if (inside && std::strncmp(line, "VmFlags:", 8) == 0) flags = line;
  }
  std::fclose(f);
  return flags;
}

// Whether writing one byte at `p` kills a child process with SIGSEGV.
bool write_faults(unsigned char* p) {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::signal(SIGSEGV, SIG_DFL);  // not doctest's handler, which would report a crash
    *static_cast<volatile unsigned char*>(p) = 1;
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
}

}  // namespace

TEST_CASE("secret arena memory is locked and left out of core dumps") {
  SecretArena arena;
  auto* p = static_cast<char*>(arena.resource()->allocate(100, 1));
  p[0] = 's';
  const std::string flags = vm_flags_of(p);
  CAPTURE(flags);
  CHECK(flags.find(" lo") != std::string::npos);  // mlock'ed (on fault)
  CHECK(flags.find(" dd") != std::string::npos);  // MADV_DONTDUMP
}

TEST_CASE("secret arena chunks sit between guard pages") {
  SecretArena arena(4096);
  auto* p = static_cast<unsigned char*>(arena.resource()->allocate(1, 1));
  REQUIRE(arena.chunks().mapped_bytes() == 4096);
  CHECK_FALSE(write_faults(p + 4095));
  CHECK(write_faults(p + 4096));  // the page after the chunk
  CHECK(write_faults(p - 1));     // the page before it
}

TEST_CASE("secret arena maps one large chunk for an answer and what is parsed from it") {
  SecretArena arena;
  (void)arena.resource()->allocate(100, 1);
  (void)arena.resource()->allocate(1 << 20, 1);  // an answer of 1 MiB
  const std::size_t chunks = arena.chunks().chunk_count();
  // Its decrypted text and parsed variables fit in the same chunk.
  for (int i = 0; i < 3; ++i) (void)arena.resource()->allocate(1 << 20, 8);
  CHECK(arena.chunks().chunk_count() == chunks);
  CHECK(chunks == 2);
}

TEST_CASE("releasing the secret arena unmaps it, and it can be used again") {
  SecretArena arena(4096);
  for (int round = 0; round < 3; ++round) {
    auto* p = static_cast<unsigned char*>(arena.resource()->allocate(1000, 1));
    p[0] = 1;
    CHECK(arena.chunks().mapped_bytes() == 4096);
    arena.release();
    CHECK(arena.chunks().chunk_count() == 0);
    CHECK(write_faults(p));  // unmapped: nothing of it is left to read
  }
}

TEST_CASE("a large secret arena chunk is whole huge pages, aligned, advised, locked and guarded") {
  SecretArena arena(4096, 1);
  constexpr std::size_t huge = SecretArenaResource::kHugePage;
  auto* p = static_cast<unsigned char*>(arena.resource()->allocate(SecretArenaResource::kHugeChunkFrom + 1, 1));
  p[0] = 's';
  CHECK(reinterpret_cast<std::uintptr_t>(p) % huge == 0);
  CHECK(arena.chunks().mapped_bytes() % huge == 0);
  const std::string flags = vm_flags_of(p);
  CAPTURE(flags);
  // MADV_HUGEPAGE, where the kernel has transparent huge pages at all (else the advice is refused).
  if (::access("/sys/kernel/mm/transparent_hugepage", F_OK) == 0) CHECK(flags.find(" hg") != std::string::npos);
  CHECK(flags.find(" lo") != std::string::npos);
  CHECK(flags.find(" dd") != std::string::npos);
  const std::size_t size = arena.chunks().mapped_bytes();
  CHECK_FALSE(write_faults(p + size - 1));
  CHECK(write_faults(p + size));
  CHECK(write_faults(p - 1));
}

TEST_CASE("a smaller secret arena chunk stays on ordinary pages") {
  SecretArena arena(4096, 1);
  auto* p = static_cast<unsigned char*>(arena.resource()->allocate(SecretArenaResource::kHugeChunkFrom / 2, 1));
  p[0] = 's';
  CHECK(arena.chunks().mapped_bytes() < SecretArenaResource::kHugeChunkFrom);
  CHECK(vm_flags_of(p).find(" hg") == std::string::npos);
}
