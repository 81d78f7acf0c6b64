// libsodium's one initialisation.
#include "core/sodium.hpp"

#include <sodium.h>

#include "core/error.hpp"

namespace dotenv_run {

void ensure_sodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw Error(kExitSoftware, "libsodium could not be initialised (no random source?)");
}

}  // namespace dotenv_run
