#!/usr/bin/python3
"""End-to-end tests of --watch (a watcher beside the exec'd program) and --watch --restart (a supervising parent)
against the local server, with intervals under the 5 s minimum through DOTENV_RUN_WATCH_MIN_INTERVAL_MS (tests only).

Usage: test_watch.py PATH_TO_DOTENV_RUN
"""
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
import unittest

import cloud_fixture as fx
from cloud_fixture import CloudTest, ORG, TOKENS, NEVER_PRINTED

LEVELS = ("-p", "api", "-t", "web", "-e", "production")
FLOOR = {"DOTENV_RUN_WATCH_MIN_INTERVAL_MS": "100"}

# The program: appends "start PID C=<value>" (C=file:<content> with --as-file C) to LOG, then one line per signal it gets; exits 0 on TERM, with
# EXIT_ON_USR2 on USR2, and with the code in LOG.stop once that file exists; IGNORE_TERM=1 ignores TERM.
PROGRAM = r'''
import os, signal, sys, time
log = sys.argv[1]
def note(text):
    with open(log, "a") as f:
        f.write(text + "\n")
def on_signal(sig, frame):
    note(f"signal {signal.Signals(sig).name} {time.monotonic()}")
    if sig == signal.SIGTERM:
        sys.exit(0)
    if sig == signal.SIGUSR2:
        sys.exit(int(os.environ.get("EXIT_ON_USR2", "0")))
for s in (signal.SIGTERM, signal.SIGUSR1, signal.SIGUSR2, signal.SIGHUP):
    signal.signal(s, on_signal)
if os.environ.get("IGNORE_TERM"):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
c = os.environ.get("C")
if os.environ.get("C_FILE"):  # --as-file C
    with open(os.environ["C_FILE"]) as f:
        c = "file:" + f.read()
note(f"start {os.getpid()} C={c}")
stop = log + ".stop"
while not os.path.exists(stop):
    time.sleep(0.02)
sys.exit(int(open(stop).read() or "0"))
'''

# As PID 1's child: makes an orphan that exits at once (so it is re-parented to PID 1), then reports the zombies.
ORPHANS = r'''
import os, sys, time
if os.fork() == 0:
    if os.fork() == 0:
        os._exit(0)  # the orphan: its parent is gone by now
    time.sleep(0.1)
    os._exit(0)
time.sleep(1.0)
os.waitpid(-1, 0)
zombies = []
for pid in os.listdir("/proc"):
    if pid.isdigit():
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    zombies.append(pid)
        except OSError:
            pass
with open(sys.argv[1], "w") as f:
    f.write(f"{os.getpid()} {len(zombies)}\n")
'''


