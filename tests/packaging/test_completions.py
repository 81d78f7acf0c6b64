#!/usr/bin/python3
# Checks that the bash, zsh and fish completions of both programs know every option of their --help, and drives
# each of them for real in its own shell.
"""Usage: test_completions.py SOURCE_DIR DOTENV_RUN DOTENV_CLOUD"""
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
failures = []


def fail(message):
    failures.append(message)


def help_text(binary):
    return subprocess.run([binary, "--help"], capture_output=True, text=True, check=True).stdout


def help_options(text):
    """(long names, short letters, the -x and --name spellings of those that take a value) from --help."""
    longs, shorts, with_value = set(), set(), set()
    for line in text.splitlines():
        m = re.match(r"^\s+(?:-([A-Za-z]), )?--([a-z][a-z0-9-]*)(?: (\S*[A-Z]\S*))?(?:\s|$)", line)
        if m:
            longs.add(m.group(2))
            if m.group(1):
                shorts.add(m.group(1))
            if m.group(3):
                with_value |= {"--" + m.group(2)} | ({"-" + m.group(1)} if m.group(1) else set())
    return longs, shorts, with_value


def help_commands(text):
    """dotenv-cloud's commands under "Commands:" in --help, as {group: [verbs]} ("whoami": [])."""
    block = text.split("\nCommands:\n", 1)[1].split("\n\n", 1)[0]
    commands = {}
    for line in block.splitlines():
        m = re.match(r"^  ([a-z][a-z-]*)(?: ([a-z]+))?(?:\s|$)", line)
        if m and m.group(1) != "help":  # help [COMMAND]: completed as a command of its own below
            commands.setdefault(m.group(1), [])
            if m.group(2):
                commands[m.group(1)].append(m.group(2))
    return commands


def check_value_lists(path, lists, with_value):
    """The lists a completion uses to skip option values must name exactly the options that take one."""
    if not lists:
        fail(f"{os.path.basename(path)}: the list of options that take a value was not found")
    for words in lists:
        got = set(words.split())
        if got != with_value:
            fail(f"{os.path.basename(path)}: value-taking options listed {sorted(got - with_value)} that take none, "
                 f"and miss {sorted(with_value - got)}")


def check_static(path, longs, shorts, long_pattern, short_pattern, known_pattern):
    """Each option appears in the file, and the file names no option that does not exist."""
    text = open(path, encoding="utf-8").read()
    name = os.path.basename(path)
    for option in sorted(longs):
        if not re.search(long_pattern.format(re.escape(option)), text):
            fail(f"{name}: --{option} is missing")
    for letter in sorted(shorts):
        if not re.search(short_pattern.format(letter), text):
            fail(f"{name}: -{letter} is missing")
    for option in sorted(set(re.findall(known_pattern, text)) - longs):
        fail(f"{name}: names --{option}, which is not an option")


def check_files(program, completions, binary):
    """Static checks and syntax checks of the three files of one program."""
    longs, shorts, with_value = help_options(help_text(binary))
    if len(longs) < 10:
        fail(f"{program}: only {len(longs)} options found in --help")
    bash = os.path.join(completions, f"{program}.bash")
    zsh = os.path.join(completions, f"_{program}")
    fish = os.path.join(completions, f"{program}.fish")
    anywhere = (r"(?<![\w-])--{}(?![\w-])", r"(?<![\w-])-{}(?![\w-])", r"(?<![\w-])--([a-z][a-z0-9-]*)")
    check_static(bash, longs, shorts, *anywhere)
    check_static(zsh, longs, shorts, *anywhere)
    check_static(fish, longs, shorts, r"-l {}(?![\w-])", r"-s {}(?![\w-])", r"(?m)^complete\b.*?\s-l ([a-z][a-z0-9-]*)")
    bash_text, fish_text = open(bash, encoding="utf-8").read(), open(fish, encoding="utf-8").read()
    check_value_lists(bash, re.findall(r"local with_value='([^']*)'", bash_text), with_value)
    check_value_lists(fish, re.findall(r"set -l with_value ((?:[^\n]*\\\n)*[^\n]*)", fish_text.replace("\\\n", " ")) +
                      re.findall(r"__fish_complete_subcommand ([^)]*)\)", fish_text), with_value)
    if not open(zsh, encoding="utf-8").read().startswith(f"#compdef {program}\n"):
        fail(f"_{program} must start with '#compdef {program}'")
    for shell, command in (("bash", ["bash", "-n", bash]), ("zsh", ["zsh", "-n", zsh]),
                           ("fish", ["fish", "--no-execute", fish])):
        run = subprocess.run(command, capture_output=True, text=True)
        if run.returncode != 0:
            fail(f"{shell} syntax check of {command[-1]}: {run.stderr}")
    return longs, bash, zsh, fish


