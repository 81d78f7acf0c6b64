// --watch SEC --restart: the launcher stays as the program's parent and restarts it with the
// new values when they change. A careful init: every catchable signal a process sends it is
// forwarded, every zombie is reaped (it is a child subreaper, and reaps whatever is
// re-parented to it as PID 1), and it exits with the program's status (128+N for signal N).
#pragma once

#include "api/connection.hpp"
#include "api/settings.hpp"
#include "core/process.hpp"
#include "run/cli.hpp"
#include "run/fallback.hpp"

namespace dotenv_run {

// Runs the program until it exits on its own (or by a signal sent to it), restarting it on a
// change; returns the status to exit with. A change whose new secrets cannot be loaded
// leaves the program running. Throws Error as a launch does when the first start fails
// before the program runs. Each start loads as a launch does, from `fallback` too when the API is out;
// the first from it at once when `refresh_outage` is set (run/fallback.hpp).
int supervise(const Settings& settings, const std::optional<FallbackSettings>& fallback, const Options& options,
              char* const* inherited, const ProcessState& inherited_state, const Notice& say,
              const ApiFailure* refresh_outage = nullptr);

}  // namespace dotenv_run
