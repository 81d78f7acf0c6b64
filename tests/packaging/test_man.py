#!/usr/bin/python3
# Keeps man/dotenv-run.1, --help, the getopt table in src/run/cli.cpp and src/core/exit_codes.hpp in step, and the page warning-free.
"""Usage: test_man.py BINARY SOURCE_DIR

Fails when an option of --help is missing from the man page (or the reverse), when
--help and the getopt table disagree (names, short letters, which ones take a value),
when the EXIT STATUS table differs from src/core/exit_codes.hpp, when an environment
variable the code reads is not documented, or when groff or man warn about the page.
"""
import os
import re
import shutil
import subprocess
import sys

LONG = re.compile(r"--[a-z][a-z0-9-]*")


class Checker:
    def __init__(self):
        self.failures = []

    def equal(self, what, got, expected):
        if got == expected:
            return
        if isinstance(got, set) and isinstance(expected, set):
            self.failures.append(f"{what}: only in the first {sorted(got - expected)}, "
                                 f"only in the second {sorted(expected - got)}")
        else:
            self.failures.append(f"{what}: {got!r} vs {expected!r}")

    def true(self, what, condition):
        if not condition:
            self.failures.append(what)


# --- --help -------------------------------------------------------------------------------

def help_options(help_text):
    """Maps each long option defined in --help to (short letter or None, takes a value)."""
    options = {}
    for line in help_text.splitlines():
        m = re.match(r"^\s+(?:-([A-Za-z]), )?(--[a-z][a-z0-9-]*)(?: (\S*[A-Z]\S*))?(?:\s|$)", line)
        if m:
            options[m.group(2)] = (m.group(1), m.group(3) is not None)
    return options


# --- src/run/cli.cpp ----------------------------------------------------------------------------

def getopt_table(cli_source):
    """Maps each long option of kLongOptions to (short letter or None, takes a value),
    and checks the short letters against kShortOptions."""
    shorts = re.search(r'kShortOptions\s*=\s*"([^"]*)"', cli_source).group(1).lstrip("+:")
    short_takes_value = {}
    for i, c in enumerate(shorts):
        if c != ":":
            short_takes_value[c] = i + 1 < len(shorts) and shorts[i + 1] == ":"
    table = {}
    for name, kind, val in re.findall(r'\{"([a-z][a-z0-9-]*)",\s*(required_argument|no_argument|optional_argument),'
                                      r"\s*nullptr,\s*('.'|k\w+)\}", cli_source):
        letter = val[1] if val.startswith("'") else None
        table["--" + name] = (letter, kind == "required_argument")
    return table, short_takes_value


# --- the man page ---------------------------------------------------------------------------

def plain(line):
    """Roff line to plain text, good enough for option names and numbers."""
    line = re.sub(r"^\.(?:B|I|BI|IB|BR|RB|IR|RI|TP|TQ|IP)\b\s*", "", line)
    line = line.replace("\\%", "").replace("\\-", "-").replace("\\e", "\\").replace("\\&", "")
    line = re.sub(r"\\f[BIRP]", "", line)
    return line.replace('"', " ")


def sections(page):
    """Maps each .SH title to its lines."""
    out, current = {}, None
    for line in page.splitlines():
        m = re.match(r'^\.SH\s+"?(.*?)"?\s*$', line)
        if m:
            current = m.group(1)
            out[current] = []
        elif current is not None:
            out[current].append(line)
    return out


def tagged_headings(lines):
    """The heading line of every .TP (and each .TQ after it) in a section."""
    headings = []
    for i, line in enumerate(lines):
        if line.startswith((".TP", ".TQ")) and i + 1 < len(lines):
            headings.append(lines[i + 1])
    return headings


def man_options(option_lines):
    options = {}
    for heading in tagged_headings(option_lines):
        words = [w.rstrip(",") for w in plain(heading).split()]
        shorts = [w[1] for w in words if re.fullmatch(r"-[A-Za-z]", w)]
        for i, word in enumerate(words):
            if LONG.fullmatch(word):
                value = i + 1 < len(words) and not words[i + 1].startswith("-")
                options[word] = (shorts[0] if shorts else None, value)
    return options


def exit_codes_of_header(header):
    return {int(n) for n in re.findall(r"kExit\w+\s*=\s*(\d+)\s*,", header)}


def cloud_only_exit_codes(header):
    """Codes whose comment in the header says "dotenv-cloud only": dotenv-run never exits with them."""
    return {int(n) for n in re.findall(r"kExit\w+\s*=\s*(\d+)\s*,[^\n]*dotenv-cloud only", header)}


def exit_codes_of_man(lines):
    codes = set()
    for heading in tagged_headings(lines):
        m = re.fullmatch(r"\.B\s+(\d+)\s*", heading)
        if m:
            codes.add(int(m.group(1)))
    return codes


def groff_warnings(path):
    problems = []
    run = subprocess.run(["groff", "-ww", "-man", "-Tutf8", "-z", path], capture_output=True, text=True)
    if run.returncode != 0 or run.stderr.strip():
        problems.append(f"groff -ww -man reports:\n{run.stderr}")
    if shutil.which("man"):
        env = dict(os.environ, MANWIDTH="80", MAN_KEEP_FORMATTING="0", LC_ALL="C.UTF-8")
        run = subprocess.run(["man", "--warnings", "-l", path], capture_output=True, text=True, env=env)
        if run.returncode != 0 or run.stderr.strip():
            problems.append(f"man --warnings reports:\n{run.stderr}")
    return problems


