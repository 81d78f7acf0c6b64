// Reading a file whose content decides where the token goes or whom to trust (a settings file,
// a CA file): opened once, checked through its descriptor, as git checks a repository's owner.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace dotenv_run {

// The whole text of `path`, refused with Error(kExitConfig) naming `what` (when not empty) and the path unless:
// the file is not a symbolic link (O_NOFOLLOW), is a regular file, is owned by the effective
// user or root and is not writable by group or others; and the directory holding it is owned
// by the effective user or root and is not writable by group or others, unless it is sticky
// (as /tmp: others may not rename or remove what they do not own). The directory is opened
// first and the file is opened in it (openat), and both are checked by fstat on what was
// opened, so no name can be swapped between the check and the read. Over `max_bytes`: refused
// without reading more than one byte past the limit.
std::string read_trusted_file(const std::filesystem::path& path, std::string_view what, std::size_t max_bytes);

// The same, but nullopt when there is no such file (or its directory cannot be opened).
std::optional<std::string> read_trusted_file_if_present(const std::filesystem::path& path, std::string_view what,
                                                        std::size_t max_bytes);

}  // namespace dotenv_run
