// secrets get|set|import|unset|edit|clear: one level's variables, re-encrypted on this side
// (cloud/level_change.hpp). Values go to stdout only from `secrets get`, never into a line.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "api/retry.hpp"
#include "cloud/commands.hpp"
#include "cloud/confirm.hpp"
#include "cloud/edit_scratch.hpp"
#include "cloud/level_change.hpp"
#include "cloud/secret_input.hpp"
#include "cloud/session.hpp"
#include "core/dotenv.hpp"
#include "core/dotenv_edit.hpp"
#include "core/error.hpp"
#include "core/export_format.hpp"
#include "core/lookup.hpp"
#include "core/names.hpp"
#include "core/text.hpp"

namespace dotenv_run {

namespace {

// The engine for the session's level; the token and a client-managed key are read here.
LevelEditor editor_of(Session& session) {
  LevelRef ref = level_of(session);
  ApiClient& client = session.client();
  return LevelEditor(
      client, std::move(ref), session.settings().key, system_retry_environment(),
      [&session](std::string_view line) { session.notice(line); }, session.memory());
}

std::string version_text(const ChangeResult& result) { return fmt::format("version {}", result.version); }

void check_key(std::string_view name) {
  if (!is_dotenv_key(name)) {
    throw Error(kExitUsage, fmt::format("invalid variable name '{}' (expected letters, digits, _ . -, not starting "
                                        "with a digit, . or -)",
                                        sanitized(name)));
  }
}

// `secrets set NAME`: a NAME=VALUE is refused as such, pointing to stdin.
void check_name(std::string_view name) {
  if (name.find('=') != std::string_view::npos) {
    throw Error(kExitUsage, fmt::format("secrets set takes a NAME only: a value is never taken from the command line; "
                                        "give it on stdin (printf %s \"$VALUE\" | dotenv-cloud secrets set {}) or "
                                        "type it at the prompt",
                                        sanitized(name.substr(0, name.find('=')))));
  }
  check_key(name);
}

std::optional<std::string> environment_variable(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

void say(std::string_view line) { write_stdout(fmt::format("{}\n", line)); }

// --- secrets get

ExportFormat format_of(const CommandLine& line) {
  const std::string format = line.json ? "json" : line.format.value_or("env");
  if (line.json && line.format && *line.format != "json")
    throw Error(kExitUsage,
                fmt::format("--json and --format {} disagree (see dotenv-cloud help secrets get)", *line.format));
  if (format == "json") return ExportFormat::kJson;
  if (format == "shell") return ExportFormat::kShell;
  return ExportFormat::kEnv;
}

void secrets_get(Session& session) {
  const ExportFormat format = format_of(session.line());
  LevelEditor editor = editor_of(session);
  const LevelText level = editor.read();
  std::pmr::memory_resource* mem = session.memory();
  // The values as the level stores them: references are shown as written, never resolved
  // against other levels or this machine's environment (dotenv-run does that at launch).
  const Variables variables = parse_dotenv(level.text, editor.ref().source(), MapLookup{}, ParseOptions{false}, mem);
  if (session.args().empty()) return write_stdout(render_export(variables, format, mem));
  const std::string& name = session.args()[0];
  for (const Variable& v : variables) {
    if (std::string_view(v.name) == name) return write_stdout(v.value);  // raw, no newline added: for $(...)
  }
  throw Error(kExitDataError, fmt::format("{} is not set in {}", sanitized(name), editor.ref().name()));
}

// --- secrets set

void secrets_set(Session& session) {
  const std::string& name = session.args()[0];
  check_name(name);
  const SecretString value = read_secret_value(name, session.memory());
  LevelEditor editor = editor_of(session);
  const ChangeResult result = editor.apply([&](std::string_view text, std::pmr::memory_resource* mem) {
    DotenvDocument doc(text, editor.ref().source(), mem);
    doc.set(name, value);
    return std::optional<SecretString>(secret_copy(doc.text(), mem));
  });
  if (!result.changed)
    return say(fmt::format("{} in {} already has that value; nothing was sent", name, editor.ref().name()));
  say(fmt::format("set {} in {} ({})", name, editor.ref().name(), version_text(result)));
}

// --- secrets import

void secrets_import(Session& session) {
  const std::string& path = session.args()[0];
  const std::string source = path == "-" ? "stdin" : fmt::format("file {}", sanitized(path));
  std::pmr::memory_resource* mem = session.memory();
  const SecretString text = read_import_text(path, mem);
  // The file must parse before anything is read or sent (the same parse the merge uses).
  parse_dotenv(text, source, MapLookup{}, ParseOptions{true}, mem);
  const bool replace = session.line().replace;
  LevelEditor editor = editor_of(session);
  ImportSummary summary;
  const ChangeResult result = editor.apply([&](std::string_view current, std::pmr::memory_resource* m) {
    DotenvDocument doc(current, editor.ref().source(), m);
    summary = replace ? doc.replace(text, source, MapLookup{}) : doc.merge(text, source, MapLookup{});
    return std::optional<SecretString>(secret_copy(doc.text(), m));
  });
  const std::string counts = fmt::format("{} added, {} updated{}", summary.added, summary.updated,
                                         replace ? fmt::format(", {} removed", summary.removed) : std::string());
  if (!result.changed) return say(fmt::format("{} already holds {}; nothing was sent", editor.ref().name(), source));
  say(fmt::format("imported {} into {}: {} ({})", source, editor.ref().name(), counts, version_text(result)));
}

// --- secrets unset

void secrets_unset(Session& session) {
  for (const std::string& name : session.args()) check_key(name);
  LevelEditor editor = editor_of(session);
  std::vector<std::string> missing;
  const ChangeResult result = editor.apply([&](std::string_view text, std::pmr::memory_resource* mem) {
    missing.clear();
    DotenvDocument doc(text, editor.ref().source(), mem);
    for (const std::string& name : session.args()) {
      if (!doc.unset(name)) missing.push_back(name);
    }
    return std::optional<SecretString>(secret_copy(doc.text(), mem));
  });
  for (const std::string& name : missing) session.notice(fmt::format("{} is not set in {}", name, editor.ref().name()));
  if (!result.changed) return say(fmt::format("nothing to unset in {}; nothing was sent", editor.ref().name()));
  std::vector<std::string> removed;
  for (const std::string& name : session.args()) {
    if (std::find(missing.begin(), missing.end(), name) == missing.end()) removed.push_back(name);
  }
  say(fmt::format("unset {} in {} ({})", fmt::join(removed, ", "), editor.ref().name(), version_text(result)));
}

// --- secrets edit

bool on_terminal() { return ::isatty(STDIN_FILENO) && ::isatty(STDERR_FILENO); }

// "Edit again? [Y/n]" on a terminal; anything but n/no is yes.
bool ask_edit_again() {
  std::fprintf(stderr, "Edit again? [Y/n] ");
  std::fflush(stderr);
  std::string answer;
  char c = 0;
  while (answer.size() < 16 && ::read(STDIN_FILENO, &c, 1) == 1 && c != '\n') answer += c;
  return answer != "n" && answer != "N" && answer != "no" && answer != "No" && answer != "NO";
}

std::string editor_command() {
  for (const char* name : {"VISUAL", "EDITOR"}) {
    if (auto value = environment_variable(name); value && !value->empty()) return *value;
  }
  throw Error(kExitConfig, "no editor: set VISUAL or EDITOR (for example EDITOR=nano)");
}

void secrets_edit(Session& session) {
  const std::string editor_text = editor_command();
  const LevelRef ref = level_of(session);
  // The RAM directory first: with none, nothing is read at all.
  RamScratch scratch(environment_variable("XDG_RUNTIME_DIR"), fmt::format("{}.env", ref.slug()));
  LevelEditor editor = editor_of(session);
  std::pmr::memory_resource* mem = session.memory();
  const LevelText original = editor.read();
  scratch.write(original.text);
  SecretString edited(mem);
  for (;;) {
    run_editor(editor_text, scratch.path());
    edited = scratch.read(mem);
    if (edited == original.text) return say(fmt::format("{} is unchanged; nothing was sent", ref.name()));
    try {
      check_level_text(edited, "the edited file", mem);
      break;
    } catch (const Error& e) {
      if (!on_terminal()) throw Error(kExitDataError, fmt::format("{}; nothing was sent", e.what()));
      session.notice(fmt::format("error: {}", e.what()));
      if (!ask_edit_again()) throw Error(kExitDataError, fmt::format("{}; nothing was sent", e.what()));
    }
  }
  // The edit replaces the text the editor started from, so it applies only while the level
  // still holds that text: a change made meanwhile by someone else is never overwritten.
  const ChangeResult result = editor.apply([&](std::string_view current, std::pmr::memory_resource* m) {
    if (current != original.text) {
      throw Error(kExitTempFail, fmt::format("{} was changed by someone else while it was being edited; nothing was "
                                             "written: run secrets edit again",
                                             ref.name()));
    }
    return std::optional<SecretString>(secret_copy(edited, m));
  });
  say(fmt::format("saved {} ({})", ref.name(), version_text(result)));
}

// --- secrets clear

void secrets_clear(Session& session) {
  const LevelRef ref = level_of(session);
  confirm(fmt::format("Clear every secret of {}? (its text is kept as a backup version)", ref.name()),
          fmt::format("clearing {}", ref.name()), session.line().yes);
  LevelEditor editor = editor_of(session);
  const ChangeResult result = editor.clear();
  if (!result.changed) return say(fmt::format("{} holds no secrets; nothing to clear", ref.name()));
  say(fmt::format("cleared {} (its last text is kept as a backup version)", ref.name()));
}

constexpr Command kSecretsCommands[] = {
    {"secrets get", "[NAME] [--format env|json|shell]", "show a level's variables, or one value",
     "Decrypts the level named by -p, -t and -e (the deepest given) and prints its variables as .env lines "
     "(--format env, the default), one JSON object (--format json or --json) or shell export lines (--format "
     "shell). Values are shown as the level stores them: a reference such as ${HOST} is printed as written, not "
     "resolved (dotenv-run resolves it at launch against the levels above and the environment). With NAME, prints "
     "that value alone, raw, with no newline added, for VAR=$(dotenv-cloud secrets get NAME); a NAME the level does "
     "not set is exit 65.",
     kOptionJson | kOptionFormat, 0, 1, secrets_get},
    {"secrets set", "NAME", "set one variable (the value from stdin or a prompt)",
     "Sets NAME in the level, re-encrypted on this machine. The value is read from stdin, one trailing newline "
     "removed; on a terminal it is asked for twice without echo. A value is never taken from the command line: "
     "secrets set NAME=VALUE is a usage error. Only NAME's line changes; comments, order and other values stay as "
     "they are. A write that conflicts with another one is read again and re-applied (up to 5 times, then exit 75).",
     0, 1, 1, secrets_set},
    {"secrets import", "FILE|- [--replace]", "merge a .env file into the level",
     "Reads FILE (or stdin for -), which must parse as a .env file, and sets each variable it assigns in the level "
     "(references in the file are resolved within the file, and the result is stored literally); the level's other "
     "variables stay. With --replace the level ends up with exactly the file's variables.",
     kOptionReplace, 1, 1, secrets_import},
    {"secrets unset", "NAME...", "remove variables",
     "Removes every line that sets one of the NAMEs. A NAME the level does not set is reported on stderr and is not "
     "an error (exit 0), as with the shell's unset.",
     0, 1, 1000, secrets_unset},
    {"secrets edit", "", "edit the level's .env in $VISUAL or $EDITOR",
     "Decrypts the level into a file on a RAM file system ($XDG_RUNTIME_DIR when it is tmpfs, else /dev/shm; "
     "refused when neither is), in a new 0700 directory, and opens it in $VISUAL or $EDITOR. The file is removed "
     "when the command ends, whatever ends it. When the file changed and parses, it is written back; an invalid "
     "file is reported with its line and, on a terminal, offered again; nothing invalid is uploaded. If someone "
     "else changed the level meanwhile, nothing is written (exit 75).",
     0, 0, 0, secrets_edit},
    {"secrets clear", "[--yes]", "remove every variable of the level",
     "Clears the level's blob; the server keeps its last text as a backup version. Asks for confirmation on a "
     "terminal; elsewhere it needs --yes (without it: exit 64, nothing cleared).",
     kOptionYes, 0, 0, secrets_clear},
};

}  // namespace

std::span<const Command> secrets_commands() { return kSecretsCommands; }

}  // namespace dotenv_run
