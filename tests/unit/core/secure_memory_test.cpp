// Tests of the secret arena: memory is usable, aligned and wiped on release.
#include <doctest/doctest.h>

#include <cstdint>

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
