// libFuzzer target: the dcv1 blob envelope (docs/api.md section 8) opened with a fixed key, and key
// proofs. An input is a blob's text; an input of three lines "algorithm\nsalt\nproof" is also a
// key proof checked against that key (at the minimum of 1000 rounds, to stay fast).
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>

#include "core/blob.hpp"
#include "core/error.hpp"
#include "core/key.hpp"
#include "core/key_proof.hpp"
#include "fuzz_support.hpp"

using namespace dotenv_run;

namespace {

// Plain heap memory, not the secret arena: ASan watches malloc'd bytes, not sodium_malloc's pages.
std::pmr::memory_resource* const mem = std::pmr::new_delete_resource();

// What fuzz/make_corpus.py seals its seed blobs with: the key (bytes 1..32), the organization
// and the level the blob is bound to.
constexpr std::string_view kKey = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
constexpr std::string_view kOrg = "01JE2E0TEST0RG000000000000";
constexpr std::string_view kLevel = "01JE2E0B10B000000000000000";

const SecretKey& key() {
  static const SecretKey k = SecretKey::from_base64(kKey, "the fuzz key");
  return k;
}

[[noreturn]] void disagree() {
  std::fprintf(stderr, "fuzz: open_blob_in_place and open_blob disagree\n");
  __builtin_trap();
}

void open(std::string_view blob) {
  // The blob opened in place too, over a heap copy that ASan watches: the same text or the same refusal.
  std::string copy(blob);
  std::optional<std::string> in_place;
  std::string in_place_error;
  try {
    in_place = std::string(open_blob_in_place(copy, key(), kOrg, kLevel, "level fuzz"));
  } catch (const Error& e) {
    in_place_error = e.what();
  }
  try {
    const unsigned version = blob_key_version(blob, "level fuzz");
    const SecretString text = open_blob(blob, key(), kOrg, kLevel, "level fuzz", mem);
    if (!in_place || *in_place != std::string_view(text)) disagree();
    // What opens seals again (with a fixed nonce, to stay deterministic) and opens to the same text.
    const std::array<unsigned char, kBlobNonceBytes> nonce{};
    const std::string again = detail::seal_blob_with_nonce(text, key(), version, kOrg, kLevel, nonce);
    if (open_blob(again, key(), kOrg, kLevel, "level fuzz", mem) != text) {
      std::fprintf(stderr, "fuzz: a blob sealed again does not open to the same text\n");
      __builtin_trap();
    }
  } catch (const Error& e) {
    fuzz::check_message(e.what());
    if (in_place || in_place_error != e.what()) disagree();
  }
}

void proof(std::string_view text) {
  const std::size_t first = text.find('\n');
  if (first == std::string_view::npos) return;
  const std::size_t second = text.find('\n', first + 1);
  if (second == std::string_view::npos || text.find('\n', second + 1) != std::string_view::npos) return;
  const KeyProof p{std::string(text.substr(0, first)), kKeyProofMinIterations,
                   std::string(text.substr(first + 1, second - first - 1)), std::string(text.substr(second + 1))};
  try {
    key_matches_proof(key(), p);
  } catch (const Error& e) {
    fuzz::check_message(e.what());
  }
}

void parse_key(std::string_view text) {
  try {
    SecretKey::from_base64(text, "the project key");
  } catch (const Error& e) {
    fuzz::check_message(e.what());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  open(text);
  proof(text);
  parse_key(text);
  return 0;
}
