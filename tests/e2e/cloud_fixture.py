# Shared set-up of the end-to-end tests against the local server: the seed, one server per class, launches, checks.
import base64
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "server"))

from server_harness import ServerProcess, wait_until  # noqa: E402  (needs the path above)

from child_report import CHILD_REPORT

BINARY = None  # set by the test file from argv[1]
PY = "/usr/bin/python3"

ORG = "01JE2E0TEST0RG000000000000"
OTHER_ORG = "01JE2E0N0SVCH0RG0000000000"
CLIENT_KEY = base64.b64encode(bytes(range(1, 33))).decode()
WRONG_CLIENT_KEY = base64.b64encode(bytes(range(101, 133))).decode()
TOKENS = {
    "full": "dcs_e2eFullAccessToken0000000000001",
    "noretrieve": "dcs_e2eNoKeyRetrieveToken00000000002",
    "noread": "dcs_e2eNoSecretReadToken0000000000003",
    "scoped": "dcs_e2eBillingOnlyToken00000000000004",
    "expired": "dcs_e2eExpiredToken000000000000000005",
}
INVALID_TOKEN = "dcs_e2eNotAKnownToken0000000000000006"
ABILITIES = ["organization:read", "project:read", "project:create", "project:update", "project:delete",
             "target:read", "target:create", "target:update", "target:delete", "environment:read",
             "environment:create", "environment:update", "environment:delete", "secret:read", "secret:write",
             "key:retrieve", "key:rotate"]
# Every seeded value carries this marker, so one substring check finds any leaked value.
MARK = "s3cr3t"
NEVER_PRINTED = [MARK, CLIENT_KEY, WRONG_CLIENT_KEY, INVALID_TOKEN, *TOKENS.values()]


def seed():
    """Org ORG: api (server-managed, three levels and a target without a blob), billing (client-managed)."""
    return {
        "organizations": [{
            "id": ORG, "name": "E2E", "plan": "team",
            "projects": [
                {"slug": "api", "encryption": "server",
                 "env": ["A=project-s3cr3t-a", "B=project-s3cr3t-b", "HOST=db-s3cr3t"],
                 "targets": [
                     {"slug": "web", "env": ["B=target-s3cr3t-b", "C=target-s3cr3t-c", "PORT=5432"],
                      "environments": [{"slug": "production",
                                        "env": ["C=environment-s3cr3t-c", "URL=postgres://${HOST}:${PORT}/app"]}]},
                     {"slug": "bare", "environments": [{"slug": "production", "env": ["D=bare-s3cr3t-d"]}]},
                 ]},
                {"slug": "billing", "encryption": "client", "client_key": CLIENT_KEY, "iterations": 1000,
                 "env": ["INVOICE=client-s3cr3t-invoice"],
                 "targets": [{"slug": "web", "env": ["MODE=client-s3cr3t-mode"]}]},
            ],
        }],
        "tokens": [
            {"name": "full", "value": TOKENS["full"], "organization": ORG, "abilities": ["*"]},
            {"name": "noretrieve", "value": TOKENS["noretrieve"], "organization": ORG,
             "abilities": [a for a in ABILITIES if a != "key:retrieve"]},
            {"name": "noread", "value": TOKENS["noread"], "organization": ORG,
             "abilities": [a for a in ABILITIES if a != "secret:read"]},
            {"name": "scoped", "value": TOKENS["scoped"], "organization": ORG, "projects": ["billing"]},
            {"name": "expired", "value": TOKENS["expired"], "organization": ORG,
             "expires_at": "2020-01-01T00:00:00Z"},
        ],
        "demo": {"organization": ORG, "token": "full", "project": "api"},
    }




def seal_bytes(key, key_version, org_id, level_id, data):
    """docs/api.md section 8 over raw bytes (server_harness.reference_seal takes text)."""
    from nacl import bindings
    padded = data + b"\x80"
    padded += bytes(-len(padded) % 256)
    nonce = os.urandom(24)
    sealed = bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(
        padded, f"dcv1:{key_version}:{org_id}:{level_id}".encode(), nonce, key)
    return f"dcv1:{key_version}:{base64.b64encode(nonce + sealed).decode()}"


class Result:
    def __init__(self, code, out, err, elapsed, pid):
        self.code, self.out, self.err, self.elapsed, self.pid = code, out, err, elapsed, pid

    @property
    def lines(self):
        return self.err.decode(errors="replace").splitlines()


