#!/usr/bin/env python3
"""End-to-end tests of what decides where the token goes: settings files and CA files another user could have
written or swapped are refused (a race with two users included), and server text never prints the token."""
import json
import os
import pwd
import shutil
import subprocess
import sys
import time

import cloud_fixture as fx
from cloud_fixture import CloudTest, ORG, TOKENS
from server_harness import ServerProcess

LEVELS = ("-p", "api", "-t", "web", "-e", "production")


class AnotherUsersFiles(CloudTest):
    """An attacker's API server beside the real one: it must never see a request."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.evil = ServerProcess(fx.seed(), "--test-control")

    @classmethod
    def tearDownClass(cls):
        cls.evil.stop()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        if os.geteuid() != 0:
            self.skipTest("needs root to make files of another user")
        self.attacker = pwd.getpwnam("nobody")
        self.evil.control("POST", "reset", {})
        os.chmod(self.dir, 0o755)  # the attacker must reach their own directory inside it
        # The real settings: root's file in root's directory, naming the real server and its CA.
        self.legit_dir = os.path.join(self.dir, "legit")
        os.mkdir(self.legit_dir, 0o755)
        legit_ca = shutil.copy(self.server.ca_file, os.path.join(self.legit_dir, "ca.pem"))
        os.chmod(legit_ca, 0o644)
        self.legit = self.settings_file(self.legit_dir, {"project": "api", "target": "web", "environment": "production",
                                                         "api_url": self.server.url, "ca_file": legit_ca})
        # A directory the attacker owns, above the directory the launch runs in (which is root's).
        self.shared = os.path.join(self.dir, "shared")
        os.mkdir(self.shared, 0o755)
        self.work = os.path.join(self.shared, "work")
        os.mkdir(self.work, 0o755)
        os.chown(self.shared, self.attacker.pw_uid, self.attacker.pw_gid)

    def settings_file(self, directory, settings, name=".dotenv-cloud.json", mode=0o644):
        path = os.path.join(directory, name)
        with open(path, "w") as f:
            json.dump(settings, f)
        os.chmod(path, mode)
        return path

    def evil_settings(self, directory, name=".dotenv-cloud.json"):
        """The attacker's settings: their server, trusted through their CA file beside it."""
        ca = shutil.copy(self.evil.ca_file, os.path.join(directory, "evil-ca.pem"))
        return self.settings_file(directory, {"project": "api", "target": "web", "environment": "production",
                                              "api_url": self.evil.url, "ca_file": "evil-ca.pem"}, name)

    def give_away(self, *paths):
        for path in paths:
            os.chown(path, self.attacker.pw_uid, self.attacker.pw_gid)

    def launch_in(self, cwd, **env):
        """A launch whose API URL and CA file come from the settings files only."""
        env = self.env(**{"DOTENV_CLOUD_API_URL": None, "DOTENV_CLOUD_CA_FILE": None, **env})
        proc = subprocess.run([fx.BINARY, "--", "touch", self.marker], env=env, cwd=cwd, capture_output=True,
                              timeout=60)
        return fx.Result(proc.returncode, proc.stdout, proc.stderr, 0, 0)

    def assert_evil_saw_nothing(self):
        self.assertEqual(self.evil.log()["data"], [], "a request reached the attacker's server")

    def test_the_real_settings_work(self):
        os.chown(self.shared, 0, 0)
        shutil.copy(self.legit, os.path.join(self.work, ".dotenv-cloud.json"))
        r = self.launch_in(self.work)
        self.assertEqual(r.code, 0, r.err)
        self.assertEqual(len(self.resolves()), 1)

    def test_a_settings_file_of_another_user_or_in_their_directory_is_refused(self):
        path = self.evil_settings(self.shared)
        self.give_away(path)
        self.assert_refused(self.launch_in(self.work), 78,
                            f"{path}: owned by uid {self.attacker.pw_uid}, not by you or root; refused, since it "
                            "could send the token elsewhere")
        # Root's own file, in a directory the attacker owns: they could swap it at any moment.
        os.chown(path, 0, 0)
        self.assert_refused(self.launch_in(self.work), 78,
                            f"{path}: its directory is owned by uid {self.attacker.pw_uid}, not by you or root; "
                            "refused, since another user could replace the file")
        # A directory a group may write is refused the same way, whoever owns it.
        os.chown(self.shared, 0, 0)
        os.chmod(self.shared, 0o775)
        self.assert_refused(self.launch_in(self.work), 78,
                            f"{path}: group or others may write its directory (mode 0775); refused, since another "
                            "user could replace the file")
        self.assert_evil_saw_nothing()

    def test_a_settings_file_that_is_a_symlink_is_refused(self):
        os.chown(self.shared, 0, 0)
        link = os.path.join(self.shared, ".dotenv-cloud.json")
        os.symlink(self.legit, link)
        self.assert_refused(self.launch_in(self.work), 78,
                            f"{link}: is a symbolic link; refused, name the file itself")

    def test_a_ca_file_of_another_user_writable_by_others_or_in_their_directory_is_refused(self):
        os.chown(self.shared, 0, 0)
        self.evil_settings(self.work)
        ca = os.path.join(self.work, "evil-ca.pem")
        self.give_away(ca)
        line = f"CA file {ca}: owned by uid {self.attacker.pw_uid}, not by you or root; refused, since it could " \
               "send the token elsewhere"
        self.assert_refused(self.launch_in(self.work), 78, line)
        os.chown(ca, 0, 0)
        os.chmod(ca, 0o666)
        self.assert_refused(self.launch_in(self.work), 78,
                            f"CA file {ca}: group or others may write it (mode 0666); refused, since it could send "
                            "the token elsewhere")
        # Named by the environment, in a directory the attacker owns.
        os.chmod(ca, 0o644)
        theirs = shutil.copy(ca, os.path.join(self.shared, "ca.pem"))
        os.chown(self.shared, self.attacker.pw_uid, self.attacker.pw_gid)
        r = self.launch_in(self.legit_dir, DOTENV_CLOUD_CA_FILE=theirs)
        self.assert_refused(r, 78, f"CA file {theirs}: its directory is owned by uid {self.attacker.pw_uid}, not by "
                                   "you or root; refused, since another user could replace the file")
        self.assert_evil_saw_nothing()
        self.assertEqual(self.resolves(), [])

    def test_another_user_swapping_the_settings_file_in_a_loop_never_gets_the_token(self):
        # The attacker's directory is above the launch's: they swap .dotenv-cloud.json between a symlink to root's
        # real settings (which a check by path would pass) and their own file naming their server (which a read by
        # path would then get), as fast as they can, while root launches again and again.
        evil = self.evil_settings(self.shared, "evil.json")
        self.give_away(evil, os.path.join(self.shared, "evil-ca.pem"))
        swapper = subprocess.Popen(
            [fx.PY, "-c", SWAP_LOOP, self.shared, self.legit, evil], user=self.attacker.pw_uid,
            group=self.attacker.pw_gid, extra_groups=[], env={"PATH": "/usr/bin:/bin"}, stderr=subprocess.PIPE)
        outcomes = {}
        try:
            fx.wait_until(lambda: os.path.lexists(os.path.join(self.shared, ".dotenv-cloud.json")), 10)
            # Count launches, not seconds: under the sanitizers a launch takes ten times as long, and the race is
            # only shown by many launches. At least 4 s and 30 launches; 120 s at most, so a hang still ends.
            start = time.monotonic()
            while (sum(outcomes.values()) < 30 or time.monotonic() < start + 4) and time.monotonic() < start + 120:
                r = self.launch_in(self.work, DOTENV_CLOUD_TOKEN=TOKENS["full"], DOTENV_CLOUD_TOKEN_FILE=None)
                self.assert_clean(r)
                reason = r.err.decode().split(": ", 3)[-1].strip()
                outcomes[(r.code, reason)] = outcomes.get((r.code, reason), 0) + 1
            running = swapper.poll() is None  # still swapping at the end: the race ran the whole time
        finally:
            swapper.kill()
            swapper.wait()
        problem = swapper.stderr.read()
        swapper.stderr.close()
        self.assertTrue(running, problem)
        launches = sum(outcomes.values())
        self.assertGreaterEqual(launches, 30, outcomes)
        # No launch reached the attacker, and every one was refused (the file sits in the attacker's directory).
        stolen = [e for e in self.evil.log()["data"] if e["authorization"]]
        self.assertEqual(stolen, [], f"{len(stolen)} of {launches} launches sent the token to the attacker")
        self.assert_evil_saw_nothing()
        self.assertEqual({code for code, _ in outcomes}, {78}, outcomes)
        self.assertEqual(self.resolves(), [])
        print(f"\n  {launches} launches during the swap loop: {outcomes}", file=sys.stderr)