# --- the three shells, driven for real --------------------------------------------------------------

def bash_complete(script, words, env=None):
    """COMPREPLY after calling the program's completion function with these words (the last one is being
    completed)."""
    function = "_" + words[0].replace("-", "_")
    quoted = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
    program = f"""
source '{script}'
COMP_WORDS=({quoted})
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
COMP_LINE="${{COMP_WORDS[*]}}"
COMP_POINT=${{#COMP_LINE}}
{function}
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    run = subprocess.run(["bash", "--norc", "--noprofile", "-c", program], capture_output=True, text=True, env=env)
    if run.returncode != 0 or run.stderr:
        fail(f"bash completion of {words}: exit {run.returncode}, stderr {run.stderr!r}")
    return [line for line in run.stdout.splitlines() if line]


def zsh_complete(completions, words, env=None):
    """The matches zsh offers for the command line (a real interactive zsh in a pty, compinit, Tab)."""
    line = " ".join(words)
    run = subprocess.run(["zsh", "-f", os.path.join(HERE, "zsh_complete.zsh"), completions, line],
                         capture_output=True, text=True, env=env, timeout=60)
    if run.returncode != 0 or run.stderr:
        fail(f"zsh completion of {line!r}: exit {run.returncode}, stderr {run.stderr!r}")
    return [m for m in run.stdout.splitlines() if m]


def fish_complete(script, words, env=None):
    """The candidates of fish's `complete -C` for the command line, after sourcing the script."""
    line = " ".join(words)
    run = subprocess.run(["fish", "--no-config", "-c", f"source {script}; complete -C {quote_fish(line)}"],
                         capture_output=True, text=True, env=env, timeout=60)
    if run.returncode != 0 or run.stderr:
        fail(f"fish completion of {line!r}: exit {run.returncode}, stderr {run.stderr!r}")
    return [m.split("\t", 1)[0] for m in run.stdout.splitlines() if m]


def quote_fish(text):
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


# Each expectation is queued and run_expectations() runs them all at once: a zsh in a pty mostly waits.
expectations = []


def expect(shell, complete, words, expected, env=None, exact=True):
    expectations.append((shell, complete, list(words), expected, env, exact))


def run_expectations():
    def one(job):
        shell, complete, words, expected, env, exact = job
        got = complete(words, env)
        if (sorted(got) != sorted(expected)) if exact else not set(expected) <= set(got):
            fail(f"{shell}: completing {words[1:]} gave {got}, expected {'exactly ' if exact else 'at least '}"
                 f"{expected}")
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(one, expectations))
    count = len(expectations)
    expectations.clear()
    return count


SCRATCH = []


def scratch():
    """A directory holding an empty file "token", kept until the end of the run."""
    SCRATCH.append(tempfile.TemporaryDirectory())
    open(os.path.join(SCRATCH[-1].name, "token"), "w").close()
    return SCRATCH[-1].name


def drivers(completions, bash, zsh, fish):
    """(name, complete function) for each shell."""
    return (("bash", lambda words, env=None: bash_complete(bash, words, env)),
            ("zsh", lambda words, env=None: zsh_complete(completions, words, env)),
            ("fish", lambda words, env=None: fish_complete(fish, words, env)))


