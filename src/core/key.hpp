// A project key: 32 bytes in guarded, locked, read-only memory.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace dotenv_run {

// The 32 bytes of a project key in sodium_malloc'd memory: locked, out of core dumps, read-only
// once filled, wiped when destroyed. Move-only; a moved-from key holds nothing.
class SecretKey {
 public:
  static constexpr std::size_t size = 32;

  // Throws Error(kExitDataError, "<what>: not a base64 key of 32 bytes"); never echoes the input.
  static SecretKey from_base64(std::string_view b64, std::string_view what);
  static SecretKey generate();

  SecretKey(SecretKey&& other) noexcept;
  SecretKey& operator=(SecretKey&& other) noexcept;
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;
  ~SecretKey();

  // For tools and tests only: the launcher never needs the key as text.
  std::string to_base64() const;
  const unsigned char* data() const noexcept { return bytes_; }

 private:
  SecretKey();
  void seal() noexcept;
  unsigned char* bytes_ = nullptr;
};

}  // namespace dotenv_run
