// Rotating a client-managed key (issue 10): every level and every backup re-sealed by the client
// under a new key, resumable at any step from what the server says, never leaving a blob under a
// key nobody holds.
#pragma once

#include <string>

#include "cloud/project_key.hpp"

namespace dotenv_run {

class Session;

// `key rotate --key-file OLD --new-key-file NEW` on a client-managed project:
// 1. OLD is checked against the key proof; NEW (32 random bytes) is written 0600 to a file that
//    must not exist, unless it exists and holds a key (a rotation being resumed).
// 2. Every level is opened with OLD, sealed under key version current+1 with NEW, opened again
//    with NEW and compared.
// 3. POST key/reencrypt with all of them (atomic on the server); a level changed meanwhile makes
//    the server refuse, and everything is read again (up to 5 times).
// 4. The backups under OLD's version are re-sealed the same way, POST key/retired-versions in batches.
// 5. What `key verify` runs, with NEW.
// Which step to start from is read from the server: the key version and proof (OLD's or NEW's) and
// the backups still under a retired version. Backups OLD cannot open are named and left as they are.
// `key` is the project's key as just read (GET key).
void rotate_client_key(Session& session, const std::string& project, const ProjectKey& key);

}  // namespace dotenv_run
