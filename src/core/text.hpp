// Text from a server, a file or the environment, made safe to print on a terminal.
#pragma once

#include <string>
#include <string_view>

namespace dotenv_run {

// Control characters (C0, DEL) dropped, at most 200 bytes, never half a UTF-8 sequence at the end.
std::string sanitized(std::string_view text);

}  // namespace dotenv_run
