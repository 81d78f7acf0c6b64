#!/usr/bin/python3
"""End-to-end tests of the offline fallback (docs/fallback.md): written after each successful launch, used when the
API stays out, refused when old, changed, another project's or under another key, removed after 401, 403, 404.

Usage: test_fallback.py PATH_TO_DOTENV_RUN PATH_TO_DOTENV_CLOUD
"""
import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time

import cloud_fixture as fx
from cloud_fixture import CloudTest, ORG, TOKENS, CLIENT_KEY, INVALID_TOKEN

LEVELS = ("-p", "api", "-t", "web", "-e", "production")
BILLING = ("-p", "billing", "-t", "web")
FALLBACK_KEY = base64.b64encode(bytes(range(50, 82))).decode()
OTHER_FALLBACK_KEY = base64.b64encode(bytes(range(150, 182))).decode()
NOTICE = re.compile(r"^dotenv-run: using the fallback from (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) \(age (\d+)s\): (.*)$")


def file_name(org, project, target=None, environment=None):
    """docs/fallback.md: BLAKE2b-128 of the organization, project, target and environment, each ended by a NUL."""
    text = b"".join(part.encode() + b"\0" for part in (org, project, target or "", environment or ""))
    return hashlib.blake2b(text, digest_size=16).hexdigest() + ".fallback"


