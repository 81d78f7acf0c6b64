// dotenv-run: fetch, decrypt, merge, exec. real_main() is the table of contents.
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "api/curl_global.hpp"
#include "api/settings.hpp"
#include "api/version.hpp"
#include "core/error.hpp"
#include "core/export_format.hpp"
#include "core/process.hpp"
#include "core/secure_memory.hpp"
#include "core/stack_wipe.hpp"
#include "run/cli.hpp"
#include "run/environment.hpp"
#include "run/exec.hpp"
#include "run/fallback.hpp"
#include "run/secrets.hpp"
#include "run/sources.hpp"
#include "run/supervisor.hpp"
#include "run/watcher.hpp"

extern char** environ;

using namespace dotenv_run;

namespace {

void print_notice(std::string_view line) {
  std::fprintf(stderr, "dotenv-run: %.*s\n", static_cast<int>(line.size()), line.data());
}

std::filesystem::path current_directory() {
  std::error_code ec;
  std::filesystem::path cwd = std::filesystem::current_path(ec);
  return ec ? std::filesystem::path("/") : cwd;
}

// No socket and no TLS state survive into the child, and what the launcher changed is put
// back: the child, or `--export | head`, sees the signals the launcher inherited.
void leave_network(const ProcessState& inherited_state) {
  http_global_cleanup();
  restore_process_state(inherited_state);
}

int real_main(int argc, char** argv) {
  const ProcessState inherited_state = capture_process_state();
  harden_process();

  const Options options = parse_command_line(argc, argv);
  if (options.mode == Mode::kHelp) return write_stdout(help_text()), kExitOk;
  if (options.mode == Mode::kVersion) return write_stdout(version_text("dotenv-run")), kExitOk;

  SecretArena arena;
  const EnvironLookup launcher_env(environ);
  const std::optional<FallbackSettings> fallback = fallback_settings(options.fallback, launcher_env, arena.resource());
  Settings settings = launch_settings(options.settings, !options.env_files.empty(), launcher_env, current_directory(),
                                      arena.resource(), fallback && fallback->only);
  // A stored login (dotenv-cloud login) past its expiry is refreshed first: a second request
  // only then, so a fresh token still means one request per launch. With a fallback, a refresh
  // the API stayed out for sends the launch to the fallback, as a resolve that gave up would.
  const std::optional<ApiFailure> refresh_outage =
      refresh_login_unless_out(settings, fallback, print_notice, arena.resource());
  const ApiFailure* outage = refresh_outage ? &*refresh_outage : nullptr;
  if (options.verbose > 0) {
    for (const std::string& line : describe_settings(settings)) print_notice(line);
    for (const std::string& line : describe_fallback(fallback)) print_notice(line);
  }

  announce_watch(options, launcher_env, print_notice);
  if (options.watch.restart)
    return supervise(settings, fallback, options, environ, inherited_state, print_notice, outage);
  Watcher watcher = Watcher::start(settings, options, environ);  // before any secret is loaded

  const EnvironLookup inherited_env(environ, kSecretVariables);
  LoadedSecrets loaded = load_secrets(
      [&](std::pmr::memory_resource* mem) {
        return load_sources(settings, fallback, options.env_files, mem, print_notice, outage);
      },
      options, inherited_env, arena.resource());

  if (options.mode == Mode::kCheck) {
    leave_network(inherited_state);
    return write_stdout(check_report(loaded.sources, loaded.counts, loaded.merged_count, loaded.selected_count()) +
                        describe_secret_files(loaded.files)),
           kExitOk;
  }
  if (options.mode == Mode::kExport) {
    leave_network(inherited_state);
    return write_stdout(render_export(loaded.secrets, options.format, arena.resource())), kExitOk;
  }

  ChildEnvironment child_env = program_environment(environ, loaded, options, arena.resource());
  watcher.hand_over(child_env, loaded.files);
  // The memfds are made once every other descriptor is closed, so they are the only ones the launcher passes on.
  leave_network(inherited_state);
  const std::vector<UniqueFd> secret_fds =
      add_secret_files(loaded, inherited_state.inherited_fds, environ, options, child_env, arena.resource());
  exec_command(options.command, child_env);
}

[[noreturn]] void fail(int code, const char* prefix, const char* what) {
  std::fprintf(stderr, "dotenv-run: %s%s\n", prefix, what);
  exit_with_wiped_stack(code);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    exit_with_wiped_stack(real_main(argc, argv));
  } catch (const Error& e) {
    fail(e.code(), "error: ", e.what());
  } catch (const std::bad_alloc&) {
    fail(kExitSoftware, "error: ", "out of memory");
  } catch (const std::exception& e) {
    fail(kExitSoftware, "internal error: ", e.what());
  }
}
