// Reading a token or key file safely: owner-only, not a symlink, not empty, into secure memory.
#pragma once

#include <memory_resource>
#include <string>
#include <string_view>

#include "core/secure_memory.hpp"

namespace dotenv_run {

// Reads FILE as one secret line. Refused with Error(kExitConfig) naming `what` and the
// path: a symlink, not a regular file, owned by a user other than you or root, group or
// others have any access, empty, over 64 KiB, or a control character inside. One trailing "\n" or "\r\n" is trimmed.
SecretString read_secret_file(const std::string& path, std::string_view what, std::pmr::memory_resource* mem);

// Checks a secret taken from an environment variable the same way (not empty, one
// line, no control characters) and copies it into `mem`.
SecretString take_secret_text(std::string_view text, std::string_view what, std::pmr::memory_resource* mem);

}  // namespace dotenv_run
