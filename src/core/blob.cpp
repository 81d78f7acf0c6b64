// The dcv1 blob format (docs/api.md section 8): seal and open a level's .env text.
#include "core/blob.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <new>
#include <utility>
#include <vector>

#include "core/base64.hpp"
#include "core/error.hpp"
#include "core/sodium.hpp"

namespace dotenv_run {

namespace {

constexpr std::string_view kBlobPrefix = "dcv1:";

static_assert(kBlobNonceBytes == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
static_assert(kBlobTagBytes == crypto_aead_xchacha20poly1305_ietf_ABYTES);
static_assert(SecretKey::size == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);

struct SodiumFree {
  void operator()(unsigned char* p) const noexcept { sodium_free(p); }
};
using SodiumBuffer = std::unique_ptr<unsigned char, SodiumFree>;

SodiumBuffer sodium_buffer(std::size_t size) {
  ensure_sodium();
  auto* p = static_cast<unsigned char*>(sodium_malloc(size));
  if (p == nullptr) throw std::bad_alloc();
  return SodiumBuffer(p);
}

struct BlobParts {
  unsigned key_version;
  std::string_view version_text;
  std::string_view payload;
};

// Splits "dcv1:<version>:<payload>"; the version is a positive decimal integer, written one way
// only (no sign, no leading zeros), because its text is part of the associated data.
BlobParts split_blob(std::string_view blob, std::string_view what) {
  if (!blob.starts_with(kBlobPrefix)) {
    throw Error(kExitDataError, fmt::format("{}: unknown blob format (expected the prefix \"dcv1:\")", what));
  }
  const std::string_view rest = blob.substr(kBlobPrefix.size());
  const std::size_t colon = rest.find(':');
  if (colon == std::string_view::npos) {
    throw Error(kExitDataError, fmt::format("{}: malformed blob (expected dcv1:<key version>:<base64 data>)", what));
  }
  const std::string_view version_text = rest.substr(0, colon);
  unsigned version = 0;
  const char* first = version_text.data();
  const char* last = first + version_text.size();
  const auto [end, ec] = std::from_chars(first, last, version);
  if (version_text.empty() || version_text.front() < '1' || version_text.front() > '9' || ec != std::errc() ||
      end != last) {
    throw Error(kExitDataError, fmt::format("{}: bad key version in blob (expected a positive decimal integer "
                                            "without leading zeros)",
                                            what));
  }
  return {version, version_text, rest.substr(colon + 1)};
}

std::string associated_data(std::string_view version_text, std::string_view org_id, std::string_view level_id) {
  return fmt::format("{}{}:{}:{}", kBlobPrefix, version_text, org_id, level_id);
}

const unsigned char* bytes_of(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

unsigned blob_key_version(std::string_view blob, std::string_view what) { return split_blob(blob, what).key_version; }

std::string detail::seal_blob_with_nonce(std::string_view plaintext, const SecretKey& key, unsigned key_version,
                                         std::string_view org_id, std::string_view level_id,
                                         std::span<const unsigned char, kBlobNonceBytes> nonce) {
  if (key_version == 0) throw Error(kExitSoftware, "sealing a blob: the key version must be positive");
  // Padding is always present (1 to 256 bytes), so the padded length is the next multiple above.
  const std::size_t padded_size = (plaintext.size() / kBlobPaddingBlock + 1) * kBlobPaddingBlock;
  SodiumBuffer padded = sodium_buffer(padded_size);
  std::copy(plaintext.begin(), plaintext.end(), padded.get());
  std::size_t padded_len = 0;
  if (sodium_pad(&padded_len, padded.get(), plaintext.size(), kBlobPaddingBlock, padded_size) != 0 ||
      padded_len != padded_size) {
    throw Error(kExitSoftware, "sealing a blob: padding failed");
  }

  const std::string version_text = std::to_string(key_version);
  const std::string ad = associated_data(version_text, org_id, level_id);
  std::vector<unsigned char> raw(kBlobNonceBytes + padded_size + kBlobTagBytes);
  std::copy(nonce.begin(), nonce.end(), raw.begin());
  unsigned long long sealed_len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(raw.data() + kBlobNonceBytes, &sealed_len, padded.get(), padded_size,
                                             bytes_of(ad), ad.size(), nullptr, nonce.data(), key.data());
  return fmt::format("{}{}:{}", kBlobPrefix, version_text, base64_encode(raw));
}

std::string seal_blob(std::string_view plaintext, const SecretKey& key, unsigned key_version, std::string_view org_id,
                      std::string_view level_id) {
  ensure_sodium();
  std::array<unsigned char, kBlobNonceBytes> nonce{};
  randombytes_buf(nonce.data(), nonce.size());
  return detail::seal_blob_with_nonce(plaintext, key, key_version, org_id, level_id, nonce);
}

namespace {

// Opens the decoded bytes (nonce, ciphertext, tag) of a blob split into `parts` into `out`, which has
// room for the ciphertext's length and may be the ciphertext itself (raw + nonce: libsodium decrypts
// in place when the two are the same). Returns the text's length, the padding removed.
std::size_t open_raw_into(unsigned char* out, std::span<const unsigned char> raw, const BlobParts& parts,
                          const SecretKey& key, std::string_view org_id, std::string_view level_id,
                          std::string_view what) {
  const std::string ad = associated_data(parts.version_text, org_id, level_id);
  const std::size_t text_size = raw.size() - kBlobNonceBytes - kBlobTagBytes;
  unsigned long long opened_len = 0;
  // libsodium checks the tag before it decrypts, so a failure leaves no plaintext behind.
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &opened_len, nullptr, raw.data() + kBlobNonceBytes,
                                                 raw.size() - kBlobNonceBytes, bytes_of(ad), ad.size(), raw.data(),
                                                 key.data()) != 0) {
    throw Error(kExitDataError, fmt::format("{}: does not open: wrong key, or the blob belongs to another level "
                                            "or organization",
                                            what));
  }

  // Reaching here means the holder of the key sealed a badly padded text: still refuse it.
  if (text_size == 0 || text_size % kBlobPaddingBlock != 0) {
    wipe(out, text_size);
    throw Error(kExitDataError, fmt::format("{}: bad padding after decryption (length {} is not a positive "
                                            "multiple of 256)",
                                            what, text_size));
  }
  std::size_t unpadded_len = 0;
  if (sodium_unpad(&unpadded_len, out, text_size, kBlobPaddingBlock) != 0) {
    wipe(out, text_size);
    throw Error(kExitDataError, fmt::format("{}: bad padding after decryption (the last 256 bytes hold no 0x80 "
                                            "marker followed only by zero bytes)",
                                            what));
  }
  return unpadded_len;  // what stays past the end is padding, not text
}

void check_raw_size(std::span<const unsigned char> raw, std::string_view what) {
  constexpr std::size_t overhead = kBlobNonceBytes + kBlobTagBytes;
  if (raw.size() < overhead) {
    throw Error(kExitDataError, fmt::format("{}: blob is too short ({} bytes of data, at least {} expected)", what,
                                            raw.size(), overhead));
  }
}

// open_raw_into a new string in `mem`.
SecretString open_raw(std::span<const unsigned char> raw, const BlobParts& parts, const SecretKey& key,
                      std::string_view org_id, std::string_view level_id, std::string_view what,
                      std::pmr::memory_resource* mem) {
  check_raw_size(raw, what);
  SecretString text(mem);
  text.resize(raw.size() - kBlobNonceBytes - kBlobTagBytes);
  text.resize(open_raw_into(reinterpret_cast<unsigned char*>(text.data()), raw, parts, key, org_id, level_id, what));
  return text;
}

}  // namespace

SecretString open_blob(std::string_view blob, const SecretKey& key, std::string_view org_id, std::string_view level_id,
                       std::string_view what, std::pmr::memory_resource* mem) {
  const BlobParts parts = split_blob(blob, what);
  // Ciphertext only: the normal heap is fine for it.
  const auto raw = base64_decode(parts.payload);
  if (!raw) throw Error(kExitDataError, fmt::format("{}: blob data is not valid base64", what));
  return open_raw(*raw, parts, key, org_id, level_id, what, mem);
}

std::string_view open_blob_in_place(std::span<char> blob, const SecretKey& key, std::string_view org_id,
                                    std::string_view level_id, std::string_view what) {
  const BlobParts parts = split_blob(std::string_view(blob.data(), blob.size()), what);
  // The payload is the blob's tail; its bytes, not the prefix that parts.version_text views, are decoded over.
  const std::span<char> payload = blob.subspan(blob.size() - parts.payload.size());
  const auto size = base64_decode_in_place(payload);
  if (!size) throw Error(kExitDataError, fmt::format("{}: blob data is not valid base64", what));
  const auto raw = std::span(reinterpret_cast<unsigned char*>(payload.data()), *size);
  check_raw_size(raw, what);
  // Decrypted over the ciphertext itself, right after the nonce.
  unsigned char* text = raw.data() + kBlobNonceBytes;
  const std::size_t length = open_raw_into(text, raw, parts, key, org_id, level_id, what);
  return {reinterpret_cast<const char*>(text), length};
}

}  // namespace dotenv_run
