// The launcher's exit codes: a public contract, kept in step with the README and the man page.
#pragma once

namespace dotenv_run {

// Values follow sysexits.h where one fits, so scripts and systemd units can tell
// a permanent failure (usage, data, auth, config) from a transient one (69).
enum ExitCode : int {
  kExitOk = 0,
  kExitUsage = 64,        // EX_USAGE: a bad flag or a missing command
  kExitDataError = 65,    // EX_DATAERR: a blob that does not open, a bad .env line, a refused name
  kExitUnavailable = 69,  // EX_UNAVAILABLE: the API could not be reached or kept failing until the deadline
  kExitTempFail =
      75,  // EX_TEMPFAIL: a write still conflicts (409 version_conflict) after its retries; dotenv-cloud only
  kExitSoftware = 70,        // EX_SOFTWARE: an internal error (a bug)
  kExitAuth = 77,            // EX_NOPERM: the token was refused (401) or lacks an ability or scope (403)
  kExitConfig = 78,          // EX_CONFIG: a missing or wrong setting, a slug that does not exist (404)
  kExitCannotExecute = 126,  // the command exists but could not be executed
  kExitNotFound = 127,       // the command was not found
};

}  // namespace dotenv_run
