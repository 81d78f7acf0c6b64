// A project key in sodium_malloc'd memory.
#include "core/key.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <new>
#include <span>
#include <utility>

#include "core/base64.hpp"
#include "core/error.hpp"
#include "core/sodium.hpp"

namespace dotenv_run {

namespace {

unsigned char* key_buffer() {
  ensure_sodium();
  auto* p = static_cast<unsigned char*>(sodium_malloc(SecretKey::size));
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace

SecretKey::SecretKey() : bytes_(key_buffer()) {}

SecretKey::SecretKey(SecretKey&& other) noexcept : bytes_(std::exchange(other.bytes_, nullptr)) {}

SecretKey& SecretKey::operator=(SecretKey&& other) noexcept {
  if (this != &other) {
    sodium_free(bytes_);
    bytes_ = std::exchange(other.bytes_, nullptr);
  }
  return *this;
}

SecretKey::~SecretKey() { sodium_free(bytes_); }  // makes the page writable again and zeroes it

// Read-only once filled, so a stray write through another pointer faults instead of corrupting it.
void SecretKey::seal() noexcept { sodium_mprotect_readonly(bytes_); }

SecretKey SecretKey::from_base64(std::string_view b64, std::string_view what) {
  SecretKey key;
  const auto written = base64_decode_into(b64, std::span<unsigned char>(key.bytes_, size));
  if (!written || *written != size) {
    throw Error(kExitDataError, fmt::format("{}: not a base64 key of 32 bytes", what));
  }
  key.seal();
  return key;
}

SecretKey SecretKey::generate() {
  SecretKey key;
  randombytes_buf(key.bytes_, size);
  key.seal();
  return key;
}

std::string SecretKey::to_base64() const { return base64_encode(std::span<const unsigned char>(bytes_, size)); }

}  // namespace dotenv_run
