#!/usr/bin/python3
"""End-to-end tests of `dotenv-cloud login` / `logout`, the stored login and its refresh, over real TLS against
the local server's authorize and token endpoints (tests/server/cloud_oauth.py). A test plays the browser: it reads
the authorize URL from stderr and GETs it with urllib, which follows the server's redirect to the loopback listener.

Usage: test_login.py PATH_TO_DOTENV_CLOUD PATH_TO_DOTENV_RUN
"""
import base64
import json
import os
import queue
import re
import ssl
import stat
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import cloud_fixture as fx
from cloud_fixture import CloudTest, ORG, TOKENS

RUN = None  # dotenv-run, from argv[2]
USER = {"name": "Ada Lovelace", "email": "ada@example.com", "memberships": {ORG: "owner"}}
LEVELS = ("-p", "api", "-t", "web", "-e", "production")
FALLBACK_KEY = base64.b64encode(bytes(range(50, 82))).decode()
FALLBACK_NOTICE = re.compile(r"^dotenv-run: using the fallback from \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(age \d+s\): (.*)$")


class LoginProcess:
    """A running `dotenv-cloud login`: its stderr read line by line in a thread, the authorize URL picked out."""

    def __init__(self, argv, env):
        self.proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines = queue.Queue()
        self.err = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stderr:
            self.err.append(line)
            self.lines.put(line.decode(errors="replace"))
        self.lines.put(None)

    def authorize_url(self, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=deadline - time.monotonic())
            except queue.Empty:
                break
            if line is None:
                break
            if line.startswith("https://"):
                return line.strip()
        raise AssertionError("no authorize URL on stderr: " + b"".join(self.err).decode(errors="replace"))

    def finish(self, timeout=30):
        out = self.proc.stdout.read()
        code = self.proc.wait(timeout)
        self.thread.join(timeout)
        self.proc.stdout.close()
        self.proc.stderr.close()
        return fx.Result(code, out, b"".join(self.err), 0, self.proc.pid)


class LoginTest(CloudTest):
    """One server per class with a seeded user; each test gets its own XDG_CONFIG_HOME."""

    @classmethod
    def setUpClass(cls):
        seed = fx.seed()
        seed["users"] = [USER]
        cls.server = fx.ServerProcess(seed, "--test-control", *cls.SERVER_ARGS)

    def setUp(self):
        super().setUp()
        self.config = self.path("config")
        self.credentials = os.path.join(self.config, "dotenv-cloud", "credentials.json")
        self.browser_context = ssl.create_default_context(cafile=self.server.ca_file)

    def cloud_env(self, **extra):
        """No token: only the server, its CA, the organization and this test's config directory."""
        env = {"PATH": "/usr/bin:/bin", "DOTENV_CLOUD_API_URL": self.server.url,
               "DOTENV_CLOUD_CA_FILE": self.server.ca_file, "DOTENV_CLOUD_ORG": ORG, "XDG_CONFIG_HOME": self.config}
        env.update(extra)
        return {k: v for k, v in env.items() if v is not None}

    def cloud(self, *args, env=None, timeout=60):
        proc = subprocess.run([fx.BINARY, *args], env=self.cloud_env() if env is None else env, capture_output=True,
                              timeout=timeout)
        return fx.Result(proc.returncode, proc.stdout, proc.stderr, 0, 0)

    def run_launcher(self, *args, env=None):
        proc = subprocess.run([RUN, *LEVELS, *args, "--", "touch", self.marker],
                              env=self.cloud_env() if env is None else env, capture_output=True, timeout=60)
        return fx.Result(proc.returncode, proc.stdout, proc.stderr, 0, 0)

    def start_login(self, *args, env=None):
        return LoginProcess([fx.BINARY, "login", "--no-browser", *args], self.cloud_env() if env is None else env)

    def browse(self, url):
        """GETs `url` as a browser would: the server's 302 is followed to the loopback listener. (status, body)"""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                             urllib.request.HTTPSHandler(context=self.browser_context))
        try:
            with opener.open(url, timeout=10) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def login(self, *args):
        """A whole login through the server's authorize endpoint; returns the finished process's Result."""
        login = self.start_login(*args)
        status, page = self.browse(login.authorize_url())
        self.assertEqual(status, 200, page)
        r = login.finish()
        self.assertEqual(r.code, 0, r.err)
        return r

    def stored(self):
        with open(self.credentials) as f:
            return json.load(f)["logins"][self.server.url]

    def rewrite_stored(self, **fields):
        with open(self.credentials) as f:
            data = json.load(f)
        data["logins"][self.server.url].update(fields)
        with open(self.credentials, "w") as f:
            json.dump(data, f)

    def assert_no_token_printed(self, r):
        if os.path.exists(self.credentials):
            login = self.stored()
            for token in (login["access_token"], login["refresh_token"]):
                self.assertNotIn(token.encode(), r.out + r.err)
        self.assert_clean(r)

    def requests(self):
        return [(e["method"], e["path"], e["status"]) for e in self.log()["data"]]