# Run as the attacker: argv is their directory, the real settings and their own file.
SWAP_LOOP = r"""
import os, sys
shared, legit, own = sys.argv[1:]
name = os.path.join(shared, ".dotenv-cloud.json")
tmp = os.path.join(shared, ".swap")
while True:
    for make in (lambda: os.symlink(legit, tmp), lambda: os.link(own, tmp)):
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        make()
        os.rename(tmp, name)
"""


class EchoedToken(CloudTest):
    """A server or middlebox that echoes the Authorization header back: the launcher's own token is never printed."""

    def test_an_echoed_token_is_removed_from_every_error_line(self):
        token = TOKENS["full"]
        echoed = {"message": f"header Authorization: Bearer {token} \u202e is not allowed\u0085",
                  "error": f"bad_{token}"}
        for status, code in ((401, 77), (403, 77), (404, 78), (400, 78), (500, 69)):
            with self.subTest(status=status):
                self.reset()
                self.script(*[{"action": "respond", "status": status, "body": echoed,
                               "headers": {"X-Request-Id": f"req-{token}"}}] * 20)
                r = self.launch(LEVELS + ("--retry-timeout", "1"))
                self.assert_refused(r, code)
                self.assertIn(b"Bearer ***", r.err)
                self.assertIn(b"\\u202e", r.err)
                self.assertIn(b"\\u0085", r.err)
                self.assertNotIn("\u202e".encode(), r.err)