class WatchTest(CloudTest):
    def setUp(self):
        super().setUp()
        self.program = self.file("program.py", PROGRAM)
        self.events = self.path("events")
        self.procs = []

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.communicate()

    def start(self, *watch, env=None, levels=LEVELS, command=None, **popen):
        argv = [fx.BINARY, *levels, *watch, "--", *(command or [fx.PY, self.program, self.events])]
        proc = subprocess.Popen(argv, env=env or self.env(**FLOOR), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                cwd=self.dir, **popen)
        self.procs.append(proc)
        return proc

    def lines(self):
        try:
            with open(self.events) as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    def signals(self):
        return [line.split()[1] for line in self.lines() if line.startswith("signal ")]

    def starts(self):
        return [line.split()[1:] for line in self.lines() if line.startswith("start ")]

    def wait_started(self, count=1):
        self.assertTrue(fx.wait_until(lambda: len(self.starts()) >= count, 15), self.lines())

    def stop_program(self, proc, code=0):
        with open(self.events + ".stop", "w") as f:
            f.write(str(code))
        out, err = proc.communicate(timeout=30)
        os.unlink(self.events + ".stop")
        return out, err

    def watchers(self):
        """Processes other than the program whose command line is this test's launch (the watcher keeps the
        launcher's argv, the program has its own)."""
        found = []
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    argv = f.read().split(b"\0")
            except OSError:
                continue
            if argv[0] == fx.BINARY.encode() and self.events.encode() in argv and self.running(int(pid)):
                found.append(int(pid))
        return found

    @staticmethod
    def running(pid):
        """True while `pid` runs: an exited process waiting for its parent (init here) to reap it does not."""
        try:
            with open(f"/proc/{pid}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()[0] != "Z"
        except OSError:
            return False

    def change_level(self, text):
        self.store_level(text.encode())

    def assert_nothing_secret(self, err):
        for text in NEVER_PRINTED:
            self.assertNotIn(text.encode(), err)


class Watch(WatchTest):
    """--watch SEC: the program keeps the launcher's PID; a watcher beside it signals it on a change."""

    def test_a_change_through_the_api_reaches_the_program_as_the_signal_within_two_intervals(self):
        proc = self.start("--watch", "1", "--on-change", "USR1")
        self.wait_started()
        self.assertEqual(self.starts()[0][0], str(proc.pid), "the program has the launcher's PID")
        self.assertEqual(len(self.watchers()), 1)
        time.sleep(0.3)
        changed_at = time.monotonic()
        self.change_level("C=changed-s3cr3t-c\n")
        self.assertTrue(fx.wait_until(lambda: self.signals(), 5), self.lines())
        signalled_at = float(next(l for l in self.lines() if l.startswith("signal ")).split()[2])
        self.assertEqual(self.signals(), ["SIGUSR1"])
        self.assertLess(signalled_at - changed_at, 2 * 1.0 * 1.1 + 0.5)
        out, err = self.stop_program(proc, 3)
        self.assertEqual(proc.returncode, 3, err)  # the program's own status
        self.assertEqual(self.signals(), ["SIGUSR1"], "sent once")
        self.assertIn(b"dotenv-run: watch: the secrets changed; sending SIGUSR1 to the program\n", err)
        self.assert_nothing_secret(err)

    def test_the_default_signal_is_term(self):
        proc = self.start("--watch", "0.3")
        self.wait_started()
        self.change_level("C=changed-s3cr3t-c\n")
        out, err = proc.communicate(timeout=15)
        self.assertEqual(self.signals(), ["SIGTERM"])
        self.assertEqual(proc.returncode, 0, err)

    def test_no_signal_after_a_key_rotation_or_a_write_that_changes_nothing(self):
        proc = self.start("--watch", "0.3", "--on-change", "USR1")
        self.wait_started()
        answer = self.server.request("POST", f"/api/v1/{ORG}/api/key/rotate", token=TOKENS["full"])
        self.assertIn(answer.status, (200, 201), answer.body)
        # The same variables written again, in another order and with other spacing: the blob differs, the
        # values the program would get do not.
        self.change_level("URL=postgres://${HOST}:${PORT}/app\nC = environment-s3cr3t-c\n")
        before = len(self.resolves())
        self.assertTrue(fx.wait_until(lambda: len(self.resolves()) >= before + 3, 10))
        self.assertEqual(self.signals(), [])
        # The control: a real change after all that is still seen.
        self.change_level("C=changed-s3cr3t-c\n")
        self.assertTrue(fx.wait_until(lambda: self.signals(), 5), self.lines())
        self.stop_program(proc)

    def test_no_watcher_is_left_after_the_program_exits_normally_by_a_signal_or_by_sigkill(self):
        for how in ("exit", "signal", "kill"):
            with self.subTest(how=how):
                if os.path.exists(self.events):
                    os.unlink(self.events)
                proc = self.start("--watch", "0.3")
                self.wait_started()
                watchers = self.watchers()
                self.assertEqual(len(watchers), 1)
                if how == "exit":
                    self.stop_program(proc, 0)
                elif how == "signal":
                    proc.send_signal(signal.SIGINT)  # the program does not handle it: killed by it
                    proc.communicate(timeout=15)
                    self.assertEqual(proc.returncode, -signal.SIGINT)
                else:
                    proc.kill()
                    proc.communicate(timeout=15)
                self.assertTrue(fx.wait_until(lambda: not self.running(watchers[0]), 5),
                                "the watcher outlived the program")

    def test_the_watcher_ends_with_the_program_while_a_round_waits_for_a_slow_answer(self):
        proc = self.start("--watch", "0.3")
        self.wait_started()
        [watcher] = self.watchers()
        self.reset()
        self.script({"action": "pass", "delay": 8, "repeat": True})
        time.sleep(1.0)  # the next round has sent its request and waits for the answer
        self.assertEqual(self.resolves(), [], "no answer went out yet")
        self.assertTrue(self.running(watcher))
        with open(self.events + ".stop", "w") as f:
            f.write("0")
        proc.wait(timeout=15)
        exited_at = time.monotonic()
        self.assertTrue(fx.wait_until(lambda: not self.running(watcher), 10), "the watcher outlived the program")
        self.assertLess(time.monotonic() - exited_at, 1.0, "the watcher waited for its round's answer")
        out, err = proc.communicate(timeout=15)  # stderr ends when the watcher's copy closes
        self.assertEqual(proc.returncode, 0, err)
        self.assertNotIn(b"watch:", err)
        os.unlink(self.events + ".stop")

    def test_a_launch_that_fails_leaves_no_watcher(self):
        self.file("token", fx.INVALID_TOKEN + "\n")
        proc = self.start("--watch", "0.3")
        out, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 77, err)
        self.assertEqual(self.starts(), [])
        self.assertTrue(fx.wait_until(lambda: not [p for p in self.watchers() if self.running(p)], 5),
                        "a watcher outlived the failed launch")

    def test_a_secret_passed_as_a_file_is_watched_by_its_content_not_its_descriptor(self):
        proc = self.start("--watch", "0.3", "--on-change", "USR1", "--as-file", "C")
        self.wait_started()
        self.assertEqual(self.starts()[0][1], "C=file:environment-s3cr3t-c")
        before = len(self.resolves())
        self.assertTrue(fx.wait_until(lambda: len(self.resolves()) >= before + 3, 10))
        self.assertEqual(self.signals(), [], "the file's /dev/fd/N path is no change")
        self.change_level("C=changed-s3cr3t-c\nURL=postgres://${HOST}:${PORT}/app\n")
        self.assertTrue(fx.wait_until(lambda: self.signals(), 5), self.lines())
        self.stop_program(proc)

    def test_a_change_the_program_would_not_receive_sends_nothing(self):
        # C is excluded: changing it changes nothing the program gets; changing URL does.
        proc = self.start("--watch", "0.3", "--on-change", "USR1", "--exclude", "C")
        self.wait_started()
        self.assertEqual(self.starts()[0][1], "C=None")
        self.change_level("C=changed-s3cr3t-c\nURL=postgres://${HOST}:${PORT}/app\n")
        before = len(self.resolves())
        self.assertTrue(fx.wait_until(lambda: len(self.resolves()) >= before + 3, 10))
        self.assertEqual(self.signals(), [])
        self.change_level("C=changed-s3cr3t-c\nURL=postgres://elsewhere/app\n")
        self.assertTrue(fx.wait_until(lambda: self.signals(), 5), self.lines())
        self.stop_program(proc)

    def test_retry_after_is_honoured(self):
        proc = self.start("--watch", "0.3", "--on-change", "USR1")
        self.wait_started()
        self.reset()
        self.script({"status": 429, "retry_after": 2})

        def after_429():  # a round may come between the reset and the script: the 429 need not be first
            statuses = [r["status"] for r in self.resolves()]
            return 429 in statuses and len(statuses) > statuses.index(429) + 1

        self.assertTrue(fx.wait_until(after_429, 10))
        resolves = self.resolves()
        at = [r["status"] for r in resolves].index(429)
        first, second = resolves[at], resolves[at + 1]
        self.assertGreaterEqual(second["epoch"] - first["epoch"], 2.0)
        self.assertLess(second["epoch"] - first["epoch"], 3.5)
        out, err = self.stop_program(proc)
        self.assertEqual(err.count(b"429 rate_limited"), 1, err)

    def test_401_is_reported_once_and_the_program_keeps_running(self):
        proc = self.start("--watch", "0.3", "--on-change", "USR1")
        self.wait_started()
        self.script({"status": 401, "body": {"message": "Unauthenticated.", "error": "token_invalid"},
                     "repeat": True})
        self.assertTrue(fx.wait_until(lambda: len(self.resolves()) >= 3, 10))
        self.assertEqual(self.signals(), [])
        out, err = self.stop_program(proc)
        self.assertEqual(proc.returncode, 0)
        self.assertEqual(err.count(b"dotenv-run: watch: the API refused the token"), 1, err)
        self.assertIn(b"(401 token_invalid", err)
        self.assert_nothing_secret(err)

    def test_the_watcher_is_not_dumpable_and_holds_no_descriptor_of_the_program(self):
        nobody = pwd.getpwnam("nobody")
        os.chown(self.dir, nobody.pw_uid, nobody.pw_gid)
        os.chmod(self.dir, 0o755)
        os.chown(self.token_file, nobody.pw_uid, nobody.pw_gid)
        os.chmod(self.program, 0o644)
        ca = shutil.copy(self.server.ca_file, self.path("ca.pem"))
        os.chmod(ca, 0o644)
        binary = shutil.copy(fx.BINARY, self.path("dotenv-run"))
        os.chmod(binary, 0o755)
        as_nobody = dict(user=nobody.pw_uid, group=nobody.pw_gid, extra_groups=[])
        proc = subprocess.Popen([binary, *LEVELS, "--watch", "0.3", "--", fx.PY, self.program, self.events],
                                env=self.env(DOTENV_CLOUD_CA_FILE=ca, **FLOOR), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, cwd=self.dir, **as_nobody)
        self.procs.append(proc)
        self.wait_started()
        watcher = next(int(p) for p in os.listdir("/proc") if p.isdigit() and self.cmdline_is(int(p), binary))
        # The kernel gives a non-dumpable process's /proc files to root; the program (dumpable again after
        # exec) is the control that this observable works.
        self.assertEqual(os.stat(f"/proc/{proc.pid}/status").st_uid, nobody.pw_uid)
        self.assertEqual(os.stat(f"/proc/{watcher}/status").st_uid, 0)
        with open(f"/proc/{watcher}/status") as f:
            uids = next(line for line in f if line.startswith("Uid:")).split()[1:]
        self.assertEqual(set(uids), {str(nobody.pw_uid)})
        fds = {int(fd): os.readlink(f"/proc/{watcher}/fd/{fd}") for fd in os.listdir(f"/proc/{watcher}/fd")}
        self.assertEqual(fds[0], "/dev/null")
        self.assertEqual(fds[1], "/dev/null")
        self.assertTrue(any(target == "anon_inode:[pidfd]" for target in fds.values()), fds)
        # Nothing else: stderr (fd 2) is where it reports; no file, pipe or socket of the program's.
        self.assertEqual(sorted(fds), [0, 1, 2, next(fd for fd, t in fds.items() if t == "anon_inode:[pidfd]")])
        self.stop_program(proc)

    @staticmethod
    def cmdline_is(pid, binary):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                return f.read().split(b"\0")[0] == binary.encode()
        except OSError:
            return False


