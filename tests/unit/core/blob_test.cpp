// Tests of project keys and dcv1 blobs: round trips, PyNaCl known answers, and every way a blob is wrong.
#include <doctest/doctest.h>
#include <sodium.h>

#include <array>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/base64.hpp"
#include "core/blob.hpp"
#include "core/error.hpp"
#include "core/key_proof.hpp"
#include "support/error_of.hpp"
#include "vectors/pynacl_vectors.hpp"

using namespace dotenv_run;

namespace {

constexpr std::string_view kOrg = "01HZY3K5W0N8G7QX4T2M6B9CDE";
constexpr std::string_view kLevel = "01HZY3KAQ1V6FJ2S8R0PXN4T7M";
constexpr std::string_view kWhat = "level environment production";
const std::string kDoesNotOpen =
    "level environment production: does not open: wrong key, or the blob belongs to another level or organization";

using testing::Failure;
using testing::failure_of;

Failure data_error(const std::string& message) { return {kExitDataError, message}; }

// Keeps every block it hands out until it dies, so a test can look for plaintext left behind.
class RecordingResource final : public std::pmr::memory_resource {
 public:
  bool contains(std::string_view needle) const {
    for (const auto& [block, size] : blocks_) {
      if (std::string_view(reinterpret_cast<const char*>(block.get()), size).find(needle) != std::string_view::npos) {
        return true;
      }
    }
    return false;
  }
  std::size_t allocations() const { return blocks_.size(); }

 private:
  void* do_allocate(std::size_t bytes, std::size_t) override {
    blocks_.emplace_back(std::make_unique<std::byte[]>(bytes), bytes);
    return blocks_.back().first.get();
  }
  void do_deallocate(void*, std::size_t, std::size_t) override {}
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override { return this == &other; }
  std::vector<std::pair<std::unique_ptr<std::byte[]>, std::size_t>> blocks_;
};

// Opens `blob` both ways, from its text and over a copy of it (in place), which must agree on the
// text and on every refusal.
std::string open_text(std::string_view blob, const SecretKey& key, std::string_view org = kOrg,
                      std::string_view level = kLevel) {
  SecretArena arena;
  std::string copy(blob);
  std::optional<std::string> in_place_text, in_place_error;
  try {
    const std::string_view opened = open_blob_in_place(copy, key, org, level, kWhat);
    // The text is decrypted over the blob's own bytes: a view into the copy, nothing allocated.
    CHECK(opened.data() >= copy.data());
    CHECK(opened.data() + opened.size() <= copy.data() + copy.size());
    in_place_text = std::string(opened);
  } catch (const Error& e) {
    in_place_error = std::to_string(e.code()) + " " + e.what();
  }
  try {
    const SecretString text = open_blob(blob, key, org, level, kWhat, arena.resource());
    CHECK(in_place_text == std::string(text));
    return std::string(text);
  } catch (const Error& e) {
    CHECK(in_place_error == std::to_string(e.code()) + " " + e.what());
    throw;
  }
}

Failure open_failure(std::string_view blob, const SecretKey& key, std::string_view org = kOrg,
                     std::string_view level = kLevel) {
  return failure_of([&] { open_text(blob, key, org, level); });
}

std::vector<unsigned char> payload_of(std::string_view blob) {
  const std::size_t second_colon = blob.find(':', 5);
  return base64_decode(blob.substr(second_colon + 1)).value();
}

std::string with_payload(std::string_view blob, const std::vector<unsigned char>& raw) {
  const std::size_t second_colon = blob.find(':', 5);
  return std::string(blob.substr(0, second_colon + 1)) + base64_encode(raw);
}

// Seals bytes exactly as given (no padding), as a careless sealer holding the key would.
std::string seal_unpadded(std::string_view bytes, const SecretKey& key, unsigned version = 1) {
  const std::string ad = "dcv1:" + std::to_string(version) + ":" + std::string(kOrg) + ":" + std::string(kLevel);
  std::vector<unsigned char> raw(kBlobNonceBytes + bytes.size() + kBlobTagBytes);
  randombytes_buf(raw.data(), kBlobNonceBytes);
  unsigned long long len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      raw.data() + kBlobNonceBytes, &len, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
      reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nullptr, raw.data(), key.data());
  return "dcv1:" + std::to_string(version) + ":" + base64_encode(raw);
}

