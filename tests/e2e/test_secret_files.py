#!/usr/bin/python3
"""End-to-end tests of --as-file and --env-as-file over real TLS against the local server: secrets handed to the
command as sealed memfds with no path on any file system.

Usage: test_secret_files.py PATH_TO_DOTENV_RUN
"""
import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest

import cloud_fixture as fx
from cloud_fixture import CloudTest, PY

LEVELS = ("-p", "api", "-t", "web", "-e", "production")
ALL_SEALS = 0x1 | 0x2 | 0x4 | 0x8  # F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_GROW, F_SEAL_WRITE

# The command: what it got, for the variables named on its command line: each file read twice through its
# /dev/fd/N path, the seals, what a write and a truncate do; and every descriptor it holds.
FILE_REPORT = r'''
import errno, fcntl, hashlib, json, os, sys
env = dict(e.decode("latin-1").split("=", 1) for e in open("/proc/self/environ", "rb").read().split(b"\0") if e)
fds = {}
for name in os.listdir("/proc/self/fd"):
    try:
        fds[int(name)] = {"link": os.readlink(f"/proc/self/fd/{name}"),
                          "cloexec": bool(fcntl.fcntl(int(name), fcntl.F_GETFD) & fcntl.FD_CLOEXEC)}
    except OSError:
        pass  # the directory listing's own descriptor, closed by now
files = {}
for var in sys.argv[2:]:
    path = env[var]
    fd = int(path.rsplit("/", 1)[1])
    reads = []
    for _ in range(2):
        with open(path, "rb") as f:
            reads.append(f.read())
    def refused(call):
        try:
            call()
            return 0
        except OSError as e:
            return e.errno
    def write_through_path():
        w = os.open(path, os.O_WRONLY)
        try:
            os.write(w, b"x")
        finally:
            os.close(w)
    files[var] = {"size": len(reads[0]), "sha256": hashlib.sha256(reads[0]).hexdigest(),
                  "hex": reads[0].hex() if len(reads[0]) <= 65536 else None, "same_twice": reads[0] == reads[1],
                  "seals": fcntl.fcntl(fd, fcntl.F_GET_SEALS), "link": os.readlink(f"/proc/{os.getpid()}/fd/{fd}"),
                  "write": refused(lambda: os.write(fd, b"x")), "write_path": refused(write_through_path),
                  "truncate": refused(lambda: os.ftruncate(fd, 0)),
                  "add_seal": refused(lambda: fcntl.fcntl(fd, fcntl.F_ADD_SEALS, 0x10))}
with open(sys.argv[1], "w") as f:
    json.dump({"pid": os.getpid(), "env": env, "fds": fds, "files": files}, f)
'''


def env_line(name, value):
    """NAME="value" with the escapes of docs/dotenv-format.md section 4 (as --export --format env writes it)."""
    escaped = value.replace(b"\\", b"\\\\").replace(b'"', b'\\"').replace(b"$", b"\\$").replace(b"\n", b"\\n")
    return name.encode() + b'="' + escaped.replace(b"\r", b"\\r") + b'"\n'


# Every byte but NUL (which no value can hold), then a trailing newline.
BINARY_VALUE = bytes(range(1, 256)) + b"s3cr3t\n"