class Restart(WatchTest):
    """--watch SEC --restart: the launcher stays as the parent, restarts the program, forwards, reaps, passes the
    status through."""

    def test_restarts_the_program_with_the_new_values(self):
        proc = self.start("--watch", "0.3", "--restart", "--on-change", "USR2", env=self.env(EXIT_ON_USR2="5", **FLOOR))
        self.wait_started()
        self.assertEqual(self.starts()[0][1], "C=environment-s3cr3t-c")
        self.assertNotEqual(self.starts()[0][0], str(proc.pid), "the launcher is the parent")
        self.change_level("C=changed-s3cr3t-c\n")
        self.wait_started(2)
        self.assertEqual(self.signals(), ["SIGUSR2"])
        self.assertEqual(self.starts()[1][1], "C=changed-s3cr3t-c")
        self.assertIsNone(proc.poll())
        out, err = self.stop_program(proc, 9)
        self.assertEqual(proc.returncode, 9, err)
        self.assertIn(b"dotenv-run: watch: the secrets changed; restarting the program (SIGUSR2)\n", err)
        self.assert_nothing_secret(err)

    def test_a_restarted_program_gets_its_secret_file_with_the_new_value(self):
        proc = self.start("--watch", "0.3", "--restart", "--on-change", "USR2", "--as-file", "C",
                          env=self.env(EXIT_ON_USR2="5", **FLOOR))
        self.wait_started()
        self.assertEqual(self.starts()[0][1], "C=file:environment-s3cr3t-c")
        self.change_level("C=changed-s3cr3t-c\n")
        self.wait_started(2)
        self.assertEqual(self.starts()[1][1], "C=file:changed-s3cr3t-c")
        out, err = self.stop_program(proc, 0)
        self.assertEqual(proc.returncode, 0, err)
        self.assert_nothing_secret(err)

    def test_a_program_that_ignores_the_signal_is_killed_after_the_stop_timeout(self):
        proc = self.start("--watch", "0.3", "--restart", "--stop-timeout", "1",
                          env=self.env(IGNORE_TERM="1", **FLOOR))
        self.wait_started()
        self.change_level("C=changed-s3cr3t-c\n")
        changed_at = time.monotonic()
        self.wait_started(2)
        self.assertGreaterEqual(time.monotonic() - changed_at, 1.0, "SIGKILL only after --stop-timeout")
        first_pid = int(self.starts()[0][0])
        self.assertFalse(os.path.exists(f"/proc/{first_pid}"), "the first program was killed and reaped")
        self.stop_program(proc)
        self.assertEqual(proc.returncode, 0)

    def test_forwards_signals_and_passes_the_exit_status_through(self):
        proc = self.start("--watch", "0.3", "--restart", env=self.env(EXIT_ON_USR2="7", **FLOOR))
        self.wait_started()
        for sig in (signal.SIGHUP, signal.SIGUSR1):
            proc.send_signal(sig)
        self.assertTrue(fx.wait_until(lambda: len(self.signals()) == 2, 5), self.lines())
        self.assertEqual(self.signals(), ["SIGHUP", "SIGUSR1"])
        proc.send_signal(signal.SIGUSR2)
        proc.communicate(timeout=15)
        self.assertEqual(proc.returncode, 7)

    def test_a_signal_is_forwarded_at_once_while_a_round_waits_for_a_slow_api(self):
        proc = self.start("--watch", "0.3", "--restart")
        self.wait_started()
        self.reset()
        self.script({"action": "pass", "delay": 4, "repeat": True})
        time.sleep(0.8)  # a round is now waiting for its answer
        sent_at = time.monotonic()
        proc.send_signal(signal.SIGUSR1)
        self.assertTrue(fx.wait_until(lambda: self.signals(), 5), self.lines())
        received_at = float(next(l for l in self.lines() if l.startswith("signal ")).split()[2])
        self.assertLess(received_at - sent_at, 1.0)
        self.stop_program(proc)
        self.assertEqual(proc.returncode, 0)

    def test_a_program_killed_by_a_signal_gives_128_plus_n(self):
        proc = self.start("--watch", "0.3", "--restart", command=["sleep", "30"])
        time.sleep(0.5)
        with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as f:
            children = f.read().split()

        def comm(pid):
            with open(f"/proc/{pid}/comm") as f:
                return f.read().strip()
        # The program, and the process that runs the watch rounds (it keeps the launcher's name).
        self.assertEqual(sorted(comm(c) for c in children), ["dotenv-run", "sleep"])
        os.kill(next(int(c) for c in children if comm(c) == "sleep"), signal.SIGKILL)
        proc.communicate(timeout=15)
        self.assertEqual(proc.returncode, 128 + signal.SIGKILL)

    def test_reaps_orphans_as_pid_1(self):
        report = self.path("zombies")
        orphans = self.file("orphans.py", ORPHANS)
        argv = ["unshare", "--pid", "--fork", "--mount-proc", fx.BINARY, *LEVELS, "--watch", "0.3", "--restart", "--",
                fx.PY, orphans, report]
        probe = subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", "true"], capture_output=True)
        if probe.returncode != 0:
            self.skipTest(f"unshare cannot make a PID namespace here: {probe.stderr.decode().strip()}")
        r = subprocess.run(argv, env=self.env(**FLOOR), capture_output=True, cwd=self.dir, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(report) as f:
            pid, zombies = f.read().split()
        self.assertEqual(pid, "2", "the program is PID 1's child")
        self.assertEqual(zombies, "0", "the orphan was reaped")


class Usage(unittest.TestCase):
    def run_launcher(self, *args, env=None):
        return subprocess.run([fx.BINARY, *args], capture_output=True, env=env or {"PATH": "/usr/bin:/bin"})

    def test_option_combinations_that_make_no_sense_are_64(self):
        cases = [
            (["--restart", "--env-file", "/dev/null", "true"], "--restart only makes sense with --watch"),
            (["--on-change", "HUP", "--env-file", "/dev/null", "true"], "--on-change only makes sense with --watch"),
            (["--watch", "5", "--stop-timeout", "3", "--env-file", "/dev/null", "true"],
             "--stop-timeout only makes sense with --restart"),
            (["--watch", "5", "--check", "--env-file", "/dev/null"], "--watch cannot be combined with --export or"),
            (["--watch", "5", "--on-change", "NOPE", "true"], "--on-change takes a signal name"),
            (["--watch", "4", "--env-file", "/dev/null", "true"], "--watch takes at least 5 seconds, not 4"),
        ]
        for args, text in cases:
            with self.subTest(args=args):
                r = self.run_launcher(*args)
                self.assertEqual(r.returncode, 64, r.stderr)
                self.assertIn(text.encode(), r.stderr)

    def test_the_testing_floor_is_announced_on_stderr(self):
        r = self.run_launcher("--watch", "0.5", "--env-file", "/dev/null", "true",
                              env={"PATH": "/usr/bin:/bin", **FLOOR})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"DOTENV_RUN_WATCH_MIN_INTERVAL_MS (for tests only)", r.stderr)

    def test_verbose_prints_the_fleet_budget(self):
        r = self.run_launcher("-v", "--watch", "30", "--env-file", "/dev/null", "true")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"covers at most 50 instances", r.stderr)


if __name__ == "__main__":
    fx.main()
