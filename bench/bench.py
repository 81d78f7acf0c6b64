#!/usr/bin/python3
"""Launch-to-exec benchmark: dotenv-run against the local server vs curl + exec vs a bare exec.

Usage: bench/bench.py PATH_TO_DOTENV_RUN [--runs N]

For 50, 1,000 and 10,000 variables (split over the project, target and environment levels of a
server-managed project, plus a client-managed project of 50), it starts tests/server with a
generated seed and times, over N runs each (median and 90th percentile wall time, median CPU time of the command (user +
system, so the local server's own time is left out), and peak RSS):
  - bare exec:  /bin/true
  - curl:       sh -c 'curl ... the same resolve URL > /dev/null && exec /bin/true'
                (fetches the same bytes over TLS; cannot decrypt, merge or check anything)
  - dotenv-run: dotenv-run -- /bin/true (one request, decrypt, parse, merge, exec)
No result is asserted: the machine is shared and noisy. Numbers go in the README by hand.
"""
import json
import resource
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER = os.path.join(ROOT, "tests", "server", "dotenv_cloud_server.py")
ORG = "01JBENCH00000000000000000A"


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
                {"slug": "vault", "encryption": "client",
                 "client_key": "LqlTm5oQ+Nl0yNtfgGuyKqXsFhTQdrbnJv6J1rkPvRo=", "env": lines("C", 50),
                 "targets": [{"slug": "web", "environments": [{"slug": "prod"}]}]},
            ],
        }],
        "tokens": [{"name": "bench", "value": "bench-token-0123456789", "organization": ORG, "abilities": ["*"]}],
        "demo": {"organization": ORG, "token": "bench", "project": "api", "target": "web", "environment": "prod"},
    }


def measure(argv, env, runs):
    times, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        status = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL).returncode
        times.append((time.perf_counter() - start) * 1000)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append((after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000)
        if status != 0:
            raise SystemExit("failed: %s" % " ".join(argv))
    times.sort()
    # Peak RSS from GNU time, whose own small fork is what execs the command; a fork of
    # this Python process would count Python's pages too.
    timed = subprocess.run(["/usr/bin/time", "-f", "%M"] + argv, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
    peak = int(timed.stderr.strip().splitlines()[-1])
    return statistics.median(times), times[int(len(times) * 0.9) - 1], statistics.median(cpu), peak


def main():
    binary = os.path.abspath(sys.argv[1])
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 30
    print("| variables | command | wall median ms | wall p90 ms | CPU median ms | peak RSS KiB |")
    print("|---|---|---|---|---|---|")
    for n in (50, 1000, 10000):
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(tmp, "seed.json"), "w") as f:
                json.dump(seed(n), f)
            ready = os.path.join(tmp, "ready")
            server = subprocess.Popen(["/usr/bin/python3", SERVER, "--seed", os.path.join(tmp, "seed.json"), "--state-dir", tmp,
                                       "--ready-file", ready, "--rate-limit", "1000000"],
                                      stdout=subprocess.DEVNULL)
            try:
                while not os.path.exists(ready):
                    if server.poll() is not None:
                        raise SystemExit("the local server did not start")
                    time.sleep(0.05)
                env = {"PATH": "/usr/bin:/bin"}
                with open(ready) as f:
                    base = f.read().strip()
                env.update({"DOTENV_CLOUD_API_URL": base, "DOTENV_CLOUD_CA_FILE": os.path.join(tmp, "ca.pem"),
                            "DOTENV_CLOUD_ORG": ORG, "DOTENV_CLOUD_TOKEN_FILE": os.path.join(tmp, "token")})
                url = "%s/api/v1/%s/secrets/resolve?project=api&target=web&environment=prod&merge=1&include=key" % (base, ORG)
                header = os.path.join(tmp, "auth-header")
                with open(header, "w") as f:
                    f.write("Authorization: Bearer bench-token-0123456789\n")
                curl = ["sh", "-c", 'curl -sf --cacert "$0" -H @"$1" -H "Accept: application/json" "$2" >/dev/null '
                        '&& exec /bin/true', os.path.join(tmp, "ca.pem"), header, url]
                rows = [("bare exec", ["/bin/true"]), ("curl + exec", curl),
                        ("dotenv-run", [binary, "-p", "api", "-t", "web", "-e", "prod", "--", "/bin/true"])]
                if n == 50:
                    key = os.path.join(tmp, "client-key")
                    with open(key, "w") as f:
                        f.write("LqlTm5oQ+Nl0yNtfgGuyKqXsFhTQdrbnJv6J1rkPvRo=\n")
                    os.chmod(key, 0o600)
                    rows.append(("dotenv-run, client key (PBKDF2 210k)",
                                 [binary, "-p", "vault", "-t", "web", "-e", "prod", "--key-file", key, "--", "/bin/true"]))
                for name, argv in rows:
                    median, p90, cpu, peak = measure(argv, env, runs)
                    print("| %d | %s | %.1f | %.1f | %.1f | %d |" % (n, name, median, p90, cpu, peak), flush=True)
            finally:
                server.terminate()
                server.wait()


if __name__ == "__main__":
    main()
