// Where the secrets commands read plaintext from: stdin, a prompt without echo, a .env file.
// Every byte goes straight into the secret arena.
#pragma once

#include <cstddef>
#include <memory_resource>
#include <string>
#include <string_view>

#include "core/secure_memory.hpp"

namespace dotenv_run {

// The most a value or an imported file may hold: a level's blob is at most 1 MiB of base64.
inline constexpr std::size_t kMaxPlaintextBytes = std::size_t{768} << 10;

// All of `fd` until end of file. Error(kExitDataError) "<what> is larger than ..." past `max`,
// Error(kExitConfig) when it cannot be read.
SecretString read_all(int fd, std::string_view what, std::size_t max, std::pmr::memory_resource* mem);

// The value of `secrets set NAME`. On a terminal (stdin and stderr): asked twice on stderr
// with echo off, Error(kExitDataError) when the two differ. Otherwise all of stdin, one
// trailing "\n" removed (only one, and nothing else: a "\r" before it stays), read with echo
// off when stdin alone is a terminal.
SecretString read_secret_value(std::string_view name, std::pmr::memory_resource* mem);

// The text of `secrets import FILE`, or of stdin for "-".
SecretString read_import_text(const std::string& path, std::pmr::memory_resource* mem);

}  // namespace dotenv_run
