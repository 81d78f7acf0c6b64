"""Builds one package with CPack into a directory, for the .deb and .rpm tests."""
import glob
import os
import subprocess


def run(command, **kwargs):
    return subprocess.run(command, capture_output=True, text=True, **kwargs)


def curl_linking(build_dir):
    """The build's DOTENV_RUN_CURL (cmake/curl.cmake): "minimal" (built in) or "system" (libcurl4)."""
    with open(os.path.join(build_dir, "CMakeCache.txt")) as f:
        for line in f:
            if line.startswith("DOTENV_RUN_CURL:"):
                return line.split("=", 1)[1].strip()
    return "minimal"


def build_package(generator, build_dir, out_dir):
    """Runs `cpack -G GENERATOR`; returns the one package's path, or None after printing why."""
    made = run(["cpack", "-G", generator, "-B", out_dir, "--config", os.path.join(build_dir, "CPackConfig.cmake")],
               cwd=build_dir)
    packages = glob.glob(os.path.join(out_dir, "*.deb" if generator == "DEB" else "*.rpm"))
    if made.returncode != 0 or len(packages) != 1:
        print(f"FAIL: cpack -G {generator}: exit {made.returncode}\n{made.stdout}{made.stderr}")
        return None
    return packages[0]