class Fallback(CloudTest):

    def setUp(self):
        super().setUp()
        self.state = os.path.join(self.dir, "state")
        self.key_file = self.file("fallback.key", FALLBACK_KEY + "\n")
        self.dead_url = f"https://127.0.0.1:{fx.free_port()}"

    def args(self, levels=LEVELS, *extra):
        return levels + ("--fallback", self.state, "--fallback-key-file", self.key_file, "--retry-timeout", "1") + extra

    def fallback_path(self, *query):
        return os.path.join(self.state, file_name(ORG, *(query or ("api", "web", "production"))))

    def offline_env(self, **extra):
        """The API at a port nothing listens on: every connection is refused, as with the server stopped."""
        return self.env(DOTENV_CLOUD_API_URL=self.dead_url, **extra)

    def written(self, levels=LEVELS, *extra):
        """A launch that succeeds and leaves the fallback; returns the child's report."""
        r, child = self.launch_child(self.args(levels, *extra))
        self.assertEqual(r.err, b"")
        self.assertIn(os.path.basename(self.fallback_path(*levels[1::2])), os.listdir(self.state))
        self.assertFalse([name for name in os.listdir(self.state) if name.endswith(".tmp")])
        return child

    def assert_notice(self, r, why):
        notices = [line for line in r.lines if NOTICE.match(line)]
        self.assertEqual(len(notices), 1, r.err)
        when, age, said = NOTICE.match(notices[0]).groups()
        self.assertLess(int(age), 60)
        self.assertRegex(said, why)
        return when

    # Written, then used

    def test_a_launch_writes_the_fallback_and_with_the_api_down_the_next_starts_with_the_same_variables(self):
        online = self.written()
        self.assertEqual(os.stat(self.fallback_path()).st_mode & 0o7777, 0o600)
        r = self.launch(self.args(), [fx.PY, self.child, self.report], env=self.offline_env())
        self.assertEqual(r.code, 0, r.err)
        self.assert_notice(r, r"^gave up after \d+ attempts? in [0-9.]+ s: last error: could not connect to the API ")
        with open(self.report) as f:
            offline = json.load(f)
        # The same variables but the API URL the test changed.
        self.assertEqual(offline["env"].pop("DOTENV_CLOUD_API_URL"), self.dead_url)
        self.assertEqual(online["env"].pop("DOTENV_CLOUD_API_URL"), self.server.url)
        self.assertEqual(offline["env"], online["env"])
        self.assertEqual(offline["env"]["C"], "environment-s3cr3t-c")
        self.assert_clean(r)

    def test_503_and_429_until_the_deadline_use_the_fallback(self):
        self.written()
        for status in (503, 429):
            with self.subTest(status=status):
                self.reset()
                self.script({"status": status, "repeat": True})
                r = self.launch(self.args())
                self.assertEqual(r.code, 0, r.err)
                self.assertTrue(os.path.exists(self.marker))
                os.unlink(self.marker)
                self.assert_notice(r, rf"^gave up after \d+ attempts? in [0-9.]+ s: last answer {status} ")

    def test_check_names_the_fallback_on_stderr_and_in_each_level(self):
        self.written()
        r = self.launch(self.args(LEVELS, "--check"), command=(), env=self.offline_env())
        self.assertEqual(r.code, 0, r.err)
        when = self.assert_notice(r, r"^gave up after ")
        self.assertEqual(r.out.decode(), f"level project api: 3 variables (version 1; from the fallback of {when})\n"
                                         f"level target web: 3 variables (version 1; from the fallback of {when})\n"
                                         f"level environment production: 2 variables (version 1; from the fallback "
                                         f"of {when})\n"
                                         "merged: 6 variables; passed to the command: 6\n")

    def test_fallback_only_never_contacts_the_api_and_needs_no_token(self):
        self.written()
        self.reset()
        r = self.launch(self.args(LEVELS, "--fallback-only"), env=self.env(DOTENV_CLOUD_TOKEN_FILE=None))
        self.assertEqual(r.code, 0, r.err)
        self.assertTrue(os.path.exists(self.marker))
        self.assert_notice(r, r"^--fallback-only$")
        self.assertEqual(self.log()["data"], [])
        self.assertEqual(self.launcher_handshakes(), 0)

    def test_verbose_says_where_the_directory_and_key_come_from_never_the_key(self):
        r = self.launch(LEVELS + ("-v",), env=self.env(DOTENV_CLOUD_FALLBACK_DIR=self.state,
                                                        DOTENV_CLOUD_FALLBACK_KEY_FILE=self.key_file))
        self.assertEqual(r.code, 0, r.err)
        self.assertIn(f"dotenv-run: fallback directory = {self.state} (from DOTENV_CLOUD_FALLBACK_DIR)", r.lines)
        self.assertIn(f"dotenv-run: fallback key from DOTENV_CLOUD_FALLBACK_KEY_FILE={self.key_file}", r.lines)
        self.assertIn("dotenv-run: fallback max age = 3d0h", r.lines)
        self.assertNotIn(FALLBACK_KEY.encode(), r.err)
        self.assertTrue(os.path.exists(self.fallback_path()))

    def test_the_key_from_a_systemd_credential(self):
        creds = os.path.join(self.dir, "creds")
        os.mkdir(creds, 0o700)
        shutil.copy(self.key_file, os.path.join(creds, "dotenv-cloud-fallback-key"))
        env = self.env(DOTENV_CLOUD_FALLBACK_DIR=self.state, CREDENTIALS_DIRECTORY=creds)
        self.assertEqual(self.launch(LEVELS, env=env).code, 0)
        os.unlink(self.marker)
        r = self.launch(LEVELS + ("--retry-timeout", "1"), env=dict(env, DOTENV_CLOUD_API_URL=self.dead_url))
        self.assertEqual(r.code, 0, r.err)
        self.assert_notice(r, r"^gave up after ")

    # What is on disk

    def test_the_file_holds_no_value_no_key_no_token_and_no_slug(self):
        self.written()
        with open(self.fallback_path(), "rb") as f:
            data = f.read()
        project_key = self.server.request("GET", f"/api/v1/{ORG}/api/key", token=TOKENS["full"]).json["data"]["key"]
        secrets = [fx.MARK, project_key, FALLBACK_KEY, TOKENS["full"], "production", "api", ORG]
        for text in secrets:
            self.assertNotIn(text.encode(), data, text)
        for raw in (base64.b64decode(project_key), base64.b64decode(FALLBACK_KEY)):
            self.assertNotIn(raw, data)
        self.assertTrue(data.startswith(b"dotenv-run fallback 1\n"))

    def test_a_client_managed_key_is_never_stored_and_is_needed_offline_as_online(self):
        key_file = self.file("client.key", CLIENT_KEY + "\n")
        r, _ = self.launch_child(self.args(BILLING, "--key-file", key_file))
        with open(self.fallback_path("billing", "web"), "rb") as f:
            data = f.read()
        self.assertNotIn(CLIENT_KEY.encode(), data)
        self.assertNotIn(base64.b64decode(CLIENT_KEY), data)
        r = self.launch(self.args(BILLING, "--key-file", key_file), env=self.offline_env())
        self.assertEqual(r.code, 0, r.err)
        os.unlink(self.marker)
        r = self.launch(self.args(BILLING), env=self.offline_env())
        self.assert_refused(r, 78)
        self.assertIn("project billing is client-managed: give its key", r.lines[-1])

    # Refused

    def test_a_fallback_older_than_the_maximum_age_is_refused_with_69_giving_its_age(self):
        self.written()
        time.sleep(2.2)
        r = self.launch(self.args(LEVELS, "--fallback-max-age", "1s"), env=self.offline_env())
        self.assert_refused(r, 69)
        self.assertRegex(r.lines[-1], r"^dotenv-run: error: the fallback from \S+Z is [2-9]s old, older than the "
                                      r"maximum age 1s; not used \(gave up after ")
        r = self.launch(self.args(LEVELS, "--fallback-max-age", "1m"), env=self.offline_env())
        self.assertEqual(r.code, 0, r.err)

    def test_no_fallback_file_yet_fails_as_without_one(self):
        r = self.launch(self.args(), env=self.offline_env())
        self.assert_refused(r, 69)
        self.assertRegex(r.lines[-1], r"^dotenv-run: error: gave up after .*; and there is no fallback file yet \(")

    def test_a_changed_file_another_projects_file_and_another_fallback_key_are_refused_with_65(self):
        self.written()
        self.written(("-p", "api", "-t", "bare", "-e", "production"))
        own = self.fallback_path()
        with open(own, "rb") as f:
            good = f.read()
        changed = bytearray(good)
        changed[len(changed) // 2] ^= 0x01
        other_key = self.file("other.key", OTHER_FALLBACK_KEY + "\n")
        with open(self.fallback_path("api", "bare", "production"), "rb") as f:
            other_target = f.read()
        cases = {
            "changed": (bytes(changed), self.key_file),
            "another project's": (other_target, self.key_file),
            "another key": (good, other_key),
        }
        for case, (content, key) in cases.items():
            with self.subTest(case=case):
                with open(own, "wb") as f:
                    f.write(content)
                r = self.launch(LEVELS + ("--fallback", self.state, "--fallback-key-file", key, "--retry-timeout",
                                          "1"), env=self.offline_env())
                self.assert_refused(r, 65)
                self.assertRegex(r.lines[-1], rf"^dotenv-run: error: the fallback file {re.escape(own)}: does not "
                                              r"open: it was changed, belongs to another project, target or "
                                              r"environment, or was sealed with another fallback key \(gave up ")

    def test_a_pin_or_certificate_failure_never_uses_the_fallback(self):
        self.written()
        wrong = "sha256//" + base64.b64encode(bytes(32)).decode()
        r = self.launch(self.args(LEVELS, "--pin", wrong))
        self.assert_refused(r, 69)
        [line] = r.lines
        self.assertTrue(line.startswith("dotenv-run: error: the API's public key matches none of the pins: "), line)
        self.assertTrue(os.path.exists(self.fallback_path()))

    def test_401_403_and_404_remove_the_fallback_and_fail_as_without_one(self):
        invalid = self.file("invalid-token", INVALID_TOKEN + "\n")
        noread = self.file("noread-token", TOKENS["noread"] + "\n")
        cases = [
            (77, self.env(DOTENV_CLOUD_TOKEN_FILE=invalid), None, "the API refused the token from "),
            (77, self.env(DOTENV_CLOUD_TOKEN_FILE=noread), None, "the token from "),
            (78, self.env(), {"status": 404, "body": {"message": "Environment not found.", "error": "not_found"}},
             "environment production was not found in api/web (404 not_found: "),
        ]
        for code, env, script, prefix in cases:
            with self.subTest(code=code, prefix=prefix):
                self.reset()
                self.written()
                if script:
                    self.script(script)
                r = self.launch(self.args(), env=env)
                self.assert_refused(r, code)
                [line] = r.lines
                self.assertTrue(line.startswith("dotenv-run: error: " + prefix), line)
                self.assertTrue(line.endswith(f"; removed its fallback file {self.fallback_path()}"), line)
                self.assertFalse(os.path.exists(self.fallback_path()))

    def test_a_directory_others_may_write_is_not_written_and_the_program_still_starts(self):
        os.mkdir(self.state)
        os.chmod(self.state, 0o777)
        r = self.launch(self.args())
        self.assertEqual(r.code, 0, r.err)
        self.assertTrue(os.path.exists(self.marker))
        self.assertEqual(r.lines, [f"dotenv-run: warning: the fallback was not written: the fallback directory "
                                   f"{self.state}: group or others may write it (mode 0777); refused"])
        self.assertEqual(os.listdir(self.state), [])

    def test_half_a_configuration_is_refused_before_any_request(self):
        r = self.launch(LEVELS + ("--fallback", self.state))
        self.assert_refused(r, 78)
        self.assertIn("no fallback key", r.lines[-1])
        self.assertEqual(self.log()["data"], [])

    # Concurrency and full disks

    def test_20_launchers_writing_the_same_file_at_once_leave_one_valid_file(self):
        # A deadline long enough that every one of them gets its answer from the API and writes.
        procs = [subprocess.Popen([fx.BINARY, *self.args(), "--retry-timeout", "30", "--", "true"], env=self.env(),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(20)]
        results = [(p.wait(timeout=60), p.stderr.read()) for p in procs]
        for p in procs:
            p.stdout.close()
            p.stderr.close()
        self.assertEqual([code for code, _ in results], [0] * 20, results)
        # Each got its answer from the API (at most after a retry) and wrote without a warning.
        self.assertEqual([err for _, err in results if b"fallback" in err], [])
        self.assertEqual([e["status"] for e in self.resolves() if e["status"] == 200], [200] * 20)
        self.assertEqual(os.listdir(self.state), [os.path.basename(self.fallback_path())])
        r = self.launch(self.args(), env=self.offline_env())
        self.assertEqual(r.code, 0, r.err)
        self.assert_notice(r, r"^gave up after ")

    def test_a_full_file_system_still_starts_the_program_with_one_warning(self):
        os.mkdir(self.state, 0o700)
        script = ('mount -t tmpfs -o size=16k,mode=0700 tmpfs "$0" && '
                  'dd if=/dev/zero of="$0/fill" bs=4k count=4 2>/dev/null; exec "$@"')
        probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script, self.state,
                                "true"], capture_output=True)
        if probe.returncode != 0:
            self.skipTest(f"no mount namespace with a tmpfs here: {probe.stderr.decode().strip()}")
        r = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script, self.state,
                            fx.BINARY, *self.args(), "--", "touch", self.marker], env=self.env(), capture_output=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.exists(self.marker))
        [line] = r.stderr.decode().splitlines()
        self.assertRegex(line, rf"^dotenv-run: warning: the fallback was not written: {re.escape(self.fallback_path())}"
                               r": cannot be written: No space left on device$")


