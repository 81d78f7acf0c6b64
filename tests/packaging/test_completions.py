#!/usr/bin/python3
# Checks that the bash, zsh and fish completions know every option of --help, and drives the bash one for real.
"""Usage: test_completions.py BINARY SOURCE_DIR"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

failures = []


def fail(message):
    failures.append(message)


def help_options(binary):
    """(long names, short letters, the -x and --name spellings of those that take a value) from --help."""
    text = subprocess.run([binary, "--help"], capture_output=True, text=True, check=True).stdout
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


def bash_complete(script, words, env=None):
    """COMPREPLY after calling _dotenv_run with these words (the last one is being completed)."""
    quoted = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
    program = f"""
source '{script}'
COMP_WORDS=({quoted})
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
COMP_LINE="${{COMP_WORDS[*]}}"
COMP_POINT=${{#COMP_LINE}}
_dotenv_run
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    run = subprocess.run(["bash", "--norc", "--noprofile", "-c", program], capture_output=True, text=True, env=env)
    if run.returncode != 0 or run.stderr:
        fail(f"bash completion of {words}: exit {run.returncode}, stderr {run.stderr!r}")
    return [line for line in run.stdout.splitlines() if line]


def expect(script, words, expected, env=None, exact=True):
    got = bash_complete(script, words, env)
    if (sorted(got) != sorted(expected)) if exact else not set(expected) <= set(got):
        fail(f"bash: completing {words[1:]} gave {got}, expected {'exactly ' if exact else 'at least '}{expected}")


def check_bash(script, longs):
    run = subprocess.run(["bash", "-n", script], capture_output=True, text=True)
    if run.returncode != 0:
        fail(f"bash -n {script}: {run.stderr}")
    expect(script, ["dotenv-run", "--form"], ["--format"])
    expect(script, ["dotenv-run", "--format", ""], ["env", "json", "shell"])
    expect(script, ["dotenv-run", "--format", "=", ""], ["env", "json", "shell"])
    expect(script, ["dotenv-run", "-p", "api", "--format", "j"], ["json"])
    expect(script, ["dotenv-run", "--no"], ["--no-expand"])
    expect(script, ["dotenv-run", "-v", "--pre"], ["--prefix", "--preserve-env"])
    expect(script, ["dotenv-run", "--"], sorted("--" + o for o in longs))
    expect(script, ["dotenv-run", "-p", ""], [])  # a slug: nothing to guess
    with tempfile.TemporaryDirectory() as tmp:
        open(os.path.join(tmp, "token"), "w").close()
        expect(script, ["dotenv-run", "--token-file", os.path.join(tmp, "to")], [os.path.join(tmp, "token")])
        # Once the command has started, its words are its own: no dotenv-run option is offered.
        expect(script, ["dotenv-run", "-p", "api", "--", "printf", "--form"], [])
        expect(script, ["dotenv-run", "-e", "prod", "printf", "--form"], [])
        env = dict(os.environ, DOTENV_TEST_VARIABLE="1")
        expect(script, ["dotenv-run", "--clean-env", "--keep", "DOTENV_TEST_VAR"], ["DOTENV_TEST_VARIABLE"], env)
        # The command word itself completes to commands.
        os.symlink("/bin/true", os.path.join(tmp, "dotenv-test-command"))
        env = dict(os.environ, PATH=tmp + ":" + os.environ.get("PATH", "/usr/bin:/bin"))
        expect(script, ["dotenv-run", "-p", "api", "dotenv-test-comm"], ["dotenv-test-command"], env)
        expect(script, ["dotenv-run", "--", "dotenv-test-comm"], ["dotenv-test-command"], env)


def main(binary, source_dir):
    longs, shorts, with_value = help_options(binary)
    if len(longs) < 10:
        fail(f"only {len(longs)} options found in --help")
    completions = os.path.join(source_dir, "completions")
    bash = os.path.join(completions, "dotenv-run.bash")
    zsh = os.path.join(completions, "_dotenv-run")
    fish = os.path.join(completions, "dotenv-run.fish")

    check_static(bash, longs, shorts, r"(?<![\w-])--{}(?![\w-])", r"(?<![\w-])-{}(?![\w-])", r"(?<![\w-])--([a-z][a-z0-9-]*)")
    check_static(zsh, longs, shorts, r"(?<![\w-])--{}(?![\w-])", r"(?<![\w-])-{}(?![\w-])", r"(?<![\w-])--([a-z][a-z0-9-]*)")
    check_static(fish, longs, shorts, r"-l {}(?![\w-])", r"-s {}(?![\w-])",
                 r"(?m)^complete\b.*?\s-l ([a-z][a-z0-9-]*)")
    bash_text, fish_text = open(bash, encoding="utf-8").read(), open(fish, encoding="utf-8").read()
    check_value_lists(bash, re.findall(r"local with_value='([^']*)'", bash_text), with_value)
    check_value_lists(fish, re.findall(r"set -l with_value ((?:[^\n]*\\\n)*[^\n]*)", fish_text.replace("\\\n", " ")) +
                      re.findall(r"__fish_complete_subcommand ([^)]*)\)", fish_text), with_value)
    for path in (bash, zsh, fish):
        if "env json shell" not in open(path, encoding="utf-8").read():
            fail(f"{os.path.basename(path)}: does not offer 'env json shell' for --format")
    check_bash(bash, longs)

    if not open(zsh, encoding="utf-8").read().startswith("#compdef dotenv-run\n"):
        fail("_dotenv-run must start with '#compdef dotenv-run'")
    checked = ["bash"]
    for shell, path, command in (("zsh", zsh, ["zsh", "-n", zsh]), ("fish", fish, ["fish", "--no-execute", fish])):
        if shutil.which(shell):
            run = subprocess.run(command, capture_output=True, text=True)
            if run.returncode != 0:
                fail(f"{shell} syntax check of {path}: {run.stderr}")
            checked.append(shell)

    for failure in failures:
        print("FAIL:", failure)
    print(f"{len(longs)} long and {len(shorts)} short options in 3 files; syntax checked with {', '.join(checked)};"
          f" {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