def main(binary, source_dir):
    check = Checker()
    read = lambda rel: open(os.path.join(source_dir, rel), encoding="utf-8").read()
    man_path = os.path.join(source_dir, "man", "dotenv-run.1")
    page = read("man/dotenv-run.1")
    help_text = subprocess.run([binary, "--help"], capture_output=True, text=True, check=True).stdout
    by_section = sections(page)

    for title in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "ENVIRONMENT", "FILES", "EXIT STATUS", "SECURITY",
                  "EXAMPLES", "THE .ENV FORMAT"):
        check.true(f"the man page has no {title} section", title in by_section)

    helped = help_options(help_text)
    table, short_takes_value = getopt_table(read("src/run/cli.cpp"))
    documented = man_options(by_section.get("OPTIONS", []))
    check.true("no option found in --help", len(helped) > 10)

    # The three lists of options: names, short letters, and which ones take a value.
    check.equal("long options: --help vs the getopt table in src/run/cli.cpp", set(helped), set(table))
    check.equal("long options: the man page's OPTIONS vs --help", set(documented), set(helped))
    for name in sorted(set(helped) & set(table)):
        check.equal(f"{name}: (short letter, takes a value) in --help vs getopt table", helped[name], table[name])
    for name in sorted(set(documented) & set(helped)):
        check.equal(f"{name}: (short letter, takes a value) in the man page vs --help", documented[name], helped[name])
    for name, (letter, takes_value) in table.items():
        if letter is not None:
            check.equal(f"-{letter} ({name}): takes a value in kShortOptions vs kLongOptions",
                        short_takes_value.get(letter), takes_value)
    check.equal("short options: kShortOptions vs kLongOptions", set(short_takes_value),
                {letter for letter, _ in table.values() if letter})

    # Every option named anywhere in --help, or in the man page outside its examples, exists.
    for name in sorted(set(LONG.findall(help_text)) - set(table)):
        check.true(f"--help mentions {name}, which is not an option", False)
    prose = "\n".join(plain(line) for title, lines in by_section.items() if title != "EXAMPLES" for line in lines)
    foreign = {"--pinnedpubkey"}  # curl(1)'s option, named for comparison
    for name in sorted(set(LONG.findall(prose)) - set(table) - foreign):
        check.true(f"the man page mentions {name}, which is not an option", False)

    # EXIT STATUS: the same numbers as the header (and as the summary in --help), but for the
    # codes only dotenv-cloud uses, which dotenv-run's page and --help must not list.
    header = read("src/core/exit_codes.hpp")
    header_codes = exit_codes_of_header(header)
    launcher_codes = header_codes - cloud_only_exit_codes(header)
    check.true("no exit code found in src/core/exit_codes.hpp", len(launcher_codes) >= 8)
    check.equal("EXIT STATUS codes in the man page vs src/core/exit_codes.hpp (but dotenv-cloud's own)",
                exit_codes_of_man(by_section.get("EXIT STATUS", [])), launcher_codes)
    summary = help_text[help_text.find("Exit status:"):]
    check.equal("exit codes in the --help summary vs src/core/exit_codes.hpp (but 0 and dotenv-cloud's own)",
                {int(n) for n in re.findall(r"\b(\d{2,3})\b", summary)}, launcher_codes - {0})
    check.true("the EXIT STATUS section does not say the command's own status is passed through",
               "its own" in " ".join(by_section.get("EXIT STATUS", [])))

    # ENVIRONMENT: every DOTENV_CLOUD_* variable the code reads, and the others it depends on.
    code = "".join(read(os.path.join("src", layer, f)) for layer in ("core", "api", "run")
                   for f in sorted(os.listdir(os.path.join(source_dir, "src", layer))))
    variables = set(re.findall(r"\b(DOTENV_CLOUD_[A-Z][A-Z_]*[A-Z])\b", code))
    variables |= {v + "_FILE" for v in variables if v in ("DOTENV_CLOUD_TOKEN", "DOTENV_CLOUD_KEY")}
    variables |= {"CREDENTIALS_DIRECTORY", "XDG_CONFIG_HOME", "HOME", "HTTPS_PROXY", "NO_PROXY", "SSLKEYLOGFILE",
                  "LISTEN_FDS"}
    check.true("no DOTENV_CLOUD_ variable found in src/", len(variables) > 8)
    environment = {w.rstrip(",") for h in tagged_headings(by_section.get("ENVIRONMENT", [])) for w in plain(h).split()}
    check.equal("variables the code reads vs those ENVIRONMENT describes", variables - environment, set())

    # FILES: the project file, the user config and the credential names the code uses.
    files = "\n".join(plain(line) for line in by_section.get("FILES", []))
    wanted = set(re.findall(r'"(\.dotenv-cloud\.json|dotenv-cloud-(?:token|key))"', code))
    wanted |= {"dotenv-cloud/config.json", "$XDG_CONFIG_HOME", "~/.config"}
    check.true("the project file name is not found in src/", ".dotenv-cloud.json" in wanted)
    check.equal("names the code uses vs those FILES gives", {w for w in wanted if w not in files}, set())

    for problem in groff_warnings(man_path):
        check.true(problem, False)

    for failure in check.failures:
        print("FAIL:", failure)
    print(f"{len(helped)} options, {len(header_codes)} exit codes, {len(variables)} variables checked;"
          f" {len(check.failures)} failures")
    return 1 if check.failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
