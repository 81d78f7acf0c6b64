"""The child the launcher execs when an end-to-end test needs to see what it got: pid, environment, fds."""

# Run as `python3 -c CHILD_REPORT REPORT_PATH` or from a file. /proc/self/environ is what execve()
# passed; os.environ may hold Python's own locale coercion (LC_CTYPE).
CHILD_REPORT = r'''
import json, os, sys
report = {
    "pid": os.getpid(),
    "env": dict(e.decode("latin-1").split("=", 1) for e in open("/proc/self/environ", "rb").read().split(b"\0") if e),
    "fds": sorted(int(x) for x in os.listdir("/proc/self/fd")),
}
with open(sys.argv[1], "w") as f:
    json.dump(report, f)
'''
