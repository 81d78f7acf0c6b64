// Standard base64 (RFC 4648, with padding): constant-time for secrets, a fast table for the rest.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dotenv_run {

std::string base64_encode(std::span<const unsigned char> bytes);

// Decodes into `out` and returns the number of bytes written, or nullopt when the text is not
// canonical padded base64 (no whitespace, no stray bits) or decodes to more than out.size() bytes.
// Safe for secrets: the codec runs in constant time and writes only into `out`.
std::optional<std::size_t> base64_decode_into(std::string_view text, std::span<unsigned char> out);

// For non-secret data (ciphertext, salts, proofs): nullopt when the text is not canonical padded
// base64, exactly as base64_decode_into refuses it. Not constant-time: never give it a secret.
std::optional<std::vector<unsigned char>> base64_decode(std::string_view text);

// base64_decode over the text's own bytes (the decoded bytes are fewer, and each lands before the
// text still to read): the decoded length, or nullopt, with the text partly overwritten, when
// base64_decode would refuse it. Saves a copy of a large ciphertext. Not constant-time either.
std::optional<std::size_t> base64_decode_in_place(std::span<char> text);

}  // namespace dotenv_run
