// PKCE (RFC 7636, S256) and the OAuth `state`: random values from libsodium's CSPRNG.
#pragma once

#include <memory_resource>
#include <span>
#include <string>
#include <string_view>

#include "core/secure_memory.hpp"

namespace dotenv_run {

// base64url without padding (RFC 4648 section 5).
std::string base64url(std::span<const unsigned char> bytes);

// A code_verifier: 64 characters of base64url from 48 random bytes (43 to 128 characters
// from A-Z a-z 0-9 - . _ ~, RFC 7636 section 4.1). Kept in `mem`: with the code it is a login.
SecretString pkce_verifier(std::pmr::memory_resource* mem);

// The S256 code_challenge: base64url(SHA-256(verifier)) without padding, 43 characters.
std::string pkce_challenge(std::string_view verifier);

// An unguessable `state` for one authorization request: 32 random bytes, base64url.
std::string random_state();

}  // namespace dotenv_run
