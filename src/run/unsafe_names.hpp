// The names a secret may not have without --allow-unsafe-names: variables that make a program
// load code or run a command of the variable's choosing. One list, printed in man/dotenv-run.1.
#pragma once

#include <span>
#include <string_view>

namespace dotenv_run {

// Every name that starts with one of these is refused.
std::span<const std::string_view> code_loading_prefixes();

// These exact names are refused.
std::span<const std::string_view> code_loading_names();

// True for a name in the list or with one of its prefixes.
bool is_code_loading_name(std::string_view name);

}  // namespace dotenv_run
