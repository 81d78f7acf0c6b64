// libcurl's global state: set up once without key logging, torn down before exec.
#pragma once

namespace dotenv_run {

// Sets up libcurl once per process (idempotent). SSLKEYLOGFILE is hidden from libcurl
// while it initialises, so it never opens a key log, and the environment is restored
// exactly (same entries, same order) for the child. libcurl's own allocations are wiped
// when freed, since they include copies of the token and the answer.
void http_global_init();
// Releases libcurl's global state. main() calls it before exec, after every HttpClient
// is gone, so no socket or TLS state survives into the child.
void http_global_cleanup();

}  // namespace dotenv_run
