#!/usr/bin/python3
# Builds the .rpm with CPack and queries it with rpm: header fields, automatic library requirements, files.
"""Usage: test_rpm.py BUILD_DIR"""
import os
import re
import subprocess
import sys
import tempfile

from cpack_package import build_package, curl_linking, run


def main(build_dir):
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        package = build_package("RPM", build_dir, tmp)
        if package is None:
            return 1

        info = run(["rpm", "-qip", package]).stdout
        fields = dict(re.findall(r"^(\w[\w ]*?)\s*: (.*)$", info, re.M))
        for name, pattern in (("Name", r"dotenv-run"), ("Version", r"\d+\.\d+\.\d+"), ("License", r"MIT"),
                              ("URL", r"https://\S+"), ("Summary", r"Run a program .+"),
                              ("Group", r"Applications/System")):
            if not re.fullmatch(pattern, fields.get(name, "")):
                failures.append(f"header {name} is {fields.get(name)!r}")
        if "Relocations" in fields and fields["Relocations"] != "(not relocatable)":
            failures.append(f"the package is relocatable: {fields['Relocations']}")
        if "dotEnv Cloud" not in info.split("Description :", 1)[-1]:
            failures.append("the description is CPack's placeholder")

        requires = run(["rpm", "-qRp", package]).stdout.split("\n")
        system_curl = curl_linking(build_dir) == "system"
        for soname in ("libc.so.6", "libsodium.so.23", "libcrypto.so.3") + (("libcurl.so.4",) if system_curl else ()):
            if not any(r.startswith(soname + "()") for r in requires):
                failures.append(f"no automatic requirement on {soname}")
        if not system_curl and any(r.startswith("libcurl.so.4") for r in requires):
            failures.append("a requirement on libcurl.so.4, but libcurl is built in (DOTENV_RUN_CURL=minimal)")

        files = set(run(["rpm", "-qlp", package]).stdout.split())
        for path in [p for program in ("dotenv-run", "dotenv-cloud")
                     for p in (f"/usr/bin/{program}", f"/usr/share/man/man1/{program}.1.gz",
                               f"/usr/share/bash-completion/completions/{program}",
                               f"/usr/share/zsh/vendor-completions/_{program}",
                               f"/usr/share/fish/vendor_completions.d/{program}.fish")]:
            if path not in files:
                failures.append(f"the package has no {path}")
        for shared in ("/usr", "/usr/bin", "/usr/share", "/usr/share/man", "/usr/share/man/man1",
                       "/usr/share/bash-completion", "/usr/share/zsh", "/usr/share/fish"):
            if shared in files:
                failures.append(f"the package claims {shared}, which belongs to other packages")
        licenses = run(["rpm", "-qLp", package]).stdout.split()
        if "/usr/share/doc/dotenv-run/copyright" not in licenses:
            failures.append(f"the copyright file is not marked %license: {licenses}")

        for failure in failures:
            print("FAIL:", failure)
        print(f"{os.path.basename(package)}: {len(files)} files; requires "
              + ", ".join(r for r in requires if r and not r.startswith("rpmlib")))
        return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