std::array<unsigned char, kBlobNonceBytes> nonce_from_hex(std::string_view hex) {
  std::array<unsigned char, kBlobNonceBytes> nonce{};
  std::size_t len = 0;
  REQUIRE(sodium_hex2bin(nonce.data(), nonce.size(), hex.data(), hex.size(), nullptr, &len, nullptr) == 0);
  REQUIRE(len == nonce.size());
  return nonce;
}

}  // namespace

TEST_CASE("a sealed blob opens to the same text") {
  const SecretKey key = SecretKey::generate();
  for (const std::string& text : {std::string("A=1\n"), std::string("GREETING=Grüße, 世界\nB=\"two\nlines\"\n"),
                                  std::string("NUL_INSIDE=\0x\n", 14), std::string(5000, 'v')}) {
    const std::string blob = seal_blob(text, key, 3, kOrg, kLevel);
    CHECK(blob.starts_with("dcv1:3:"));
    CHECK(blob_key_version(blob, kWhat) == 3);
    CHECK(open_text(blob, key) == text);
  }
}

TEST_CASE("the opened text lives in the memory resource it is given") {
  const SecretKey key = SecretKey::generate();
  const std::string blob = seal_blob("TOKEN=in-the-arena\n", key, 1, kOrg, kLevel);
  RecordingResource mem;
  const SecretString text = open_blob(blob, key, kOrg, kLevel, kWhat, &mem);
  CHECK(text == "TOKEN=in-the-arena\n");
  CHECK(mem.allocations() == 1);
  CHECK(mem.contains("TOKEN=in-the-arena"));
}

TEST_CASE("padding is always present and fills up to a multiple of 256 bytes") {
  const SecretKey key = SecretKey::generate();
  const std::pair<std::size_t, std::size_t> cases[] = {{0, 256},   {1, 256},   {255, 256}, {256, 512},
                                                       {257, 512}, {511, 512}, {512, 768}};
  for (const auto& [length, padded] : cases) {
    CAPTURE(length);
    const std::string text(length, 'p');
    const std::string blob = seal_blob(text, key, 1, kOrg, kLevel);
    CHECK(payload_of(blob).size() == kBlobNonceBytes + padded + kBlobTagBytes);
    CHECK(open_text(blob, key) == text);
  }
}

TEST_CASE("two seals of the same text use different nonces") {
  const SecretKey key = SecretKey::generate();
  CHECK(seal_blob("A=1\n", key, 1, kOrg, kLevel) != seal_blob("A=1\n", key, 1, kOrg, kLevel));
}

TEST_CASE("blobs sealed by PyNaCl open with our code") {
  const SecretKey key = SecretKey::from_base64(pynacl_vectors::kKeyB64, "test key");
  for (const auto& v : pynacl_vectors::kBlobs) {
    CAPTURE(v.name);
    CHECK(blob_key_version(v.blob, kWhat) == v.key_version);
    CHECK(open_text(v.blob, key, pynacl_vectors::kOrgId, v.level_id) == v.plaintext);
  }
}

TEST_CASE("sealing with PyNaCl's nonce gives PyNaCl's blob byte for byte") {
  const SecretKey key = SecretKey::from_base64(pynacl_vectors::kKeyB64, "test key");
  for (const auto& v : pynacl_vectors::kBlobs) {
    CAPTURE(v.name);
    CHECK(detail::seal_blob_with_nonce(v.plaintext, key, v.key_version, pynacl_vectors::kOrgId, v.level_id,
                                       nonce_from_hex(v.nonce_hex)) == v.blob);
  }
}

TEST_CASE("the key version is read from the prefix") {
  CHECK(blob_key_version("dcv1:1:AAAA", kWhat) == 1);
  CHECK(blob_key_version("dcv1:4294967295:", kWhat) == 4294967295u);
}

TEST_CASE("an unknown prefix is refused, never guessed") {
  const std::string message = "level environment production: unknown blob format (expected the prefix \"dcv1:\")";
  for (const std::string_view blob : {"dcv2:1:AAAA", "xyz", "", "DCV1:1:AAAA", "dcv1", " dcv1:1:AAAA"}) {
    CAPTURE(blob);
    CHECK(failure_of([&] { blob_key_version(blob, kWhat); }) == data_error(message));
    CHECK(open_failure(blob, SecretKey::generate()) == data_error(message));
  }
}

