// Tests of the name index behind the .env parser's assignments and the child's environment.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/name_index.hpp"

using namespace dotenv_run;

TEST_CASE("every name added is found at its position, through growth, and others are not") {
  std::vector<std::string> names;
  NameIndex index;
  auto name_of = [&](std::uint32_t at) { return std::string_view(names[at]); };
  for (int i = 0; i < 5000; ++i) {
    names.push_back("NAME_" + std::to_string(i * 7));
    REQUIRE(index.find(names.back(), name_hash(names.back()), name_of) == NameIndex::kNone);
    index.insert(name_hash(names.back()), static_cast<std::uint32_t>(i));
  }
  for (std::uint32_t i = 0; i < names.size(); ++i) CHECK(index.find(names[i], name_hash(names[i]), name_of) == i);
  for (const char* absent : {"", "NAME_", "NAME_1", "NAME_70000", "name_0", "NAME_0 "}) {
    CHECK(index.find(absent, name_hash(absent), name_of) == NameIndex::kNone);
  }
}

TEST_CASE("several positions under one name are all found") {
  std::vector<std::string> names{"A", "B", "A", "C", "A"};
  NameIndex index;
  index.reserve(2);  // smaller than needed: it grows
  for (std::uint32_t i = 0; i < names.size(); ++i) index.insert(name_hash(names[i]), i);
  std::vector<std::uint32_t> found;
  index.for_each(
      "A", name_hash("A"), [&](std::uint32_t at) { return std::string_view(names[at]); },
      [&](std::uint32_t at) { found.push_back(at); });
  std::sort(found.begin(), found.end());
  CHECK(found == std::vector<std::uint32_t>{0, 2, 4});
}

TEST_CASE("the name hash tells apart names that differ in any byte or in length") {
  CHECK(name_hash("ABCDEFGH") != name_hash("ABCDEFGI"));
  CHECK(name_hash("ABCDEFGHI") != name_hash("ABCDEFGHJ"));
  CHECK(name_hash("A") != name_hash(std::string_view("A\0", 2)));
  CHECK(name_hash("") != name_hash(std::string_view("\0", 1)));
}
