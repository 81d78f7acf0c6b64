#!/usr/bin/python3
"""End-to-end tests of the launcher without the network: --env-file sources, exec, signals, fds, export.

Usage: test_offline.py PATH_TO_DOTENV_RUN
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import unittest

from child_report import CHILD_REPORT

BINARY = None
PY = "/usr/bin/python3"


def run(args, env=None, cwd=None, **kw):
    """Runs the launcher; returns CompletedProcess with bytes stdout/stderr."""
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    if env is not None:
        base.update(env)
    return subprocess.run([BINARY] + args, env=base, capture_output=True, cwd=cwd or tempfile.gettempdir(),
                          timeout=30, **kw)


class Tmp:
    def __init__(self):
        self.dir = tempfile.TemporaryDirectory()

    def file(self, name, content, mode=0o600):
        path = os.path.join(self.dir.name, name)
        with open(path, "wb") as f:
            f.write(content if isinstance(content, bytes) else content.encode())
        os.chmod(path, mode)
        return path

    def path(self, name):
        return os.path.join(self.dir.name, name)




class Offline(unittest.TestCase):
    def setUp(self):
        self.tmp = Tmp()
        self.addCleanup(self.tmp.dir.cleanup)
        self.report = self.tmp.path("report.json")
        self.child = self.tmp.file("child.py", CHILD_REPORT)

    def launch_child(self, envfile_text, extra_args=(), env=None, **kw):
        envfile = self.tmp.file("a.env", envfile_text)
        proc = subprocess.Popen([BINARY, "--env-file", envfile, *extra_args, "--", PY, self.child, self.report],
                                env=env if env is not None else {"PATH": "/usr/bin:/bin"},
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=self.tmp.dir.name, **kw)
        out, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 0, err.decode())
        with open(self.report) as f:
            data = json.load(f)
        data["launcher_pid"] = proc.pid
        return data

    def test_the_command_replaces_the_launcher_and_keeps_its_pid(self):
        r = self.launch_child("A=1\n")
        self.assertEqual(r["pid"], r["launcher_pid"])
        self.assertEqual(r["env"]["A"], "1")

    def test_the_exit_status_is_the_commands_own(self):
        envfile = self.tmp.file("a.env", "A=1\n")
        self.assertEqual(run(["--env-file", envfile, "sh", "-c", "exit 42"]).returncode, 42)

    def test_a_missing_command_exits_127_and_a_non_executable_one_126(self):
        envfile = self.tmp.file("a.env", "A=1\n")
        r = run(["--env-file", envfile, "no-such-command-xyz"])
        self.assertEqual(r.returncode, 127)
        self.assertEqual(r.stderr, b"dotenv-run: error: cannot run no-such-command-xyz: command not found\n")
        script = self.tmp.file("noexec.sh", "#!/bin/sh\necho hi\n", mode=0o644)
        r = run(["--env-file", envfile, script])
        self.assertEqual(r.returncode, 126)
        self.assertIn(b"Permission denied", r.stderr)

    def test_an_empty_command_exits_127_as_env_does(self):
        envfile = self.tmp.file("a.env", "A=1\n")
        r = run(["--env-file", envfile, ""])
        self.assertEqual(r.returncode, 127)
        self.assertEqual(r.stderr, b'dotenv-run: error: cannot run "": command not found\n')

    def test_a_script_without_a_shebang_is_run_by_bin_sh_as_execvp_does(self):
        envfile = self.tmp.file("a.env", "GREETING=hello\n")
        script = self.tmp.file("plain", 'echo "$GREETING from $0 with $1"\n', mode=0o755)
        r = run(["--env-file", envfile, script, "arg"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, f"hello from {script} with arg\n".encode())

    def test_an_endless_env_file_is_refused_at_the_limit_without_holding_more(self):
        # /dev/zero has no size: reading stops one byte past 64 MiB. A string grown by doubling in memory that is
        # never freed held about 276 MB before refusing it.
        code = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True); "
                "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
                "sys.stdout.write(r.stderr.decode())")
        out = subprocess.run([sys.executable, "-c", code, BINARY, "--env-file", "/dev/zero", "--", "true"],
                             capture_output=True, text=True).stdout
        first, _, stderr = out.partition("\n")
        returncode, peak_kib = map(int, first.split())
        self.assertEqual(returncode, 78)
        self.assertEqual(stderr, "dotenv-run: error: --env-file /dev/zero: larger than 64 MiB\n")
        with open(BINARY, "rb") as f:
            if b"__asan_init" not in f.read():  # a sanitizer's own bookkeeping adds its own
                self.assertLess(peak_kib, 100 * 1024)
        print(f"\n  --env-file /dev/zero: peak RSS {peak_kib} KiB", file=sys.stderr)

    def test_the_command_is_found_in_the_path_of_the_secrets(self):
        bindir = os.path.join(self.tmp.dir.name, "bin")
        os.mkdir(bindir)
        tool = os.path.join(bindir, "only-here")
        with open(tool, "w") as f:
            f.write("#!/bin/sh\necho found-it\n")
        os.chmod(tool, 0o755)
        envfile = self.tmp.file("a.env", "PATH=%s:${PATH}\n" % bindir)
        r = run(["--env-file", envfile, "only-here"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, b"found-it\n")

    def signal_masks(self, preexec):
        """SigIgn and SigBlk of `cat` run through the launcher (Python itself would ignore SIGPIPE)."""
        envfile = self.tmp.file("a.env", "A=1\n")
        r = run(["--env-file", envfile, "cat", "/proc/self/status"], preexec_fn=preexec)
        self.assertEqual(r.returncode, 0, r.stderr)
        fields = dict(line.split(":\t", 1) for line in r.stdout.decode().splitlines() if ":\t" in line)
        return int(fields["SigIgn"], 16), int(fields["SigBlk"], 16)

    def test_an_ignored_sighup_and_a_blocked_signal_pass_through_as_with_env(self):
        def preexec():
            signal.signal(signal.SIGHUP, signal.SIG_IGN)
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
        ignored, blocked = self.signal_masks(preexec)
        self.assertTrue(ignored & (1 << (signal.SIGHUP - 1)), "SIGHUP should stay ignored")
        self.assertTrue(blocked & (1 << (signal.SIGUSR1 - 1)), "SIGUSR1 should stay blocked")

    def test_signals_the_launcher_changed_are_restored(self):
        def preexec():
            signal.signal(signal.SIGPIPE, signal.SIG_DFL)
            signal.signal(signal.SIGHUP, signal.SIG_DFL)
        ignored, blocked = self.signal_masks(preexec)
        self.assertFalse(ignored & (1 << (signal.SIGPIPE - 1)), "SIGPIPE must not be left ignored")
        self.assertFalse(ignored & (1 << (signal.SIGHUP - 1)))
        self.assertEqual(blocked, 0)

    def test_the_command_sees_only_the_fds_the_launcher_inherited(self):
        r = self.launch_child("A=1\n")
        self.assertEqual(r["fds"], [0, 1, 2, 3])  # 3: the child's own listing of /proc/self/fd
        extra_r, extra_w = os.pipe()
        try:
            r = self.launch_child("A=1\n", pass_fds=(extra_w,))
        finally:
            os.close(extra_r)
            os.close(extra_w)
        self.assertIn(extra_w, r["fds"])

    def test_the_launchers_token_and_key_never_reach_the_command(self):
        env = {"PATH": "/usr/bin:/bin", "DOTENV_CLOUD_TOKEN": "tok-secret", "DOTENV_CLOUD_TOKEN_FILE": "/x",
               "DOTENV_CLOUD_KEY": "key-secret", "DOTENV_CLOUD_KEY_FILE": "/y", "KEEP_ME": "1"}
        r = self.launch_child("A=1\n", env=env)
        for name in ("DOTENV_CLOUD_TOKEN", "DOTENV_CLOUD_TOKEN_FILE", "DOTENV_CLOUD_KEY", "DOTENV_CLOUD_KEY_FILE"):
            self.assertNotIn(name, r["env"])
        self.assertEqual(r["env"]["KEEP_ME"], "1")

    def test_a_source_cannot_copy_the_launchers_token_into_the_command(self):
        env = {"PATH": "/usr/bin:/bin", "DOTENV_CLOUD_TOKEN": "tok-secret", "DOTENV_CLOUD_KEY": "key-secret"}
        r = self.launch_child("STOLEN=${DOTENV_CLOUD_TOKEN}${DOTENV_CLOUD_KEY:-none}\nDOTENV_CLOUD_TOKEN\n", env=env)
        self.assertEqual(r["env"]["STOLEN"], "none")
        self.assertNotIn("DOTENV_CLOUD_TOKEN", r["env"])

    def test_secrets_override_inherited_values_unless_preserve_env(self):
        env = {"PATH": "/usr/bin:/bin", "A": "inherited"}
        self.assertEqual(self.launch_child("A=secret\n", env=env)["env"]["A"], "secret")
        self.assertEqual(self.launch_child("A=secret\n", ["--preserve-env"], env=env)["env"]["A"], "inherited")

    def test_clean_env_passes_only_secrets_and_kept_names(self):
        env = {"PATH": "/usr/bin:/bin", "HOME": "/root", "OTHER": "x"}
        r = self.launch_child("A=1\n", ["--clean-env", "--keep", "HOME"], env=env)
        self.assertEqual(r["env"], {"HOME": "/root", "A": "1"})

    def test_values_that_are_not_utf8_pass_byte_for_byte(self):
        r = self.launch_child(b"RAW=\xff\xfe\x80ok\n")
        self.assertEqual(r["env"]["RAW"], "\xff\xfe\x80ok")

    def test_files_merge_in_order_and_expand_across_files(self):
        a = self.tmp.file("1.env", "HOST=one\nPORT=1\n")
        b = self.tmp.file("2.env", "PORT=2\nURL=http://${HOST}:${PORT}\n")
        r = run(["--env-file", a, "--env-file", b, "--export", "--format", "json"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, b'{"HOST":"one","PORT":"2","URL":"http://one:2"}\n')

    def test_only_exclude_and_prefix(self):
        a = self.tmp.file("1.env", "A=1\nB=2\nC=3\n")
        r = run(["--env-file", a, "--exclude", "B", "--prefix", "APP_", "--export", "--format", "json"])
        self.assertEqual(r.stdout, b'{"APP_A":"1","APP_C":"3"}\n')
        r = run(["--env-file", a, "--only", "C,Z", "--export"])
        self.assertEqual(r.returncode, 65)
        self.assertEqual(r.stderr, b"dotenv-run: error: --only names Z, which no source defines\n")

    def test_export_env_reads_back_to_the_same_values(self):
        text = 'A="line1\\nline2"\nB=\'single $x\'\nC="quote \\" back \\\\ dollar \\$ tab\t"\n'
        a = self.tmp.file("1.env", text)
        first = run(["--env-file", a, "--export", "--format", "json"])
        exported = run(["--env-file", a, "--export", "--format", "env"])
        b = self.tmp.file("2.env", exported.stdout)
        second = run(["--env-file", b, "--export", "--format", "json"])
        self.assertEqual(first.returncode, 0, first.stderr)
        self.assertEqual(json.loads(first.stdout), json.loads(second.stdout))

    def test_export_shell_is_safe_to_eval(self):
        a = self.tmp.file("1.env", "A='it\\'s; rm -rf / $(x) `y`'\nB=\"two\\nlines\"\n")
        exported = run(["--env-file", a, "--export", "--format", "shell"])
        self.assertEqual(exported.returncode, 0, exported.stderr)
        script = exported.stdout.decode() + 'printf "%s|%s" "$A" "$B"'
        out = subprocess.run(["bash", "-c", script], capture_output=True)
        self.assertEqual(out.stdout.decode(), "it's; rm -rf / $(x) `y`|two\nlines")

    def refused(self, text, args=(), code=65):
        marker = self.tmp.path("started")
        a = self.tmp.file("bad.env", text)
        r = run(["--env-file", a, *args, "--", "touch", marker])
        self.assertEqual(r.returncode, code, r.stderr)
        self.assertFalse(os.path.exists(marker), "the command must not start")
        return r.stderr.decode()

    def test_a_malformed_line_names_file_and_line_never_the_value(self):
        err = self.refused("A=1\nB=\"s3cr3t-value\n")
        self.assertTrue(err.startswith("dotenv-run: error: file "), err)
        self.assertIn(": line 2: ", err)
        self.assertNotIn("s3cr3t", err)

    def test_code_loading_names_are_refused_unless_allowed(self):
        err = self.refused("LD_PRELOAD=/tmp/evil.so\n")
        self.assertEqual(err, "dotenv-run: error: secret LD_PRELOAD would make programs load code; refused "
                              "(--allow-unsafe-names allows it)\n")
        a = self.tmp.file("ok.env", "NODE_OPTIONS=--max-old-space-size=100\n")
        r = run(["--env-file", a, "--allow-unsafe-names", "--", "true"])
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_an_openssl_configuration_secret_is_refused_unless_allowed(self):
        # Found in review (issue 15): OPENSSL_CONF made `openssl version` load a shared object.
        err = self.refused("OPENSSL_CONF=/tmp/evil.cnf\n")
        self.assertEqual(err, "dotenv-run: error: secret OPENSSL_CONF would make programs load code; refused "
                              "(--allow-unsafe-names allows it)\n")
        a = self.tmp.file("ok.env", "OPENSSL_CONF=/dev/null\n")
        r = run(["--env-file", a, "--allow-unsafe-names", "--", "true"])
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_a_malformed_reference_names_the_variable_never_the_text_after_the_equals_sign(self):
        # Found in review (issue 15): `missing } after ${Tr0ub4dor` printed part of a password.
        for line in ("P=Xk9${Tr0ub4dor", "P=${Tr0ub4dor:=x}", "P=${Tr0ub4dor:?Tr0ub4dor}"):
            with self.subTest(line=line):
                err = self.refused("A=1\n" + line + "\n")
                self.assertRegex(err, r"\Adotenv-run: error: file \S+bad\.env: line 2: P: [^\n]*\n\Z")
                self.assertNotIn("Tr0", err)

    def test_a_nul_byte_is_refused_before_exec(self):
        self.refused(b"A=ok\nB=x\x00y\n")

    def test_oversized_values_are_refused_before_exec_naming_the_variable(self):
        err = self.refused("BIG=" + "x" * (128 * 1024) + "\n")
        self.assertIn("secret BIG is over 128 KiB", err)
        many = "".join("V%d=%s\n" % (i, "y" * 100000) for i in range(100))
        err = self.refused(many)
        self.assertIn("over the exec limit", err)

    def test_usage_errors_exit_64_and_help_and_version_exit_0(self):
        r = run(["--no-such-flag"])
        self.assertEqual(r.returncode, 64)
        self.assertEqual(r.stderr, b"dotenv-run: error: unknown option '--no-such-flag' (see dotenv-run --help)\n")
        self.assertEqual(run(["--help"]).returncode, 0)
        v = run(["--version"])
        self.assertEqual(v.returncode, 0)
        self.assertTrue(v.stdout.startswith(b"dotenv-run "))

    def test_nothing_to_load_is_a_configuration_error(self):
        r = run(["true"])
        self.assertEqual(r.returncode, 78)

    def test_check_counts_without_values(self):
        a = self.tmp.file("1.env", "A=hidden-value\nB=2\n")
        r = run(["--env-file", a, "--check"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.decode(), "file %s: 2 variables (local file)\nmerged: 2 variables; passed to the "
                                            "command: 2\n" % a)
        self.assertNotIn(b"hidden", r.stdout + r.stderr)


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=1)
