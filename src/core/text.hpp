// Text from a server, a file or the environment, made safe to print on a terminal.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace dotenv_run {

// Control characters (C0, DEL and C1, also when UTF-8 encoded) and bidirectional controls shown as escapes ("\x1b",
// "\u009b", "\u202e"), each byte that is not part of well-formed UTF-8 as "\xe9", at most 200 bytes, never half a
// UTF-8 sequence or half an escape at the end. Escaped rather than dropped, so what was sent is visible.
std::string sanitized(std::string_view text);

// sanitized(), after every occurrence of `secret` (the token a server or middlebox may echo
// back, as in "Bearer <token>") was replaced by "***". An empty `secret` removes nothing.
std::string sanitized_without(std::string_view text, std::string_view secret);

// How many bytes at the start of `text` are well-formed UTF-8 (text.size() when all of it is).
std::size_t utf8_valid_prefix(std::string_view text);

}  // namespace dotenv_run
