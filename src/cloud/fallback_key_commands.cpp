// fallback-key new FILE: a new key for dotenv-run's offline fallback (docs/fallback.md), in a new 0600 file.
#include <fmt/format.h>

#include "cloud/commands.hpp"
#include "cloud/new_key_file.hpp"
#include "cloud/session.hpp"
#include "core/export_format.hpp"
#include "core/key.hpp"
#include "core/secure_memory.hpp"
#include "core/text.hpp"

namespace dotenv_run {

namespace {

// No network and no token: the key never leaves this machine.
void run_fallback_key_new(Session& session) {
  NewKeyFile file(session.args().at(0), "fallback-key new");
  file.write_new_key();
  write_stdout(
      fmt::format("wrote a new fallback key to {} (mode 0600); give it to dotenv-run with "
                  "--fallback-key-file or the systemd credential dotenv-cloud-fallback-key\n",
                  sanitized(file.path())));
}

constexpr Command kCommands[] = {
    {"fallback-key new", "FILE", "make a key for dotenv-run's offline fallback",
     "Writes 32 random bytes, base64, to FILE: a new file of mode 0600 (an existing FILE or a symbolic link is "
     "refused, never overwritten), synced with its directory. dotenv-run seals its offline fallback with it "
     "(--fallback DIR --fallback-key-file FILE, or the systemd credential dotenv-cloud-fallback-key, which "
     "LoadCredentialEncrypted= can seal with the TPM). Nothing is sent anywhere; the API token is never the key.",
     0, 1, 1, run_fallback_key_new},
};

}  // namespace

std::span<const Command> fallback_key_commands() { return kCommands; }

}  // namespace dotenv_run
