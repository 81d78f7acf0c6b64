// dotenv-run: fetch, decrypt, merge, exec. real_main() is the table of contents.
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "cli.hpp"
#include "config.hpp"
#include "environment.hpp"
#include "error.hpp"
#include "exec.hpp"
#include "export_format.hpp"
#include "http.hpp"
#include "merge.hpp"
#include "process.hpp"
#include "secure_memory.hpp"
#include "sources.hpp"
#include "version.hpp"

extern char** environ;

using namespace dotenv_run;

namespace {

void print_notice(std::string_view line) { std::fprintf(stderr, "dotenv-run: %.*s\n", static_cast<int>(line.size()), line.data()); }

GetEnv getenv_of(const EnvironLookup& env) {
  return [&env](std::string_view name) { return env.find(name); };
}

std::filesystem::path current_directory() {
  std::error_code ec;
  std::filesystem::path cwd = std::filesystem::current_path(ec);
  return ec ? std::filesystem::path("/") : cwd;
}

Selection selection_of(const Options& o) { return {o.only, o.exclude, o.prefix}; }

ChildEnvPolicy policy_of(const Options& o) { return {o.preserve_env, o.clean_env, o.keep, o.allow_unsafe_names}; }

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
  if (options.mode == Mode::kVersion) return write_stdout(version_text()), kExitOk;

  SecretArena arena;
  const EnvironLookup launcher_env(environ);
  const Settings settings = resolve_settings(options, getenv_of(launcher_env), current_directory(), arena.resource());
  if (options.verbose > 0) {
    for (const std::string& line : describe_settings(settings)) print_notice(line);
  }

  const std::vector<LoadedSource> sources = load_sources(options, settings, arena.resource(), print_notice);
  const EnvironLookup inherited_env(environ, EnvironLookup::Launcher::kHidden);
  MergeResult merged =
      merge_sources(as_sources(sources), inherited_env, ParseOptions{.expand = !options.no_expand}, arena.resource());
  const std::size_t merged_count = merged.variables.size();
  const Variables secrets = select_variables(std::move(merged.variables), selection_of(options), arena.resource());
  validate_secrets(secrets, options.allow_unsafe_names);

  if (options.mode == Mode::kCheck) {
    leave_network(inherited_state);
    return write_stdout(check_report(sources, merged.counts, merged_count, secrets.size())), kExitOk;
  }
  if (options.mode == Mode::kExport) {
    leave_network(inherited_state);
    return write_stdout(render_export(secrets, options.format, arena.resource())), kExitOk;
  }

  ChildEnvironment child_env = build_child_environment(environ, secrets, policy_of(options), arena.resource());
  check_exec_limits(options.command, child_env);
  leave_network(inherited_state);
  exec_command(options.command, child_env);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return real_main(argc, argv);
  } catch (const Error& e) {
    std::fprintf(stderr, "dotenv-run: error: %s\n", e.what());
    return e.code();
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "dotenv-run: error: out of memory\n");
    return kExitSoftware;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dotenv-run: internal error: %s\n", e.what());
    return kExitSoftware;
  }
}
