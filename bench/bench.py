#!/usr/bin/python3
"""Launch benchmark: dotenv-run against the `curl` command line doing the same GET.

Usage: bench/bench.py PATH_TO_DOTENV_RUN [--runs N] [--sizes 50,1000,10000]

For 50, 1,000 and 10,000 variables (split over the project, target and environment levels of a
server-managed project), it starts tests/server with a generated seed and runs, alternating,
N times each (30 unless told):
  - curl:       curl -sS -o /dev/null --cacert CA -H 'Authorization: Bearer TOKEN' RESOLVE_URL
                (the same GET over the same TLS, with the same CA file and token; it loads
                libcurl and OpenSSL too, but cannot decrypt, merge or check anything)
  - dotenv-run: dotenv-run -p api -t web -e prod -- /bin/true
                (the same GET, then decrypt, parse, merge and exec /bin/true)
It prints the median wall time and CPU time (user + system of the command, so the local server's
own time is left out) of each, their ratio, and the peak RSS of each (median of 5 runs of GNU
time, whose own small fork execs the command). With 50 variables it adds a client-managed project
(PBKDF2 key proof), for reference. No result is asserted: the machine may be shared and noisy.
Numbers go in the README by hand. bench/breakdown says where the time goes.
"""
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER = os.path.join(ROOT, "tests", "server", "dotenv_cloud_server.py")
ORG = "01JBENCH00000000000000000A"
TOKEN = "bench-token-0123456789"
CLIENT_KEY = "LqlTm5oQ+Nl0yNtfgGuyKqXsFhTQdrbnJv6J1rkPvRo="


def seed(n):
    per_level = [n // 3, n // 3, n - 2 * (n // 3)]

    def lines(level, count):
        return ["%s_VAR_%05d=value-%05d-%s" % (level, i, i, "x" * 24) for i in range(count)]

    return {
        "organizations": [{
            "id": ORG, "name": "Bench", "plan": "team",
            "projects": [
                {"slug": "api", "encryption": "server", "env": lines("P", per_level[0]),
                 "targets": [{"slug": "web", "env": lines("T", per_level[1]),
                              "environments": [{"slug": "prod", "env": lines("E", per_level[2])}]}]},
                {"slug": "vault", "encryption": "client", "client_key": CLIENT_KEY, "env": lines("C", 50),
                 "targets": [{"slug": "web", "environments": [{"slug": "prod"}]}]},
            ],
        }],
        "tokens": [{"name": "bench", "value": TOKEN, "organization": ORG, "abilities": ["*"]}],
        "demo": {"organization": ORG, "token": "bench", "project": "api", "target": "web", "environment": "prod"},
    }


class Setup:
    """One running local server with n variables, and the two commands to compare."""

    def __init__(self, binary, tmp, base):
        self.tmp = tmp
        ca = os.path.join(tmp, "ca.pem")
        self.env = {"PATH": "/usr/bin:/bin", "DOTENV_CLOUD_API_URL": base, "DOTENV_CLOUD_CA_FILE": ca,
                    "DOTENV_CLOUD_ORG": ORG, "DOTENV_CLOUD_TOKEN_FILE": os.path.join(tmp, "token")}
        url = "%s/api/v1/%s/secrets/resolve?project=api&target=web&environment=prod&merge=1&include=key" % (base, ORG)
        self.curl = ["curl", "-sS", "-o", "/dev/null", "--cacert", ca, "-H", "Authorization: Bearer " + TOKEN, url]
        self.dotenv_run = [binary, "-p", "api", "-t", "web", "-e", "prod", "--", "/bin/true"]
        key = os.path.join(tmp, "client-key")
        with open(key, "w") as f:
            f.write(CLIENT_KEY + "\n")
        os.chmod(key, 0o600)
        self.dotenv_run_client_key = [binary, "-p", "vault", "-t", "web", "-e", "prod", "--key-file", key, "--",
                                      "/bin/true"]


@contextlib.contextmanager
def local_server(binary, n):
    """Starts tests/server seeded with n variables; yields a Setup."""
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "seed.json"), "w") as f:
            json.dump(seed(n), f)
        ready = os.path.join(tmp, "ready")
        server = subprocess.Popen(["/usr/bin/python3", SERVER, "--seed", os.path.join(tmp, "seed.json"), "--state-dir", tmp,
                                   "--ready-file", ready, "--rate-limit", "1000000"], stdout=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 30
            while not os.path.exists(ready):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the local server did not start")
                time.sleep(0.05)
            with open(ready) as f:
                base = f.read().strip()
            yield Setup(os.path.abspath(binary), tmp, base)
        finally:
            server.terminate()
            server.wait()


def run_once(argv, env):
    """Wall and CPU milliseconds of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    status = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL).returncode
    wall = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if status != 0:
        raise SystemExit("failed (exit %d): %s" % (status, " ".join(argv)))
    return wall, (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000


def peak_rss(argv, env, runs=5):
    """Median peak RSS in KiB, from GNU time (a fork of this Python process would count its pages)."""
    peaks = []
    for _ in range(runs):
        timed = subprocess.run(["/usr/bin/time", "-f", "%M"] + argv, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
        peaks.append(int(timed.stderr.strip().splitlines()[-1]))
    return statistics.median(peaks)


def compare(commands, env, runs):
    """Runs the commands alternately (the first one first on even rounds, last on odd ones)."""
    samples = {name: ([], []) for name, _ in commands}
    for _ in range(2):  # warm the page cache and the server
        for _, argv in commands:
            run_once(argv, env)
    for i in range(runs):
        order = commands if i % 2 == 0 else list(reversed(commands))
        for name, argv in order:
            wall, cpu = run_once(argv, env)
            samples[name][0].append(wall)
            samples[name][1].append(cpu)
    return {name: (statistics.median(w), statistics.median(c), peak_rss(argv, env))
            for (name, argv), (w, c) in zip(commands, samples.values())}


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    binary = sys.argv[1]
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 30
    sizes = [int(s) for s in sys.argv[sys.argv.index("--sizes") + 1].split(",")] if "--sizes" in sys.argv else [
        50, 1000, 10000]
    print("| variables | dotenv-run ms | curl ms | ratio | dotenv-run CPU ms | curl CPU ms "
          "| dotenv-run peak RSS KiB | curl peak RSS KiB | RSS ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n in sizes:
        with local_server(binary, n) as setup:
            r = compare([("dotenv-run", setup.dotenv_run), ("curl", setup.curl)], setup.env, runs)
            (dw, dc, dm), (cw, cc, cm) = r["dotenv-run"], r["curl"]
            print("| %d | %.1f | %.1f | %.2f | %.1f | %.1f | %d | %d | %.2f |" %
                  (n, dw, cw, dw / cw, dc, cc, dm, cm, dm / cm), flush=True)
            if n == 50:
                ck = compare([("client key", setup.dotenv_run_client_key)], setup.env, max(5, runs // 3))
                w, c, m = ck["client key"]
                print("| %d, client key (PBKDF2 210k) | %.1f | | | %.1f | | %d | | |" % (n, w, c, m), flush=True)


if __name__ == "__main__":
    main()
