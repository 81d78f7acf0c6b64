// Opening a URL in the user's browser with xdg-open, when there is a display.
#pragma once

#include <string>

#include "core/lookup.hpp"

namespace dotenv_run {

// True when DISPLAY or WAYLAND_DISPLAY is set and not empty.
bool has_display(const Lookup& env);

// Starts `xdg-open URL` without a shell, its input and output on /dev/null, with `environ`
// minus the programs' secret variables (the token never reaches a browser's environment). Not
// waited for; a failure to start is harmless (the URL is printed anyway): returns false then.
bool open_in_browser(const std::string& url, char* const* environ);

}  // namespace dotenv_run