class FallbackKeyNew(CloudTest):
    """dotenv-cloud fallback-key new FILE: a new 0600 file, never an existing one; the key works."""

    def cloud(self, *args):
        return subprocess.run([CLOUD, *args], env={"PATH": "/usr/bin:/bin"}, capture_output=True, cwd=self.dir)

    def test_a_new_key_file_is_32_random_bytes_in_base64_mode_0600_and_works(self):
        path = self.path("fallback.key")
        r = self.cloud("fallback-key", "new", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, b"")
        self.assertIn(path.encode(), r.stdout)
        self.assertEqual(os.stat(path).st_mode & 0o7777, 0o600)
        with open(path, "rb") as f:
            text = f.read()
        self.assertTrue(text.endswith(b"\n") and text.count(b"\n") == 1, text)
        self.assertEqual(len(base64.b64decode(text.strip(), validate=True)), 32)
        self.assertNotIn(text.strip(), r.stdout + r.stderr)
        other = self.path("other.key")
        self.assertEqual(self.cloud("fallback-key", "new", other).returncode, 0)
        with open(other, "rb") as f:
            self.assertNotEqual(f.read(), text)

        state = self.path("state")
        args = ("-p", "api", "--fallback", state, "--fallback-key-file", path, "--retry-timeout", "1")
        self.assertEqual(self.launch(args).code, 0)
        os.unlink(self.marker)
        r = self.launch(args, env=self.env(DOTENV_CLOUD_API_URL=f"https://127.0.0.1:{fx.free_port()}"))
        self.assertEqual(r.code, 0, r.err)
        self.assertTrue(os.path.exists(self.marker))

    def test_an_existing_file_or_a_symbolic_link_is_never_overwritten(self):
        existing = self.file("existing", "keep me\n")
        link = self.path("link")
        os.symlink(self.path("nowhere"), link)
        for path in (existing, link):
            with self.subTest(path=path):
                r = self.cloud("fallback-key", "new", path)
                self.assertEqual(r.returncode, 64, r.stderr)
                self.assertEqual(r.stderr.decode(), f"dotenv-cloud: error: fallback-key new {path}: already exists; "
                                                     "refusing to overwrite it (choose a new file, or move that one "
                                                     "away)\n")
        with open(existing) as f:
            self.assertEqual(f.read(), "keep me\n")
        self.assertFalse(os.path.exists(self.path("nowhere")))


CLOUD = None

if __name__ == "__main__":
    CLOUD = os.path.abspath(sys.argv.pop(2))
    fx.main()