class SecretFiles(CloudTest):

    def setUp(self):
        super().setUp()
        self.file_child = self.file("file_report.py", FILE_REPORT)

    def launch_files(self, args, variables, env=None, **popen):
        """Runs FILE_REPORT through the launcher; returns (Result, report)."""
        import json
        r = self.launch(args, [PY, self.file_child, self.report, *variables], env, **popen)
        self.assertEqual(r.code, 0, r.err)
        self.assert_clean(r)
        with open(self.report) as f:
            return r, json.load(f)

    def assert_sealed_file(self, report, variable, content, label):
        """`variable` names /dev/fd/N, a sealed memfd named dotenv-run:LABEL holding exactly `content`."""
        path = report["env"][variable]
        self.assertRegex(path, r"^/dev/fd/[0-9]+$")
        fd = path.rsplit("/", 1)[1]
        got = report["files"][variable]
        self.assertEqual(got["size"], len(content))
        self.assertEqual(got["sha256"], hashlib.sha256(content).hexdigest())
        if got["hex"] is not None:
            self.assertEqual(bytes.fromhex(got["hex"]), content)
        self.assertTrue(got["same_twice"])
        self.assertEqual(got["seals"] & ALL_SEALS, ALL_SEALS)
        for attempt in ("write", "write_path", "truncate", "add_seal"):
            self.assertEqual(got[attempt], 1, f"{attempt}: EPERM expected")  # EPERM
        self.assertEqual(got["link"], f"/memfd:dotenv-run:{label} (deleted)")
        self.assertEqual(report["fds"][fd], {"link": got["link"], "cloexec": False})

    def test_binary_bytes_and_a_trailing_newline_read_back_byte_for_byte_from_a_sealed_memfd(self):
        self.store_level(env_line("BIN", BINARY_VALUE) + b"OTHER=plain-s3cr3t\n")
        r, report = self.launch_files(LEVELS + ("--as-file", "BIN"), ["BIN_FILE"])
        self.assert_sealed_file(report, "BIN_FILE", BINARY_VALUE, "BIN")
        self.assertNotIn("BIN", report["env"])
        self.assertEqual(report["env"]["OTHER"], "plain-s3cr3t")
        self.assertEqual(sorted(map(int, report["fds"])), [0, 1, 2, 3])

    def test_two_as_files_and_an_env_file_at_once_leave_no_secret_in_the_environment(self):
        args = LEVELS + ("--as-file", "A", "--as-file", "C=C_PATH", "--env-as-file", "DOTENV")
        r, report = self.launch_files(args, ["A_FILE", "C_PATH", "DOTENV"])
        exported = self.launch(LEVELS + ("--export", "--exclude", "A,C"), command=())
        self.assertEqual(exported.code, 0, exported.err)
        self.assert_sealed_file(report, "A_FILE", b"project-s3cr3t-a", "A")
        self.assert_sealed_file(report, "C_PATH", b"environment-s3cr3t-c", "C")
        self.assert_sealed_file(report, "DOTENV", exported.out, ".env")
        self.assertIn(b'URL="postgres://db-s3cr3t:5432/app"\n', exported.out)
        for name in ("A", "B", "C", "HOST", "PORT", "URL"):
            self.assertNotIn(name, report["env"])
        # In order, right above stderr: the only descriptors besides stdin, stdout and stderr.
        self.assertEqual([report["env"][v] for v in ("A_FILE", "C_PATH", "DOTENV")],
                         ["/dev/fd/3", "/dev/fd/4", "/dev/fd/5"])
        self.assertEqual(sorted(map(int, report["fds"])), [0, 1, 2, 3, 4, 5])

    def test_a_one_mib_value_from_an_env_file(self):
        # 1 MiB does not fit a level: docs/api.md caps a blob string at 1 MiB (413), and base64 adds a third.
        value = bytes((i * 7919) % 255 + 1 for i in range((1 << 20) - 7)) + b"s3cr3t\n"
        self.assertEqual(len(value), 1 << 20)
        env_file = self.file("big.env", env_line("BIG", value))
        r, report = self.launch_files(("--env-file", env_file, "--as-file", "BIG"), ["BIG_FILE"])
        self.assert_sealed_file(report, "BIG_FILE", value, "BIG")

    def test_with_only_prefix_and_clean_env_the_path_variable_carries_the_prefix(self):
        args = LEVELS + ("--only", "A,B", "--prefix", "APP_", "--clean-env", "--as-file", "A")
        r, report = self.launch_files(args, ["APP_A_FILE"])
        self.assert_sealed_file(report, "APP_A_FILE", b"project-s3cr3t-a", "APP_A")
        self.assertEqual(sorted(report["env"]), ["APP_A_FILE", "APP_B"])

    def test_memfds_go_above_listen_fds_sockets_which_stay_untouched(self):
        listeners = []
        for _ in range(2):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            s.listen(1)
            listeners.append(s)
        # Plays systemd: the sockets as fds 3 and 4, LISTEN_FDS=2 and LISTEN_PID the pid that execs the launcher.
        wrapper = ("import os, sys\n"
                   "a, b = int(sys.argv[1]), int(sys.argv[2])\n"
                   "t = [os.dup(a), os.dup(b)]\n"
                   "os.dup2(t[0], 3); os.dup2(t[1], 4)\n"
                   "[os.close(fd) for fd in {a, b, *t} - {3, 4}]\n"
                   "os.set_inheritable(3, True); os.set_inheritable(4, True)\n"
                   "os.environ.update(LISTEN_FDS='2', LISTEN_PID=str(os.getpid()))\n"
                   "os.execv(sys.argv[3], sys.argv[3:])\n")
        fds = [s.fileno() for s in listeners]
        import json
        argv = [PY, "-c", wrapper, str(fds[0]), str(fds[1]), fx.BINARY, *LEVELS, "--as-file", "A,B", "--",
                PY, self.file_child, self.report, "A_FILE", "B_FILE"]
        proc = subprocess.run(argv, env=self.env(), capture_output=True, cwd=self.dir, pass_fds=fds, timeout=60)
        for s in listeners:
            s.close()
        self.assertEqual(proc.returncode, 0, proc.stderr)
        with open(self.report) as f:
            report = json.load(f)
        self.assertEqual(report["env"]["LISTEN_PID"], str(report["pid"]))
        self.assertEqual(sorted(map(int, report["fds"])), [0, 1, 2, 3, 4, 5, 6], report["fds"])
        for fd in ("3", "4"):
            self.assertRegex(report["fds"][fd]["link"], r"^socket:\[[0-9]+\]$")
        self.assertEqual((report["env"]["A_FILE"], report["env"]["B_FILE"]), ("/dev/fd/5", "/dev/fd/6"))
        self.assert_sealed_file(report, "A_FILE", b"project-s3cr3t-a", "A")
        self.assert_sealed_file(report, "B_FILE", b"target-s3cr3t-b", "B")

    def test_check_lists_each_file_with_its_variable_and_secrets_never_a_value(self):
        r = self.launch(LEVELS + ("--check", "--as-file", "A=PW_PATH", "--env-as-file", "DOTENV"), command=())
        self.assertEqual(r.code, 0, r.err)
        self.assert_clean(r)
        self.assertTrue(r.out.endswith(b"merged: 6 variables; passed to the command: 6\n"
                                       b"file PW_PATH: A\nfile DOTENV: .env of B, HOST, C, PORT, URL\n"), r.out)

    def test_refusals_exit_before_any_command_starts(self):
        self.assert_refused(self.launch(LEVELS + ("--as-file", "NOPE")), 65,
                            "--as-file names NOPE, which is not among the secrets passed to the command")
        self.assert_refused(self.launch(LEVELS + ("--exclude", "A", "--as-file", "A")), 65,
                            "--as-file names A, which is not among the secrets passed to the command")
        self.assert_refused(self.launch(LEVELS + ("--as-file", "A", "--export"), command=()), 64,
                            "--as-file and --env-as-file cannot be combined with --export (see dotenv-run --help)")
        self.assert_refused(self.launch(LEVELS + ("--as-file", "A=B")), 65,
                            "B would carry a secret file's path but is also a secret's name; name another variable "
                            "with --as-file NAME=VAR")

    def test_the_inherited_descriptor_itself_reads_from_the_start(self):
        env_file = self.file("pw.env", env_line("PW", BINARY_VALUE))
        r = self.launch(("--env-file", env_file, "--as-file", "PW"), ["sh", "-c", 'exec cat <&3'])
        self.assertEqual((r.code, r.out), (0, BINARY_VALUE), r.err)

    def test_a_file_the_system_will_not_make_is_one_line_and_exit_70_before_the_command(self):
        import resource
        with open(fx.BINARY, "rb") as f:
            if b"__asan_init" in f.read():
                # UBSan's vptr check opens a pipe to test memory, and at the limit it cannot: it reports a false error.
                self.skipTest("a sanitizer runtime needs descriptors of its own under the open-files limit")
        env_file = self.file("three.env", "PW=pw-s3cr3t\nOTHER=other-s3cr3t\nLAST=last-s3cr3t\n")
        # Room for stdin, stdout, stderr and two more descriptors (reading a settings file needs both: its
        # directory and the file): the third memfd cannot be made.
        r = self.launch(("--env-file", env_file, "--as-file", "PW,OTHER", "--env-as-file", "DOTENV"),
                        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (5, 5)))
        self.assert_refused(r, 70, "cannot make the secret file for DOTENV: memfd_create: Too many open files")

    def test_no_file_is_created_or_written_during_a_whole_launch(self):
        strace = shutil.which("strace")
        if strace is None or subprocess.run([strace, "-f", "-o", "/dev/null", "true"]).returncode != 0:
            self.skipTest("strace is missing or cannot ptrace here")
        self.store_level(env_line("PW", BINARY_VALUE) + b"OTHER=plain-s3cr3t\n")
        trace = self.path("trace")
        argv = [strace, "-qq", "-f", "-y", "-s", "0", "-o", trace, "-e", "trace=%file,%desc,memfd_create",
                fx.BINARY, *LEVELS, "--as-file", "PW", "--env-as-file", "DOTENV", "--",
                "sh", "-c", 'cat "$PW_FILE" "$PW_FILE"; exec cat "$DOTENV"']
        r = subprocess.run(argv, env=self.env(), capture_output=True, cwd=self.dir, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith(BINARY_VALUE + BINARY_VALUE + b'A="project-s3cr3t-a"\n'), r.stdout[-200:])
        self.assertTrue(r.stdout.endswith(b'OTHER="plain-s3cr3t"\n'), r.stdout[-200:])
        with open(trace) as f:
            lines = f.read().splitlines()
        self.assertGreater(len(lines), 50)
        memfds = [l for l in lines if " memfd_create(" in l]
        self.assertEqual(len(memfds), 2, memfds)
        self.assertTrue(all(re.search(r'memfd_create\(.*MFD_CLOEXEC\|MFD_ALLOW_SEALING.* = \d+</memfd:dotenv-run:(PW|\.env)>',
                                      l) for l in memfds), memfds)
        problems = []
        for line in lines:
            call = re.match(r"^\d+ +(\w+)\((.*)", line)
            if not call:
                continue
            name, rest = call.groups()
            if name in ("creat", "mknod", "mknodat", "link", "linkat", "symlink", "symlinkat", "rename", "renameat",
                        "renameat2", "truncate", "mkdir", "mkdirat", "unlink", "unlinkat"):
                problems.append(line)
            elif name in ("open", "openat", "openat2") and re.search(r"O_CREAT|O_WRONLY|O_RDWR|O_TRUNC", rest) \
                    and "= -1 " not in line:
                problems.append(line)
            elif name in ("write", "pwrite64", "writev", "pwritev", "pwritev2", "sendfile", "copy_file_range",
                          "ftruncate", "fallocate"):
                # Every descriptor the call names (copy_file_range's target is its third argument).
                targets = re.findall(r"\d+<([^>]*)>", rest.split(") = ", 1)[0])
                if not targets or not all(re.match(r"(/memfd:dotenv-run:|pipe:|socket:)", t) for t in targets):
                    problems.append(line)
        self.assertEqual(problems, [])
        # Writes reach the memfds; the command reads them through /dev/fd/N, a memfd link.
        self.assertTrue(any(re.match(r"\d+ +write\(\d+</memfd:dotenv-run:PW", l) for l in lines))
        self.assertTrue(any(re.search(r'openat\(AT_FDCWD</[^>]*>, "/dev/fd/\d+</memfd:dotenv-run:PW', l) or
                            re.search(r'openat\(.*"/dev/fd/\d+", O_RDONLY.*\) = \d+</memfd:dotenv-run:PW', l)
                            for l in lines), [l for l in lines if "/dev/fd/" in l])


if __name__ == "__main__":
    fx.main()
