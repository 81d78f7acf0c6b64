#!/usr/bin/python3
# Runs the shared .env vectors through the real binary: `--env-file FILE --export --format json`.
"""Usage: run_cases.py DOTENV_RUN_BINARY CASES_JSON

For every case, the input is written byte-exact to a file in a fresh temporary
directory, and the binary runs there with an environment of exactly the case's
`env` map (nothing else). A normal case must exit 0 and print one JSON object
equal to `expect` (key order does not matter). An error case must exit 65
(EX_DATAERR: a bad .env line) and print nothing on stdout; a crash does not count.
"""

import json
import os
import subprocess
import sys
import tempfile

EXIT_DATA_ERROR = 65


def shorten(text, limit=200):
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


def no_duplicate_keys(pairs):
    result = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r} in the output")
        result[key] = value
    return result


def run_case(binary, case):
    """Returns None when the case passes, else a one-line reason."""
    with tempfile.TemporaryDirectory(prefix="dotenv-case-") as cwd:
        path = os.path.join(cwd, "case.env")
        with open(path, "wb") as f:
            f.write(case["input"].encode("utf-8"))
        try:
            proc = subprocess.run(
                [binary, "--env-file", path, "--export", "--format", "json"],
                cwd=cwd, env=dict(case.get("env", {})), stdin=subprocess.DEVNULL,
                capture_output=True, timeout=30)
        except subprocess.TimeoutExpired:
            return "timed out"
    stderr = proc.stderr.decode("utf-8", "replace").strip()

    if case.get("error", False):
        if proc.returncode != EXIT_DATA_ERROR:
            return f"expected exit {EXIT_DATA_ERROR}, got {proc.returncode} (stderr: {stderr!r})"
        if proc.stdout:
            return f"expected no output, got {shorten(repr(proc.stdout))}"
        return None

    if proc.returncode != 0:
        return f"expected exit 0, got {proc.returncode} (stderr: {stderr!r})"
    try:
        got = json.loads(proc.stdout.decode("utf-8"), object_pairs_hook=no_duplicate_keys)
    except ValueError as e:
        return f"output is not one JSON object: {e}: {shorten(repr(proc.stdout))}"
    if not isinstance(got, dict):
        return f"output is not a JSON object: {shorten(repr(proc.stdout))}"
    if got != case["expect"]:
        want = json.dumps(case["expect"], sort_keys=True)
        return f"expected {shorten(want)}, got {shorten(json.dumps(got, sort_keys=True))}"
    return None


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    binary = os.path.abspath(argv[1])
    with open(argv[2], encoding="utf-8") as f:
        cases = json.load(f)

    failures = []
    for case in cases:
        reason = run_case(binary, case)
        if reason is not None:
            failures.append((case["name"], reason))
            print(f"FAIL {case['name']}: {reason}")

    errors = sum(1 for case in cases if case.get("error", False))
    print(f"{len(cases)} cases ({errors} errors): {len(cases) - len(failures)} passed, {len(failures)} failed")
    return 1 if failures or not cases else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
