// libsodium's one initialisation, with one failure path.
#pragma once

namespace dotenv_run {

// Initialises libsodium once per process (thread-safe, idempotent). Throws
// Error(kExitSoftware) when it cannot (no usable random source): nothing that needs
// libsodium (secure memory, keys, blobs, jitter) may run without it.
void ensure_sodium();

}  // namespace dotenv_run
