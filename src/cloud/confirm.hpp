// Asking before a destructive command (deletes, `secrets clear`).
#pragma once

#include <string_view>

namespace dotenv_run {

// With --yes: goes on. On a terminal (stdin and stderr): asks "<question> [y/N] " on stderr
// and goes on only for "y" or "yes". Elsewhere, or when the answer is anything else:
// Error(kExitUsage) saying that nothing was done (`what`, e.g. "deleting project api").
void confirm(std::string_view question, std::string_view what, bool yes);

}  // namespace dotenv_run
