// Following a list's pages: every page's answer is released once its items are seen, so a list
// that goes on and on (a hostile or broken server) does not pile its pages up in the caller's memory.
#include <doctest/doctest.h>

#include <memory_resource>
#include <string>

#include "api/client.hpp"
#include "api/scripted_http.hpp"
#include "cloud/pages.hpp"
#include "cloud/project_levels.hpp"
#include "core/error.hpp"
#include "support/error_of.hpp"

using namespace dotenv_run;

namespace {

// Counts every byte handed out, as the session's monotonic arena keeps them all.
class CountingResource : public std::pmr::memory_resource {
 public:
  std::size_t allocated = 0;

 private:
  void* do_allocate(std::size_t bytes, std::size_t align) override {
    allocated += bytes;
    return std::pmr::new_delete_resource()->allocate(bytes, align);
  }
  void do_deallocate(void* p, std::size_t bytes, std::size_t align) override {
    std::pmr::new_delete_resource()->deallocate(p, bytes, align);
  }
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override { return this == &other; }
};

std::string full_page() {
  std::string body = R"({"data":[)";
  for (std::size_t i = 0; i < kPageSize; ++i) body += std::string(i ? "," : "") + R"({"slug":"a-slug-of-some-length"})";
  return body + "]}";
}

}  // namespace

TEST_CASE("a list of targets that never ends stops with 69 without keeping its pages in the caller's memory") {
  ::testing::ScriptedHttp http;
  http.script.push_back(::testing::answer(200, full_page()));  // repeats: every page full, no meta
  ApiClient client(http.settings, http, http.environment(), http.notice());
  CountingResource mem;
  const std::string message =
      dotenv_run::testing::error_of(kExitUnavailable, [&] { project_levels(client, "org", "api", &mem); });
  CHECK(message.find("the list goes on past 10000 pages") != std::string::npos);
  CHECK(http.requests.size() == 10'000);
  CHECK(mem.allocated < 1024 * 1024);  // ~40 KiB a page: 400 MB if the pages piled up
}
