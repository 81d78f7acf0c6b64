// Text from a server, a file or the environment, made safe to print on a terminal.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace dotenv_run {

// Control characters (C0, DEL and C1, also when UTF-8 encoded) and bidirectional controls dropped, each byte that is
// not part of well-formed UTF-8 turned into '?', at most 200 bytes, never half a UTF-8 sequence at the end.
std::string sanitized(std::string_view text);

// How many bytes at the start of `text` are well-formed UTF-8 (text.size() when all of it is).
std::size_t utf8_valid_prefix(std::string_view text);

}  // namespace dotenv_run