class Login(LoginTest):

    def test_login_stores_both_tokens_owner_only_and_says_who_logged_in(self):
        login = self.start_login()
        url = login.authorize_url()
        parts = urllib.parse.urlsplit(url)
        query = dict(urllib.parse.parse_qsl(parts.query))
        self.assertEqual(f"{parts.scheme}://{parts.netloc}{parts.path}", self.server.url + "/oauth/authorize")
        self.assertEqual(query["response_type"], "code")
        self.assertEqual(query["client_id"], "dotenv-cloud")
        self.assertEqual(query["code_challenge_method"], "S256")
        self.assertRegex(query["code_challenge"], r"^[A-Za-z0-9_-]{43}$")
        self.assertRegex(query["state"], r"^[A-Za-z0-9_-]{43}$")
        self.assertRegex(query["redirect_uri"], r"^http://127\.0\.0\.1:\d+/callback$")
        status, page = self.browse(url)
        self.assertEqual(status, 200)
        self.assertIn("You can close this tab", page)
        r = login.finish()
        self.assertEqual(r.code, 0, r.err)
        self.assertEqual(r.out, b"")
        self.assertIn(f"dotenv-cloud: logged in to {self.server.url} as Ada Lovelace <ada@example.com> "
                      f"(organizations: E2E (owner)); the login is stored in {self.credentials}\n", r.err.decode())
        self.assertEqual(stat.S_IMODE(os.stat(self.credentials).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.dirname(self.credentials)).st_mode), 0o700)
        stored = self.stored()
        self.assertTrue(stored["access_token"] and stored["refresh_token"])
        self.assertAlmostEqual(stored["expires_at"], time.time() + 3600, delta=60)
        self.assertEqual(stored["user"], "Ada Lovelace <ada@example.com>")
        self.assertNotIn(stored["access_token"], url)
        self.assert_no_token_printed(r)
        self.assertEqual(self.requests(), [("GET", "/oauth/authorize", 302), ("POST", "/api/oauth/token", 200),
                                           ("GET", "/api/v1/me", 200)])

    def test_whoami_and_dotenv_run_use_the_stored_login_with_one_request(self):
        self.login()
        r = self.cloud("whoami")
        self.assertEqual(r.code, 0, r.err)
        self.assertIn(b"ada@example.com", r.out)
        self.reset()
        r = self.run_launcher("-v")
        self.assertEqual(r.code, 0, r.err)
        self.assertTrue(os.path.exists(self.marker))
        self.assertIn(f"dotenv-run: token from stored login {self.credentials}\n", r.err.decode())
        self.assertEqual(self.requests(), [("GET", f"/api/v1/{ORG}/secrets/resolve", 200)])
        self.assert_no_token_printed(r)

    def test_an_explicit_token_wins_over_the_stored_login(self):
        self.login()
        token_file = self.file("org-token", TOKENS["full"] + "\n")
        r = self.cloud("whoami", env=self.cloud_env(DOTENV_CLOUD_TOKEN_FILE=token_file))
        self.assertEqual(r.code, 0, r.err)
        self.assertIn(b"organization token", r.out)
        self.assertNotIn(b"ada@example.com", r.out)
        r = self.run_launcher("-v", env=self.cloud_env(DOTENV_CLOUD_TOKEN_FILE=token_file))
        self.assertEqual(r.code, 0, r.err)
        self.assertIn(f"dotenv-run: token from DOTENV_CLOUD_TOKEN_FILE={token_file}\n", r.err.decode())

    def test_a_callback_with_another_state_is_refused_and_the_login_waits_for_its_own(self):
        login = self.start_login()
        url = login.authorize_url()
        redirect = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))["redirect_uri"]
        status, page = self.browse(redirect + "?code=forged&state=not-the-state")
        self.assertEqual(status, 400)
        self.assertIn("state differs", page)
        status, _ = self.browse(redirect.replace("/callback", "/favicon.ico"))
        self.assertEqual(status, 404)
        status, _ = self.browse(url)
        self.assertEqual(status, 200)
        r = login.finish()
        self.assertEqual(r.code, 0, r.err)
        self.assertIn("dotenv-cloud: refused an answer to the login URL whose state differs (an old browser tab, or a "
                      "request someone else made); still waiting\n", r.err.decode())
        # The forged code never reached the token endpoint: one exchange, the real one.
        self.assertEqual([p for p in self.requests() if p[1] == "/api/oauth/token"],
                         [("POST", "/api/oauth/token", 200)])

    def test_a_refused_authorization_fails_with_77_and_stores_nothing(self):
        login = self.start_login()
        url = login.authorize_url() + "&login_hint=nobody%40example.com"
        status, _ = self.browse(url)
        self.assertEqual(status, 200)
        r = login.finish()
        self.assertEqual(r.code, 77, r.err)
        self.assertTrue(r.err.decode().endswith("dotenv-cloud: error: the login was refused (access_denied: No such "
                                                "user.)\n"), r.err)
        self.assertFalse(os.path.exists(self.credentials))

    def test_the_login_gives_up_after_its_timeout_with_69(self):
        login = LoginProcess([fx.BINARY, "login", "--no-browser"], self.cloud_env(DOTENV_CLOUD_LOGIN_TIMEOUT="1"))
        login.authorize_url()
        started = time.monotonic()
        r = login.finish()
        self.assertLess(time.monotonic() - started, 10)
        self.assertEqual(r.code, 69, r.err)
        self.assertRegex(r.err.decode().splitlines()[-1], r"^dotenv-cloud: error: no login within 1 second: the "
                         r"browser never came back to http://127\.0\.0\.1:\d+/callback; run dotenv-cloud login again$")
        self.assertFalse(os.path.exists(self.credentials))

    def test_with_a_display_the_browser_is_started_without_the_token_in_its_environment(self):
        # A stand-in for xdg-open on PATH: it records its argv and environment, then does what a browser does.
        record = self.path("xdg-open.json")
        bin_dir = self.path("bin")
        os.mkdir(bin_dir)
        with open(os.path.join(bin_dir, "xdg-open"), "w") as f:
            f.write(f"""#!{fx.PY}
import json, os, ssl, sys, urllib.request
json.dump({{"argv": sys.argv[1:], "env": dict(os.environ)}}, open({record!r}, "w"))
opener = urllib.request.build_opener(urllib.request.ProxyHandler({{}}),
    urllib.request.HTTPSHandler(context=ssl.create_default_context(cafile={self.server.ca_file!r})))
opener.open(sys.argv[1], timeout=10).read()
""")
        os.chmod(os.path.join(bin_dir, "xdg-open"), 0o755)
        token_file = self.file("unused-token", TOKENS["full"] + "\n")
        env = self.cloud_env(PATH=bin_dir + ":/usr/bin:/bin", DISPLAY=":0", DOTENV_CLOUD_TOKEN=TOKENS["full"],
                             DOTENV_CLOUD_TOKEN_FILE=token_file)
        proc = subprocess.run([fx.BINARY, "login"], env=env, capture_output=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        with open(record) as f:
            seen = json.load(f)
        self.assertEqual(len(seen["argv"]), 1)
        self.assertTrue(seen["argv"][0].startswith(self.server.url + "/oauth/authorize?"))
        self.assertNotIn("DOTENV_CLOUD_TOKEN", seen["env"])
        self.assertNotIn("DOTENV_CLOUD_TOKEN_FILE", seen["env"])
        self.assertEqual(seen["env"]["DISPLAY"], ":0")

    def test_logout_forgets_the_stored_login_and_a_second_logout_is_not_an_error(self):
        self.login()
        r = self.cloud("logout")
        self.assertEqual(r.code, 0, r.err)
        self.assertEqual(r.err.decode(), f"dotenv-cloud: logged out of {self.server.url}: its stored login was "
                                         f"removed from {self.credentials}\n")
        self.assertFalse(os.path.exists(self.credentials))
        r = self.cloud("logout")
        self.assertEqual(r.code, 0, r.err)
        self.assertEqual(r.err.decode(), f"dotenv-cloud: no stored login for {self.server.url} in "
                                         f"{self.credentials}\n")
        r = self.run_launcher()
        self.assertEqual(r.code, 78, r.err)
        self.assertEqual(r.err.decode(), "dotenv-run: error: no API token: run dotenv-cloud login, or set "
                                         "DOTENV_CLOUD_TOKEN_FILE (or DOTENV_CLOUD_TOKEN), --token-file, or a systemd "
                                         "credential named dotenv-cloud-token\n")

    def test_a_credentials_file_others_can_read_is_refused_by_both_programs(self):
        self.login()
        os.chmod(self.credentials, 0o644)
        line = (f"{self.credentials}: group or others have access (mode 0644); run chmod 600 "
                f"{self.credentials}\n")
        r = self.run_launcher()
        self.assertEqual((r.code, r.err.decode()), (78, "dotenv-run: error: " + line))
        r = self.cloud("whoami")
        self.assertEqual((r.code, r.err.decode()), (78, "dotenv-cloud: error: " + line))


class Refresh(LoginTest):
    """Access tokens that live 1 second: the stored expiry has passed by the next command."""

    SERVER_ARGS = ("--access-token-ttl", "1")

    def test_dotenv_run_refreshes_an_expired_login_and_stores_the_rotated_refresh_token(self):
        self.login()
        before = self.stored()
        time.sleep(1.2)
        self.reset()
        r = self.run_launcher()
        self.assertEqual(r.code, 0, r.err)
        self.assertEqual(r.err, b"")
        self.assertTrue(os.path.exists(self.marker))
        self.assertEqual(self.requests(), [("POST", "/api/oauth/token", 200),
                                           ("GET", f"/api/v1/{ORG}/secrets/resolve", 200)])
        after = self.stored()
        self.assertNotEqual(after["refresh_token"], before["refresh_token"])
        self.assertNotEqual(after["access_token"], before["access_token"])
        self.assertEqual(stat.S_IMODE(os.stat(self.credentials).st_mode), 0o600)
        # The old refresh token was spent: the server refuses it now.
        answer = self.server.request("POST", "/api/oauth/token", body={
            "grant_type": "refresh_token", "refresh_token": before["refresh_token"], "client_id": "dotenv-cloud"})
        self.assertEqual(answer.status, 401)
        self.assert_no_token_printed(r)

    def test_dotenv_cloud_refreshes_once_when_the_api_says_token_expired(self):
        self.login()
        # The stored expiry says the token is good for a day; the API knows better.
        self.rewrite_stored(expires_at=int(time.time()) + 86400)
        time.sleep(1.2)
        self.reset()
        r = self.cloud("whoami")
        self.assertEqual(r.code, 0, r.err)
        self.assertIn(b"ada@example.com", r.out)
        self.assertEqual(self.requests(), [("GET", "/api/v1/me", 401), ("POST", "/api/oauth/token", 200),
                                           ("GET", "/api/v1/me", 200)])
        self.assert_no_token_printed(r)

    def test_a_refused_refresh_says_to_log_in_again_with_77(self):
        self.login()
        self.rewrite_stored(refresh_token="not-a-known-refresh-token")
        time.sleep(1.2)
        for r, program in ((self.run_launcher(), "dotenv-run"), (self.cloud("whoami"), "dotenv-cloud")):
            self.assertEqual(r.code, 77, r.err)
            self.assertRegex(r.err.decode(), "^" + re.escape(
                f"{program}: error: the refresh of the stored login for {self.server.url} was refused (401 "
                f"invalid_request: The refresh token is invalid, used or expired.") +
                r"(; request id [0-9a-f]+)?\); run dotenv-cloud login\n$")
        self.assertFalse(os.path.exists(self.marker))

    def test_an_explicit_token_is_never_refreshed(self):
        self.login()
        time.sleep(1.2)
        self.reset()
        token_file = self.file("org-token", TOKENS["full"] + "\n")
        r = self.run_launcher(env=self.cloud_env(DOTENV_CLOUD_TOKEN_FILE=token_file))
        self.assertEqual(r.code, 0, r.err)
        self.assertEqual(self.requests(), [("GET", f"/api/v1/{ORG}/secrets/resolve", 200)])


class RefreshWithFallback(LoginTest):
    """An expired stored login with an offline fallback (docs/fallback.md section 6): a refresh the API stays out for
    goes to the fallback as a resolve that gave up would; a refused refresh or a pin failure never does."""

    SERVER_ARGS = ("--access-token-ttl", "1")
    TOKEN_ENDPOINT = "/api/oauth/token"

    def setUp(self):
        super().setUp()
        self.state = self.path("state")
        self.key_file = self.file("fallback.key", FALLBACK_KEY + "\n")
        self.fallback_file = None

    def fallback(self, *extra):
        return ("--fallback", self.state, "--fallback-key-file", self.key_file, "--retry-timeout", "1", *extra)

    def written_and_expired(self):
        """A login, a launch that writes the fallback, and the login's access token expired again."""
        self.login()
        r = self.run_launcher(*self.fallback())
        self.assertEqual(r.code, 0, r.err)
        [name] = os.listdir(self.state)
        self.fallback_file = os.path.join(self.state, name)
        os.unlink(self.marker)
        time.sleep(1.2)
        self.reset()

    def assert_from_fallback(self, r, why):
        self.assertEqual(r.code, 0, r.err)
        self.assertTrue(os.path.exists(self.marker), "the program must start")
        os.unlink(self.marker)
        notices = [FALLBACK_NOTICE.match(line) for line in r.lines if FALLBACK_NOTICE.match(line)]
        self.assertEqual(len(notices), 1, r.err)
        self.assertRegex(notices[0].group(1), why)
        # The resolve was never sent with the expired token: only the refresh reached the API.
        self.assertEqual({path for _, path, _ in self.requests()} - {self.TOKEN_ENDPOINT}, set())
        self.assert_no_token_printed(r)

    def test_a_refresh_the_api_answers_503_or_500_for_goes_to_the_fallback(self):
        self.written_and_expired()
        cases = {503: r"^gave up after \d+ attempts? in [0-9.]+ s: last answer 503 ",
                 500: r"^the POST request for the OAuth token endpoint may or may not have been applied \(last "
                      r"answer 500 "}
        for status, why in cases.items():
            with self.subTest(status=status):
                self.reset()
                self.script({"status": status, "repeat": True}, path=self.TOKEN_ENDPOINT, method="POST")
                self.assert_from_fallback(self.run_launcher(*self.fallback()), why)
                # Without a fallback, as before: the refresh's own error and exit 69.
                r = self.run_launcher("--retry-timeout", "1")
                self.assertEqual(r.code, 69, r.err)
                self.assertFalse(os.path.exists(self.marker))
                self.assertRegex(r.lines[-1], "^dotenv-run: error: " + why[1:])
                self.assertFalse([line for line in r.lines if FALLBACK_NOTICE.match(line)])

    def test_a_refresh_that_times_out_goes_to_the_fallback(self):
        self.written_and_expired()
        self.script({"action": "pass", "delay": 4}, path=self.TOKEN_ENDPOINT, method="POST")
        r = self.run_launcher(*self.fallback("--timeout", "1"))
        self.assert_from_fallback(r, r"^the POST request for the OAuth token endpoint may or may not have been "
                                     r"applied \(last error: the request timed out ")

    def test_a_refresh_with_the_connection_refused_goes_to_the_fallback(self):
        self.written_and_expired()
        # The same stored login under an API URL where nothing listens, as with the server stopped.
        dead_url = f"https://127.0.0.1:{fx.free_port()}"
        with open(self.credentials) as f:
            data = json.load(f)
        data["logins"][dead_url] = data["logins"][self.server.url]
        with open(self.credentials, "w") as f:
            json.dump(data, f)
        r = self.run_launcher(*self.fallback(), env=self.cloud_env(DOTENV_CLOUD_API_URL=dead_url))
        self.assert_from_fallback(r, r"^gave up after \d+ attempts? in [0-9.]+ s: last error: could not connect to "
                                     r"the API ")

    def test_watch_and_restart_start_from_the_fallback_when_the_refresh_gives_up(self):
        self.written_and_expired()
        self.script({"status": 503, "repeat": True}, path=self.TOKEN_ENDPOINT, method="POST")
        env = self.cloud_env(DOTENV_RUN_WATCH_MIN_INTERVAL_MS="100")
        for watch in (("--watch", "0.3"), ("--watch", "0.3", "--restart")):
            with self.subTest(watch=watch):
                r = self.run_launcher(*self.fallback(*watch), env=env)
                self.assert_from_fallback(r, r"^gave up after \d+ attempts? in [0-9.]+ s: last answer 503 ")

    def test_a_refused_refresh_or_a_pin_failure_never_uses_the_fallback(self):
        self.written_and_expired()
        wrong_pin = "sha256//" + base64.b64encode(bytes(32)).decode()
        r = self.run_launcher(*self.fallback("--pin", wrong_pin))
        self.assertEqual(r.code, 69, r.err)
        self.assertEqual(len(r.lines), 1, r.err)
        self.assertTrue(r.lines[0].startswith("dotenv-run: error: the API's public key matches none of the pins: "),
                        r.err)
        self.rewrite_stored(refresh_token="not-a-known-refresh-token")
        r = self.run_launcher(*self.fallback())
        self.assertEqual(r.code, 77, r.err)
        self.assertEqual(len(r.lines), 1, r.err)
        self.assertIn("was refused (401 invalid_request: ", r.lines[0])
        self.assertFalse(os.path.exists(self.marker))
        # Kept: the login is bad, not the project's access or its last answer.
        self.assertTrue(os.path.exists(self.fallback_file))


if __name__ == "__main__":
    RUN = os.path.abspath(sys.argv.pop(2))
    fx.main()
