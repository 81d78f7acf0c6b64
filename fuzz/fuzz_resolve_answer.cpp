// libFuzzer target: a resolve answer (docs/api.md section 7) from its JSON text to opened levels,
// then merged, as dotenv-run does after its one GET. The first byte of an input picks the question
// asked (kQueries), the rest is the answer's body. The client key is fixed (the e2e fixture's), so a
// client-managed answer whose key proof and blobs came from the local server opens.
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/answer.hpp"
#include "api/levels.hpp"
#include "core/error.hpp"
#include "core/merge.hpp"
#include "fuzz_support.hpp"

using namespace dotenv_run;

namespace {

// Plain heap memory, not the secret arena: ASan watches malloc'd bytes, not the arena's pages.
// One HeapArena per input (set at the start of LLVMFuzzerTestOneInput), freed at its end.
std::pmr::memory_resource* mem = nullptr;

// The questions of fuzz/make_corpus.py: the e2e seed's organization (tests/e2e/cloud_fixture.py) and
// the unit tests' sample answer (tests/unit/api/resolve_answer_sample.hpp).
constexpr std::string_view kE2eOrg = "01JE2E0TEST0RG000000000000";
const ResolveQuery kQueries[] = {
    {std::string(kE2eOrg), "api", std::nullopt, std::nullopt},
    {std::string(kE2eOrg), "api", "web", std::nullopt},
    {std::string(kE2eOrg), "api", "web", "production"},
    {std::string(kE2eOrg), "billing", std::nullopt, std::nullopt},
    {std::string(kE2eOrg), "billing", "web", std::nullopt},
    {"01HZX5V9Q6M3K8T2R4W7Y0B1CD", "api", "web", "production"},
};
constexpr std::size_t kQueryCount = sizeof kQueries / sizeof kQueries[0];

// base64 of the bytes 1..32: CLIENT_KEY in tests/e2e/cloud_fixture.py.
constexpr std::string_view kClientKey = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";

// A hostile answer may ask for up to 10 million PBKDF2 rounds (core/key_proof.hpp bounds it, on
// purpose); that is seconds per input, so the fuzzer leaves proofs above this to the unit tests.
constexpr unsigned kMaxFuzzIterations = 2000;

[[noreturn]] void disagree() {
  std::fprintf(stderr, "fuzz: open_levels in place and from the text disagree\n");
  __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::HeapArena arena;
  mem = &arena;
  if (size == 0) return 0;
  const ResolveQuery& query = kQueries[data[0] % kQueryCount];
  const std::string_view body = fuzz::as_text(data + 1, size - 1);
  try {
    const ResolveAnswer answer = parse_resolve_answer(secret_copy(body, mem), query);
    if (answer.key.proof && answer.key.proof->iterations > kMaxFuzzIterations) return 0;
    const std::optional<SecretSetting> client_key = SecretSetting{secret_copy(kClientKey, mem), "fuzz key file"};
    // Opened from a second parse too, in place (as a launch does): the same texts or the same refusal.
    std::optional<std::vector<Source>> in_place;
    std::string in_place_error;
    try {
      in_place = open_levels(parse_resolve_answer(secret_copy(body, mem), query), client_key, mem);
    } catch (const Error& e) {
      in_place_error = e.what();
    }
    std::vector<Source> sources;
    try {
      sources = open_levels(answer, client_key, mem);
    } catch (const Error& e) {
      if (in_place || in_place_error != e.what()) disagree();
      throw;
    }
    if (!in_place || in_place->size() != sources.size()) disagree();
    for (std::size_t i = 0; i < sources.size(); ++i)
      if ((*in_place)[i].text != sources[i].text) disagree();
    merge_sources(sources, MapLookup{}, ParseOptions{}, mem);
  } catch (const Error& e) {
    fuzz::check_message(e.what());
  }
  return 0;
}
