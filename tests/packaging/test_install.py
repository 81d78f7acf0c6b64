#!/usr/bin/python3
# Checks what `cmake --install` puts where (GNUInstallDirs), and that nothing else is installed.
"""Usage: test_install.py BUILD_DIR SOURCE_DIR"""
import filecmp
import gzip
import os
import subprocess
import sys
import tempfile

from cpack_package import curl_linking

PROGRAMS = ("dotenv-run", "dotenv-cloud")
EXPECTED = {
    "share/doc/dotenv-run/copyright": "packaging/debian/copyright",
    "share/doc/dotenv-run/changelog.gz": "packaging/debian/changelog",
}
for program in PROGRAMS:
    EXPECTED.update({
        f"bin/{program}": None,
        f"share/man/man1/{program}.1.gz": f"man/{program}.1",
        f"share/bash-completion/completions/{program}": f"completions/{program}.bash",
        f"share/zsh/vendor-completions/_{program}": f"completions/_{program}",
        f"share/fish/vendor_completions.d/{program}.fish": f"completions/{program}.fish",
    })


def main(build_dir, source_dir):
    if curl_linking(build_dir) == "minimal":  # libcurl built in: lintian is told why (cmake/curl.cmake)
        EXPECTED["share/lintian/overrides/dotenv-run"] = "packaging/debian/lintian-overrides"
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        prefix = os.path.join(tmp, "usr")
        done = subprocess.run(["cmake", "--install", build_dir, "--prefix", prefix], capture_output=True, text=True)
        if done.returncode != 0:
            print(f"FAIL: cmake --install: {done.stdout}{done.stderr}")
            return 1
        installed = {os.path.relpath(os.path.join(d, f), prefix) for d, _, fs in os.walk(prefix) for f in fs}
        for path in sorted(installed - set(EXPECTED)):
            failures.append(f"installs {path}, which no rule should")
        for path, source in EXPECTED.items():
            full = os.path.join(prefix, path)
            if path not in installed:
                failures.append(f"does not install {path}")
            elif source and path.endswith(".gz"):
                with gzip.open(full, "rb") as f, open(os.path.join(source_dir, source), "rb") as g:
                    if f.read() != g.read():
                        failures.append(f"{path} is not {source} compressed")
            elif source and not filecmp.cmp(full, os.path.join(source_dir, source), shallow=False):
                failures.append(f"{path} differs from {source}")
        for program in PROGRAMS:
            binary = os.path.join(prefix, "bin", program)
            if os.path.isfile(binary) and not os.access(binary, os.X_OK):
                failures.append(f"bin/{program} is not executable")
    for failure in failures:
        print("FAIL:", failure)
    print(f"{len(EXPECTED)} files checked; {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