TEST_CASE("a key version that is not a positive decimal integer is refused") {
  const std::string message =
      "level environment production: bad key version in blob (expected a positive decimal integer without leading "
      "zeros)";
  for (const std::string_view blob :
       {"dcv1::AAAA", "dcv1:0:AAAA", "dcv1:01:AAAA", "dcv1:-1:AAAA", "dcv1:+1:AAAA", "dcv1: 1:AAAA", "dcv1:1a:AAAA",
        "dcv1:4294967296:AAAA", "dcv1:99999999999999999999:AAAA"}) {
    CAPTURE(blob);
    CHECK(failure_of([&] { blob_key_version(blob, kWhat); }) == data_error(message));
  }
  CHECK(failure_of([] { blob_key_version("dcv1:12", kWhat); }) ==
        data_error("level environment production: malformed blob (expected dcv1:<key version>:<base64 data>)"));
}

TEST_CASE("a blob opens only with its key, organization, level and key version") {
  const SecretKey key = SecretKey::generate();
  const std::string blob = seal_blob("SECRET=1\n", key, 2, kOrg, kLevel);
  CHECK(open_failure(blob, SecretKey::generate()) == data_error(kDoesNotOpen));
  CHECK(open_failure(blob, key, "01HZY3K5W0N8G7QX4T2M6B9CDF") == data_error(kDoesNotOpen));
  CHECK(open_failure(blob, key, kOrg, "01HZY3KAQ1V6FJ2S8R0PXN4T7N") == data_error(kDoesNotOpen));
  std::string relabelled = blob;
  relabelled.replace(0, 7, "dcv1:3:");
  CHECK(open_failure(relabelled, key) == data_error(kDoesNotOpen));
  CHECK(open_text(blob, key) == "SECRET=1\n");
}

TEST_CASE("one flipped bit anywhere in the sealed bytes stops the blob from opening") {
  const SecretKey key = SecretKey::generate();
  const std::string blob = seal_blob("SECRET=flip\n", key, 1, kOrg, kLevel);
  const std::vector<unsigned char> raw = payload_of(blob);
  for (std::size_t bit = 0; bit < raw.size() * 8; ++bit) {
    std::vector<unsigned char> flipped = raw;
    flipped[bit / 8] ^= static_cast<unsigned char>(1u << (bit % 8));
    const Failure failure = open_failure(with_payload(blob, flipped), key);
    if (failure != data_error(kDoesNotOpen)) {
      FAIL_CHECK("bit " << bit << ": " << failure.message);
    }
  }
}

TEST_CASE("one flipped bit anywhere in the blob text gives a data error and no plaintext") {
  const SecretKey key = SecretKey::generate();
  const std::string blob = seal_blob("SECRET=flip\n", key, 1, kOrg, kLevel);
  for (std::size_t bit = 0; bit < blob.size() * 8; ++bit) {
    std::string flipped = blob;
    flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
    RecordingResource mem;
    const Failure failure = failure_of([&] { open_blob(flipped, key, kOrg, kLevel, kWhat, &mem); });
    if (failure.code != kExitDataError || !failure.message.starts_with("level environment production: ") ||
        mem.contains("SECRET=flip")) {
      FAIL_CHECK("bit " << bit << ": " << failure.message);
    }
  }
}

TEST_CASE("blob data that is not canonical base64 is refused") {
  const SecretKey key = SecretKey::generate();
  const std::string blob = seal_blob("A=1\n", key, 1, kOrg, kLevel);
  const std::string message = "level environment production: blob data is not valid base64";
  std::string bad_char = blob;
  bad_char[20] = '*';
  std::string unpadded = blob;
  while (unpadded.back() == '=') unpadded.pop_back();
  REQUIRE(unpadded.size() < blob.size());
  for (const std::string& b : {bad_char, unpadded, blob + "\n", blob.substr(0, 20) + " " + blob.substr(20),
                               blob.substr(0, blob.size() - 1), std::string("dcv1:1:AB=="), std::string("dcv1:1:A")}) {
    CAPTURE(b);
    CHECK(open_failure(b, key) == data_error(message));
  }
}

TEST_CASE("a blob shorter than a nonce and a tag is refused") {
  const SecretKey key = SecretKey::generate();
  CHECK(open_failure("dcv1:1:", key) ==
        data_error("level environment production: blob is too short (0 bytes of data, at least 40 expected)"));
  const std::string short_blob = "dcv1:1:" + base64_encode(std::vector<unsigned char>(39, 7));
  CHECK(open_failure(short_blob, key) ==
        data_error("level environment production: blob is too short (39 bytes of data, at least 40 expected)"));
  const std::string just_overhead = "dcv1:1:" + base64_encode(std::vector<unsigned char>(40, 7));
  CHECK(open_failure(just_overhead, key) == data_error(kDoesNotOpen));
}

