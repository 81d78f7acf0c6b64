// Creating a client-managed project: a new key in a new file, and only its proof to the server.
#pragma once

#include <string>

namespace dotenv_run {

class Session;

// Writes a new random key (base64) to --new-key-file (0600, never over an existing file),
// then POSTs the project to `path` with encryption "client" and the key's PBKDF2 proof
// (docs/api.md section 8). When the server certainly refused, the file is removed again;
// when the outcome is unknown it is kept (the project may exist with that key), and said so.
void create_client_managed_project(Session& session, const std::string& path, const std::string& slug,
                                   const std::string& subject);

}  // namespace dotenv_run