class ProxyAndUrlPasswords(CloudTest):
    def test_a_proxy_url_that_is_not_a_url_exits_78_at_once_without_its_password(self):
        env = self.env(HTTPS_PROXY="http://user:abc/PASS@127.0.0.1:3128")
        r = self.launch(LEVELS + ("--retry-timeout", "20"), env=env)
        self.assert_refused(r, 78, "the proxy URL (https_proxy, HTTPS_PROXY, all_proxy or ALL_PROXY) is not a valid "
                                   "URL; a password holding '/', '@' or a space must be percent-encoded")
        self.assertLess(r.elapsed, 5)
        self.assertNotIn(b"PASS", r.err)

    def test_v_never_prints_the_password_of_an_api_url(self):
        for url in ("https://user:pw/PASS@host.example", "https://user:two PASS@host.example",
                    "https://u:p@PASS@host.example"):
            with self.subTest(url=url):
                r = self.launch(LEVELS + ("-v",), env=self.env(DOTENV_CLOUD_API_URL=url))
                self.assert_refused(r, 78)
                self.assertNotIn(b"PASS", r.err)
                self.assertIn(b"api url = https://***@host.example (from DOTENV_CLOUD_API_URL)", r.err)

    def test_v_escapes_control_characters_from_a_settings_file(self):
        with open(self.path(".dotenv-cloud.json"), "w") as f:
            json.dump({"api_url": "https://h.example/\u001b]0;title\u0007x\u202e", "org": ORG}, f)
        r = self.launch(LEVELS + ("-v",), env=self.env(DOTENV_CLOUD_API_URL=None))
        self.assertNotIn(b"\x1b", r.err)
        self.assertNotIn("\u202e".encode(), r.err)
        self.assertIn(b"api url = https://h.example/\\x1b]0;title\\x07x\\u202e", r.err)


if __name__ == "__main__":
    fx.main()
