#!/usr/bin/python3
# Keeps each program's man page, --help, getopt table and src/core/exit_codes.hpp in step, and the pages warning-free.
"""Usage: test_man.py SOURCE_DIR BINARY...

For each BINARY (dotenv-run, dotenv-cloud): fails when an option of --help is missing
from man/<program>.1 (or the reverse), when --help and the getopt table (the settings
options of src/api/setting_options.cpp plus the program's own cli.cpp) disagree (names,
short letters, which ones take a value), when the EXIT STATUS table differs from
src/core/exit_codes.hpp (less the codes the program never returns), when an environment
variable the code reads is not documented, when the names refused as secrets printed under
SECURITY differ from the list in src/run/unsafe_names.cpp, when a command of --help is missing from the
page's COMMANDS (or the reverse), or when groff or man warn about the page.
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


# What differs between the programs: where their options are defined, the code they are built from, the
# sections their page must have and the exit codes they never return (given the header's text).
PROGRAMS = {
    "dotenv-run": {"cli": "src/run/cli.cpp", "layers": ("core", "api", "run"), "sections": ("THE .ENV FORMAT",),
                   "never_exits": lambda header: cloud_only_exit_codes(header), "variables": {"LISTEN_FDS"}},
    "dotenv-cloud": {"cli": "src/cloud/cli.cpp", "layers": ("core", "api", "cloud"), "sections": ("COMMANDS",),
                     "never_exits": lambda header: set(), "variables": set()},
}
SETTING_OPTIONS = "src/api/setting_options.cpp"


# --- the getopt tables -------------------------------------------------------------------------

def getopt_table(cli_source, settings_source):
    """Maps each long option of the settings table and the program's kLongOptions to (short letter or None,
    takes a value), and reads the short letters of the program's kShortOptions."""
    shorts = re.search(r'kShortOptions\s*=\s*"([^"]*)"', cli_source).group(1).lstrip("+:")
    short_takes_value = {}
    for i, c in enumerate(shorts):
        if c != ":":
            short_takes_value[c] = i + 1 < len(shorts) and shorts[i + 1] == ":"
    table = {}
    for name, kind, val in re.findall(r'\{"([a-z][a-z0-9-]*)",\s*(required_argument|no_argument|optional_argument),'
                                      r"\s*nullptr,\s*('.'|k\w+)\}", settings_source + cli_source):
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


# --- commands (dotenv-cloud) -----------------------------------------------------------------

def command_name(usage):
    """The command words at the start of a usage ("projects create SLUG [--name NAME]" -> "projects create")."""
    words = []
    for word in usage.split():
        if not re.fullmatch(r"[a-z][a-z-]*", word):
            break
        words.append(word)
    return " ".join(words)


def help_commands(help_text):
    """The commands listed under "Commands:" in --help."""
    if "\nCommands:\n" not in help_text:
        return set()
    block = help_text.split("\nCommands:\n", 1)[1].split("\n\n", 1)[0]
    return {command_name(re.split(r"\s{2,}", line.strip())[0]) for line in block.splitlines()
            if re.match(r"^  [a-z]", line)}


def man_commands(lines):
    return {command_name(plain(heading)) for heading in tagged_headings(lines)}


UNSAFE_NAMES = "src/run/unsafe_names.cpp"


def unsafe_names_of_code(source):
    """The refused names of kNames, and the prefixes of kPrefixes written NAME*."""
    prefixes = source[source.index("kPrefixes[]"):source.index("kNames[]")]
    names = source[source.index("kNames[]"):]
    names = names[:names.index("};")]
    entry = re.compile(r'^\s*"([A-Za-z0-9_]+)",', re.M)
    return {p + "*" for p in entry.findall(prefixes)} | set(entry.findall(names))


def unsafe_names_of_man(lines):
    """The names in the SECURITY section's indented (.RS/.RE) list."""
    text = "\n".join(lines)
    start = text.find(".RS\n.nh\n")
    if start < 0:
        return set()
    block = text[start:text.index(".RE", start)]
    return {w for w in re.split(r"[,\s]+", block) if w and not w.startswith(".")}