TEST_CASE("an authentic blob with bad padding is refused and its plaintext wiped") {
  const SecretKey key = SecretKey::generate();
  const std::string length_message =
      "level environment production: bad padding after decryption (length 100 is not a positive multiple of 256)";
  const std::string marker_message =
      "level environment production: bad padding after decryption (the last 256 bytes hold no 0x80 marker followed "
      "only by zero bytes)";
  std::string no_marker = "WIPED_SECRET=1\n" + std::string(241, 'x');
  std::string junk_after_marker = "WIPED_SECRET=1\n" + std::string(1, '\x80') + std::string(239, '\0') + "j";
  std::string all_zero = "WIPED_SECRET=1\n" + std::string(241, '\0');
  std::string marker_too_early = "WIPED_SECRET=1\n" + std::string(1, '\x80') + std::string(496, '\0');
  REQUIRE(no_marker.size() == 256);
  REQUIRE(junk_after_marker.size() == 256);
  REQUIRE(marker_too_early.size() == 512);
  const std::pair<std::string, std::string> cases[] = {
      {"WIPED_SECRET=1\n" + std::string(1, '\x80') + std::string(84, '\0'), length_message},
      {no_marker, marker_message},
      {junk_after_marker, marker_message},
      {all_zero, marker_message},
      {marker_too_early, marker_message},
  };
  for (const auto& [padded, message] : cases) {
    RecordingResource mem;
    const std::string blob = seal_unpadded(padded, key);
    CHECK(failure_of([&] { open_blob(blob, key, kOrg, kLevel, kWhat, &mem); }) == data_error(message));
    CHECK(mem.allocations() == 1);  // decrypted into `mem`, then wiped there
    CHECK_FALSE(mem.contains("WIPED_SECRET"));
  }
  CHECK(open_failure(seal_unpadded("", key), key) ==
        data_error("level environment production: bad padding after decryption (length 0 is not a positive "
                   "multiple of 256)"));
}

TEST_CASE("a project key is read from exactly 44 characters of base64") {
  const SecretKey key = SecretKey::generate();
  const std::string b64 = key.to_base64();
  CHECK(b64.size() == 44);
  const SecretKey again = SecretKey::from_base64(b64, "DOTENV_CLOUD_KEY");
  CHECK(sodium_memcmp(again.data(), key.data(), SecretKey::size) == 0);
  CHECK(again.to_base64() == b64);
}

TEST_CASE("a malformed project key is refused without echoing it") {
  const std::string b64 = SecretKey::generate().to_base64();
  std::string unpadded = b64;
  unpadded.pop_back();
  const std::string too_long = base64_encode(std::vector<unsigned char>(33, 1));
  const std::string too_short = base64_encode(std::vector<unsigned char>(31, 1));
  std::string stray_bits = base64_encode(std::vector<unsigned char>(32, 0));
  stray_bits[42] = 'B';  // the last character's low bits must be zero in canonical base64
  for (const std::string& bad :
       {unpadded, too_long, too_short, stray_bits, b64 + "\n", " " + b64, std::string(), std::string(44, '!')}) {
    CAPTURE(bad);
    const Failure failure = failure_of([&] { SecretKey::from_base64(bad, "DOTENV_CLOUD_KEY"); });
    CHECK(failure == data_error("DOTENV_CLOUD_KEY: not a base64 key of 32 bytes"));
  }
}

TEST_CASE("generated keys differ and a moved-from key holds nothing") {
  SecretKey a = SecretKey::generate();
  const SecretKey b = SecretKey::generate();
  CHECK(a.to_base64() != b.to_base64());
  const std::string a_b64 = a.to_base64();
  SecretKey c = std::move(a);
  CHECK(a.data() == nullptr);  // NOLINT(bugprone-use-after-move): the point of the test
  CHECK(c.to_base64() == a_b64);
  c = SecretKey::from_base64(b.to_base64(), "key");
  CHECK(c.to_base64() == b.to_base64());
}

TEST_CASE("sealing refuses key version 0") {
  const SecretKey key = SecretKey::generate();
  CHECK(failure_of([&] { seal_blob("A=1\n", key, 0, kOrg, kLevel); }) ==
        Failure{kExitSoftware, "sealing a blob: the key version must be positive"});
}
