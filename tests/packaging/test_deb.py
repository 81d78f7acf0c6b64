#!/usr/bin/python3
# Builds the .deb with CPack, checks its fields and layout, runs lintian on it, and runs both unpacked binaries.
"""Usage: test_deb.py BUILD_DIR

Fails on a lintian error (warnings are printed, not fatal), a missing dependency,
field or file, a man page or changelog not compressed with gzip -9n, an RPATH, or
a --version without its libcurl, libsodium and OpenSSL lines.
"""
import gzip
import os
import re
import subprocess
import sys
import tempfile

from cpack_package import build_package, curl_linking, run

PROGRAMS = ("dotenv-run", "dotenv-cloud")

failures = []


def fail(message):
    failures.append(message)


def check_gzip_9n(path):
    """gzip -9n: no original name (FLG bit 3), no timestamp (MTIME 0), maximum compression (XFL 2)."""
    with open(path, "rb") as f:
        header = f.read(10)
    if header[:2] != b"\x1f\x8b":
        fail(f"{path} is not gzip")
    elif header[3] & 0x08 or header[4:8] != b"\0\0\0\0" or header[8] != 2:
        fail(f"{path} was not compressed with gzip -9n (flags {header[3]:#x}, mtime {header[4:8].hex()}, xfl {header[8]})")


def main(build_dir):
    with tempfile.TemporaryDirectory() as tmp:
        deb = build_package("DEB", build_dir, tmp)
        if deb is None:
            return 1

        fields = {}
        for line in run(["dpkg-deb", "-f", deb]).stdout.splitlines():
            m = re.match(r"^([A-Za-z-]+): (.*)$", line)
            if m:
                fields[m.group(1)] = m.group(2)
        for name, pattern in (("Package", r"dotenv-run"), ("Section", r"utils"), ("Priority", r"optional"),
                              ("Maintainer", r".+ <[^@ ]+@[^> ]+>"), ("Homepage", r"https://\S+"),
                              ("Version", r"\d+\.\d+\.\d+\S*"), ("Description", r"\S.*")):
            if not re.fullmatch(pattern, fields.get(name, "")):
                fail(f"control field {name} is {fields.get(name)!r}")
        depends = {re.sub(r"\s*\(.*\)", "", d).strip() for d in fields.get("Depends", "").split(",")}
        system_curl = curl_linking(build_dir) == "system"
        for library in ("libc6", "libsodium23", "libssl3", "libstdc++6") + (("libcurl4",) if system_curl else ()):
            if library not in depends:
                fail(f"Depends lacks {library}: {fields.get('Depends')!r}")
        if not system_curl and "libcurl4" in depends:
            fail(f"Depends has libcurl4, but libcurl is built in (DOTENV_RUN_CURL=minimal): {fields.get('Depends')!r}")

        lint = run(["lintian", "--fail-on", "error", "--display-info", "--tag-display-limit", "0", deb])
        report = [line for line in lint.stdout.splitlines() if re.match(r"^[EWIXOP]: ", line)]
        errors = [line for line in report if line.startswith("E: ")]
        if lint.returncode != 0 or errors:
            fail(f"lintian (exit {lint.returncode}):\n" + "\n".join(report) + "\n" + lint.stderr)

        root = os.path.join(tmp, "root")
        run(["dpkg-deb", "-x", deb, root], check=True)
        doc = os.path.join(root, "usr/share/doc/dotenv-run")
        expected_files = [("usr/share/doc/dotenv-run/copyright", 0o644), ("usr/share/doc/dotenv-run/changelog.gz", 0o644)]
        for program in PROGRAMS:
            expected_files += [(f"usr/bin/{program}", 0o755), (f"usr/share/man/man1/{program}.1.gz", 0o644),
                               (f"usr/share/bash-completion/completions/{program}", 0o644),
                               (f"usr/share/zsh/vendor-completions/_{program}", 0o644),
                               (f"usr/share/fish/vendor_completions.d/{program}.fish", 0o644)]
        for path, mode in expected_files:
            full = os.path.join(root, path)
            if not os.path.isfile(full):
                fail(f"the package has no /{path}")
            elif os.stat(full).st_mode & 0o7777 != mode:
                fail(f"/{path} has mode {os.stat(full).st_mode & 0o7777:o}, expected {mode:o}")
        for path in [f"usr/share/man/man1/{p}.1.gz" for p in PROGRAMS] + ["usr/share/doc/dotenv-run/changelog.gz"]:
            if os.path.isfile(os.path.join(root, path)):
                check_gzip_9n(os.path.join(root, path))
        if os.path.isfile(os.path.join(doc, "changelog.gz")):
            top = gzip.open(os.path.join(doc, "changelog.gz"), "rt").readline()
            if not top.startswith(f"dotenv-run ({fields.get('Version')}) "):
                fail(f"the changelog's latest entry is {top.strip()!r}, the package version {fields.get('Version')}")

        versions = []
        for program in PROGRAMS:
            binary = os.path.join(root, "usr/bin", program)
            dynamic = run(["readelf", "-d", binary]).stdout
            if "RPATH" in dynamic or "RUNPATH" in dynamic:
                fail(f"{program} has an RPATH or RUNPATH")
            if not re.search(r"\b(BIND_)?NOW\b", dynamic):
                fail(f"{program} is not linked with -z now")
            if ".symtab" in run(["readelf", "-S", "-W", binary]).stdout:
                fail(f"{program} is not stripped")

            version = run([binary, "--version"])
            lines = version.stdout.splitlines()
            expected = [rf"{program} {re.escape(fields.get('Version', '?'))}", r"libcurl \d+\.\d+\S* \(.+\)",
                        r"libsodium \d+\.\d+\.\d+", r"OpenSSL \d+\.\d+\.\d+.*"]
            if version.returncode != 0 or len(lines) != len(expected) or not all(
                    re.fullmatch(p, l) for p, l in zip(expected, lines)):
                fail(f"the unpacked {program} --version (exit {version.returncode}) printed "
                     f"{version.stdout!r}{version.stderr!r}")
            versions += lines[:1]

        for failure in failures:
            print("FAIL:", failure)
        print(f"{os.path.basename(deb)}: Depends: {fields.get('Depends')}")
        print("lintian: " + (f"{len(report)} tags, {len(errors)} errors" if report else "clean"))
        for line in report:
            print("  " + line)
        print("--version: " + ", ".join(versions))
        return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