def check_program(check, binary, source_dir):
    program = os.path.basename(binary)
    config = PROGRAMS[program]
    read = lambda rel: open(os.path.join(source_dir, rel), encoding="utf-8").read()
    man_path = os.path.join(source_dir, "man", f"{program}.1")
    page = read(f"man/{program}.1")
    help_text = subprocess.run([binary, "--help"], capture_output=True, text=True, check=True).stdout
    by_section = sections(page)
    where = f"{program}:"

    for title in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "ENVIRONMENT", "FILES", "EXIT STATUS", "SECURITY",
                  "EXAMPLES") + config["sections"]:
        check.true(f"{where} the man page has no {title} section", title in by_section)

    helped = help_options(help_text)
    table, short_takes_value = getopt_table(read(config["cli"]), read(SETTING_OPTIONS))
    documented = man_options(by_section.get("OPTIONS", []))
    check.true(f"{where} no option found in --help", len(helped) > 10)

    # The three lists of options: names, short letters, and which ones take a value.
    check.equal(f"{where} long options: --help vs the getopt tables in {SETTING_OPTIONS} and {config['cli']}",
                set(helped), set(table))
    check.equal(f"{where} long options: the man page's OPTIONS vs --help", set(documented), set(helped))
    for name in sorted(set(helped) & set(table)):
        check.equal(f"{where} {name}: (short letter, takes a value) in --help vs getopt table", helped[name],
                    table[name])
    for name in sorted(set(documented) & set(helped)):
        check.equal(f"{where} {name}: (short letter, takes a value) in the man page vs --help", documented[name],
                    helped[name])
    for name, (letter, takes_value) in table.items():
        if letter is not None:
            check.equal(f"{where} -{letter} ({name}): takes a value in kShortOptions vs the long options",
                        short_takes_value.get(letter), takes_value)
    check.equal(f"{where} short options: kShortOptions vs the long options", set(short_takes_value),
                {letter for letter, _ in table.values() if letter})

    # Every option named anywhere in --help, or in the man page outside its examples, exists.
    for name in sorted(set(LONG.findall(help_text)) - set(table)):
        check.true(f"{where} --help mentions {name}, which is not an option", False)
    prose = "\n".join(plain(line) for title, lines in by_section.items() if title != "EXAMPLES" for line in lines)
    foreign = {"--pinnedpubkey"}  # curl(1)'s option, named for comparison
    for name in sorted(set(LONG.findall(prose)) - set(table) - foreign):
        check.true(f"{where} the man page mentions {name}, which is not an option", False)

    # COMMANDS: the same commands as --help lists (from the command table), when the program has commands.
    if "COMMANDS" in config["sections"]:
        listed = help_commands(help_text)
        check.true(f"{where} no command found in --help", len(listed) > 5)
        check.equal(f"{where} commands: the man page's COMMANDS vs --help", man_commands(by_section.get("COMMANDS", [])),
                    listed)

    # EXIT STATUS: the same numbers as the header, less those the program never returns (and the summary in --help).
    header = read("src/core/exit_codes.hpp")
    header_codes = exit_codes_of_header(header) - config["never_exits"](header)
    check.true(f"{where} no exit code found in src/core/exit_codes.hpp", len(header_codes) >= 8)
    check.equal(f"{where} EXIT STATUS codes in the man page vs src/core/exit_codes.hpp",
                exit_codes_of_man(by_section.get("EXIT STATUS", [])), header_codes)
    summary = help_text[help_text.find("Exit status:"):]
    check.equal(f"{where} exit codes in the --help summary vs src/core/exit_codes.hpp (but 0)",
                {int(n) for n in re.findall(r"\b(\d{2,3})\b", summary)}, header_codes - {0})
    if program == "dotenv-run":
        check.true(f"{where} the EXIT STATUS section does not say the command's own status is passed through",
                   "its own" in " ".join(by_section.get("EXIT STATUS", [])))

    # ENVIRONMENT: every DOTENV_CLOUD_* variable the code reads, and the others it depends on.
    code = "".join(read(os.path.join("src", layer, f)) for layer in config["layers"]
                   for f in sorted(os.listdir(os.path.join(source_dir, "src", layer))))
    variables = set(re.findall(r"\b(DOTENV_CLOUD_[A-Z][A-Z_]*[A-Z])\b", code))
    variables |= {v + "_FILE" for v in variables if v in ("DOTENV_CLOUD_TOKEN", "DOTENV_CLOUD_KEY")}
    variables |= {"CREDENTIALS_DIRECTORY", "XDG_CONFIG_HOME", "HOME", "HTTPS_PROXY", "NO_PROXY", "SSLKEYLOGFILE"}
    variables |= config["variables"]
    check.true(f"{where} no DOTENV_CLOUD_ variable found in src/", len(variables) > 8)
    environment = {w.rstrip(",") for h in tagged_headings(by_section.get("ENVIRONMENT", [])) for w in plain(h).split()}
    check.equal(f"{where} variables the code reads vs those ENVIRONMENT describes", variables - environment, set())

    # FILES: the project file, the user config and the credential names the code uses.
    files = "\n".join(plain(line) for line in by_section.get("FILES", []))
    wanted = set(re.findall(r'"(\.dotenv-cloud\.json|dotenv-cloud-(?:token|key))"', code))
    wanted |= {"dotenv-cloud/config.json", "$XDG_CONFIG_HOME", "~/.config"}
    check.true(f"{where} the project file name is not found in src/", ".dotenv-cloud.json" in wanted)
    check.equal(f"{where} names the code uses vs those FILES gives", {w for w in wanted if w not in files}, set())

    # SECURITY: the names refused as secrets, the same as the one list in the code.
    if program == "dotenv-run":
        listed, printed = unsafe_names_of_code(read(UNSAFE_NAMES)), unsafe_names_of_man(by_section.get("SECURITY", []))
        check.true(f"{where} no name found in {UNSAFE_NAMES}", len(listed) > 50)
        check.equal(f"{where} refused names: the man page's SECURITY vs {UNSAFE_NAMES}", printed, listed)

    for problem in groff_warnings(man_path):
        check.true(f"{where} {problem}", False)
    return f"{program}: {len(helped)} options, {len(header_codes)} exit codes, {len(variables)} variables"


def main(source_dir, binaries):
    check = Checker()
    summaries = [check_program(check, binary, source_dir) for binary in binaries]
    for failure in check.failures:
        print("FAIL:", failure)
    print(f"{'; '.join(summaries)} checked; {len(check.failures)} failures")
    return 1 if check.failures else 0


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2:]))