def check_dotenv_run(completions, longs, bash, zsh, fish):
    for shell, complete in drivers(completions, bash, zsh, fish):
        expect(shell, complete, ["dotenv-run", "--form"], ["--format"])
        expect(shell, complete, ["dotenv-run", "--format", ""], ["env", "json", "shell"])
        expect(shell, complete, ["dotenv-run", "-p", "api", "--format", "j"], ["json"])
        expect(shell, complete, ["dotenv-run", "--no"], ["--no-expand"])
        expect(shell, complete, ["dotenv-run", "-v", "--pre"], ["--prefix", "--preserve-env"])
        tmp = scratch()
        expect(shell, complete, ["dotenv-run", "--token-file", os.path.join(tmp, "to")],
               [os.path.join(tmp, "token")] if shell != "zsh" else ["token"])
    # bash only: its word splitting, its command completion and its variables.
    complete = drivers(completions, bash, zsh, fish)[0][1]
    expect("bash", complete, ["dotenv-run", "--"], sorted("--" + o for o in longs))
    expect("bash", complete, ["dotenv-run", "--format", "=", ""], ["env", "json", "shell"])
    expect("bash", complete, ["dotenv-run", "-p", ""], [])  # a slug: nothing to guess
    tmp = scratch()
    # Once the command has started, its words are its own: no dotenv-run option is offered.
    expect("bash", complete, ["dotenv-run", "-p", "api", "--", "printf", "--form"], [])
    expect("bash", complete, ["dotenv-run", "-e", "prod", "printf", "--form"], [])
    env = dict(os.environ, DOTENV_TEST_VARIABLE="1")
    expect("bash", complete, ["dotenv-run", "--clean-env", "--keep", "DOTENV_TEST_VAR"], ["DOTENV_TEST_VARIABLE"],
           env)
    # The command word itself completes to commands.
    os.symlink("/bin/true", os.path.join(tmp, "dotenv-test-command"))
    env = dict(os.environ, PATH=tmp + ":" + os.environ.get("PATH", "/usr/bin:/bin"))
    expect("bash", complete, ["dotenv-run", "-p", "api", "dotenv-test-comm"], ["dotenv-test-command"], env)
    expect("bash", complete, ["dotenv-run", "--", "dotenv-test-comm"], ["dotenv-test-command"], env)


def check_dotenv_cloud(completions, commands, bash, zsh, fish):
    groups = sorted(commands) + ["help"]
    for shell, complete in drivers(completions, bash, zsh, fish):
        # Commands and verbs: exactly those of --help (so a command added there must be added here).
        expect(shell, complete, ["dotenv-cloud", ""], groups)
        expect(shell, complete, ["dotenv-cloud", "-p", "api", "pro"], ["projects"])
        for group, verbs in commands.items():
            expect(shell, complete, ["dotenv-cloud", group, ""], verbs)
        expect(shell, complete, ["dotenv-cloud", "help", "proj"], ["projects"])
        expect(shell, complete, ["dotenv-cloud", "--org", "01J0EXAMPLE0ORG0ULID000000", "environments", "cr"],
               ["create"])
        # Each command is offered its own options, wherever they go, and never another command's.
        expect(shell, complete, ["dotenv-cloud", "projects", "delete", "api", "--y"], ["--yes"])
        expect(shell, complete, ["dotenv-cloud", "projects", "list", "--y"], [])
        expect(shell, complete, ["dotenv-cloud", "projects", "list", "--li"], ["--limit"])
        expect(shell, complete, ["dotenv-cloud", "whoami", "--js"], ["--json"])
        expect(shell, complete, ["dotenv-cloud", "-p", "api", "targets", "create", "web", "--na"], ["--name"])
        expect(shell, complete, ["dotenv-cloud", "projects", "create", "x", "--cl"], ["--client-managed"])
        expect(shell, complete, ["dotenv-cloud", "projects", "update", "x", "--sl"], ["--slug"])
        expect(shell, complete, ["dotenv-cloud", "targets", "update", "x", "--cl"], [])
        expect(shell, complete, ["dotenv-cloud", "projects", "--pro"], ["--project"])
        tmp = scratch()
        expect(shell, complete, ["dotenv-cloud", "--token-file", os.path.join(tmp, "to")],
               [os.path.join(tmp, "token")] if shell != "zsh" else ["token"])
        expect(shell, complete, ["dotenv-cloud", "projects", "create", "x", "--new-key-file",
                                 os.path.join(tmp, "to")],
               [os.path.join(tmp, "token")] if shell != "zsh" else ["token"])


def main(source_dir, dotenv_run, dotenv_cloud):
    for shell in ("bash", "zsh", "fish"):
        if not shutil.which(shell):
            fail(f"{shell} is not installed (scripts/install-deps installs it): its completions cannot be tested")
    if failures:
        print("FAIL:", failures[0])
        return 1
    completions = os.path.join(source_dir, "completions")
    run_longs, *run_files = check_files("dotenv-run", completions, dotenv_run)
    check_dotenv_run(completions, run_longs, *run_files)
    cloud_longs, *cloud_files = check_files("dotenv-cloud", completions, dotenv_cloud)
    commands = help_commands(help_text(dotenv_cloud))
    check_dotenv_cloud(completions, commands, *cloud_files)
    count = run_expectations()

    for failure in failures:
        print("FAIL:", failure)
    print(f"dotenv-run: {len(run_longs)} options, dotenv-cloud: {len(cloud_longs)} options and {len(commands)} "
          f"commands, in 6 files; {count} completions driven in bash, zsh and fish; {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
