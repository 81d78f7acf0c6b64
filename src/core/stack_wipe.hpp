// Wiping the ordinary stack below the caller before execve() and at exit.
#pragma once

namespace dotenv_run {

// Zeroes a generous region of the stack below the caller's frame: what calls that have returned
// left there (library code, and the register spills of the dynamic linker's lazy binding, which
// held pieces of the resolve answer and its key). Secrets are kept in the locked arena, but a
// copy passing through registers lands on this unlocked stack, which survives until the
// process image is replaced or gone. Call it last, right before execve(); to end the process,
// use exit_with_wiped_stack().
void wipe_stack_below();

// Ends the process with `code`: stdio flushed, the stack below wiped, and nothing run after.
// Exit handlers and library destructors would call functions for the first time, and the
// dynamic linker's lazy binding spills registers (which may still hold pieces of the resolve
// answer and the key) onto the wiped stack. Sanitizer builds run the leak check first.
[[noreturn]] void exit_with_wiped_stack(int code);

}  // namespace dotenv_run