def free_port():
    """A port nothing listens on (bound, then closed)."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CloudTest(unittest.TestCase):
    """One server per class (SERVER_ARGS are extra flags), state reseeded and the log cleared before each test."""

    SERVER_ARGS = ()
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.server = ServerProcess(seed(), "--test-control", *cls.SERVER_ARGS)

    @classmethod
    def tearDownClass(cls):
        errors = cls.server.errors()
        cls.server.stop()
        if errors.strip():
            raise AssertionError("the server wrote on stderr:\n" + errors)

    def setUp(self):
        self.reset(reseed=True)
        self.tmp = tempfile.TemporaryDirectory(prefix="dotenv-e2e-")
        self.addCleanup(self.tmp.cleanup)
        self.dir = self.tmp.name
        self.token_file = self.file("token", TOKENS["full"] + "\n")
        self.marker = self.path("started")
        self.report = self.path("report.json")
        self.child = self.file("child.py", CHILD_REPORT)

    # Files

    def path(self, name):
        return os.path.join(self.dir, name)

    def file(self, name, content, mode=0o600):
        path = self.path(name)
        with open(path, "wb") as f:
            f.write(content if isinstance(content, bytes) else content.encode())
        os.chmod(path, mode)
        return path

    # Launching

    def env(self, **extra):
        """A clean environment naming the server, its CA, ORG and the token file; None values are removed."""
        base = {"PATH": "/usr/bin:/bin", "DOTENV_CLOUD_API_URL": self.server.url,
                "DOTENV_CLOUD_CA_FILE": self.server.ca_file, "DOTENV_CLOUD_ORG": ORG,
                "DOTENV_CLOUD_TOKEN_FILE": self.token_file}
        base.update(extra)
        return {k: v for k, v in base.items() if v is not None}

    def launch(self, args=("-p", "api", "-t", "web", "-e", "production"), command=None, env=None, timeout=60,
               **popen):
        """Runs the launcher; the default command touches the marker file. command=() runs none (--check)."""
        if command is None:
            command = ["touch", self.marker]
        argv = [BINARY, *args] + (["--", *command] if command else [])
        started = time.monotonic()
        proc = subprocess.Popen(argv, env=self.env() if env is None else env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, cwd=self.dir, **popen)
        out, err = proc.communicate(timeout=timeout)
        return Result(proc.returncode, out, err, time.monotonic() - started, proc.pid)

    def launch_child(self, args=("-p", "api", "-t", "web", "-e", "production"), env=None):
        """Runs the report child through the launcher; returns (Result, report dict)."""
        r = self.launch(args, [PY, self.child, self.report], env)
        self.assertEqual(r.code, 0, r.err)
        with open(self.report) as f:
            return r, json.load(f)

    # Checks

    def assert_clean(self, r):
        """No seeded value, key or token on stdout or stderr."""
        for text in NEVER_PRINTED:
            self.assertNotIn(text.encode(), r.out + r.err, f"{text!r} was printed")

    def assert_refused(self, r, code, line=None, pattern=None):
        """Exit `code`, no child started, nothing secret printed; stderr is exactly `line` or matches `pattern`."""
        self.assertEqual(r.code, code, r.err)
        self.assertFalse(os.path.exists(self.marker), "the command must not start")
        self.assertEqual(r.out, b"")
        self.assert_clean(r)
        if line is not None:
            self.assertEqual(r.err.decode(), "dotenv-run: error: " + line + "\n")
        if pattern is not None:
            self.assertRegex(r.err.decode(), pattern)

    def log(self):
        return self.control("GET", "log")

    # The server's test control: each request is a TLS connection of its own, counted here.

    def control(self, method, path, body=None):
        self.control_connections += 1
        return self.server.control(method, path, body)

    def reset(self, reseed=False):
        """Clears scripts, log and counters (and with reseed, all state back to the seed)."""
        self.server.control("POST", "reset", {"reseed": reseed})
        self.control_connections = 0

    def launcher_handshakes(self):
        """TLS handshakes since the reset, succeeded or failed, other than the control requests' own (a test that
        also calls the API itself, as store_level does, must not use this)."""
        counts = self.log()["connections"]
        return counts["accepted"] + counts["tls_failed"] - self.control_connections

    def store_level(self, content, project="api", target="web", environment="production"):
        """Seals `content` (bytes) here, with the project key from the API, and PUTs it as that level's blob, so a
        level can hold what a seed cannot (bytes that are not UTF-8, a NUL)."""
        token = TOKENS["full"]
        key = self.server.request("GET", f"/api/v1/{ORG}/{project}/key", token=token).json["data"]
        level = self.server.request("GET", f"/api/v1/{ORG}/{project}/{target}/{environment}/secrets",
                                    token=token).json["data"]
        blob = seal_bytes(base64.b64decode(key["key"]), key["version"], ORG, level["id"], content)
        answer = self.server.request("PUT", f"/api/v1/{ORG}/secrets", token=token, body={
            "project": project, "target": target, "environment": environment, "blob": blob,
            "key_version": key["version"]})
        self.assertEqual(answer.status, 200, answer.body)

    def resolves(self):
        """The resolve requests the server answered since the last reset."""
        return [e for e in self.log()["data"] if e["path"] == f"/api/v1/{ORG}/secrets/resolve"]

    def wait_for_resolves(self, count, timeout=10):
        """Waits until `count` resolve requests are logged (a delayed answer is logged when it goes out)."""
        wait_until(lambda: len(self.resolves()) >= count, timeout)
        return self.resolves()

    def script(self, *responses, path=None, method="GET"):
        self.control("POST", "script", {"path": path or f"/api/v1/{ORG}/secrets/resolve", "method": method,
                                        "responses": list(responses)})

    @staticmethod
    def retry_waits(r):
        """The waits announced by the retry lines on stderr, in order."""
        return [float(w) for w in re.findall(rb"; retrying in ([0-9.]+) s \(attempt \d+\)", r.err)]


def main():
    """argv: BINARY [--timing | --no-timing] [unittest args]. Classes with TIMING = True measure time or
    count requests under a rate limit; ctest runs them apart (RUN_SERIAL), the others in parallel."""
    global BINARY
    BINARY = os.path.abspath(sys.argv.pop(1))
    if len(sys.argv) > 1 and sys.argv[1] in ("--timing", "--no-timing"):
        timing = sys.argv.pop(1) == "--timing"
        module = sys.modules["__main__"]
        suite = unittest.TestSuite(
            unittest.defaultTestLoader.loadTestsFromTestCase(cls) for cls in vars(module).values()
            if isinstance(cls, type) and issubclass(cls, unittest.TestCase) and cls.__module__ == "__main__"
            and getattr(cls, "TIMING", False) == timing)
        result = unittest.TextTestRunner(verbosity=1).run(suite)
        sys.exit(0 if result.wasSuccessful() else 1)
    unittest.main(module="__main__", verbosity=1)
