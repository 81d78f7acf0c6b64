# Test helpers: start the local server as a subprocess, talk HTTPS to it, and seal/open blobs independently.
import base64
import hashlib
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time

from nacl import bindings

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "dotenv_cloud_server.py")


class Answer:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def json(self):
        return json.loads(self.body)

    def header(self, name):
        return self.headers.get(name.lower())


class ServerProcess:
    """One server on a free port with its own state dir; `args` are extra flags, `{dir}` in them is that dir."""

    def __init__(self, seed, *args):
        self.dir = tempfile.mkdtemp(prefix="dotenv-cloud-test-")
        seed_path = os.path.join(self.dir, "seed.json")
        with open(seed_path, "w") as handle:
            json.dump(seed, handle)
        self.ca_file = os.path.join(self.dir, "ca.pem")
        ready_file = os.path.join(self.dir, "ready")
        self.stderr = open(os.path.join(self.dir, "stderr"), "wb")
        self.process = subprocess.Popen(
            [sys.executable, SERVER, "--seed", seed_path, "--state-dir", self.dir, "--ca-out", self.ca_file,
             "--ready-file", ready_file, *[arg.replace("{dir}", self.dir) for arg in args]], stdout=subprocess.PIPE, stderr=self.stderr, bufsize=0)
        deadline = time.monotonic() + 30
        while not os.path.exists(ready_file) and self.process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        os.set_blocking(self.process.stdout.fileno(), False)
        lines = (os.read(self.process.stdout.fileno(), 65536) or b"").decode() if os.path.exists(ready_file) else ""
        lines = lines.splitlines()
        if not lines or not lines[0].startswith("ready https://127.0.0.1:"):
            with open(os.path.join(self.dir, "stderr")) as errors:
                problem = errors.read()
            self.stop()
            raise RuntimeError(f"server did not start: {lines!r} {problem}")
        self.url = lines[0].split()[1]
        self.port = int(self.url.rsplit(":", 1)[1])
        self.exports = dict(line[len("export "):].partition("=")[::2] for line in lines[1:])
        self.context = ssl.create_default_context(cafile=self.ca_file)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()
        self.stderr.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def errors(self):
        """What the server wrote on stderr so far (tracebacks of handler bugs land here)."""
        with open(os.path.join(self.dir, "stderr")) as handle:
            return handle.read()

    def connection(self, timeout=10):
        return http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=timeout)

    def request(self, method, path, body=None, token=None, headers=None, raw=None, timeout=10):
        """One request on a new connection. body is sent as JSON; raw as bytes with the given headers."""
        sent = {"Accept": "application/json"}
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        payload = raw
        if body is not None:
            payload = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        sent = {k: v for k, v in sent.items() if v is not None}
        connection = self.connection(timeout)
        try:
            connection.request(method, path, body=payload, headers=sent)
            response = connection.getresponse()
            data = response.read()
            return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
        finally:
            connection.close()

    def tls_socket(self, timeout=10):
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        return self.context.wrap_socket(sock, server_hostname="127.0.0.1")

    def raw_request(self, data, timeout=10):
        """Sends bytes exactly as given on a new connection; (the first final answer, seconds it took)."""
        with self.tls_socket(timeout) as tls:
            started = time.monotonic()
            tls.sendall(data)
            return read_answer(tls), time.monotonic() - started

    def control(self, method, path, body=None):
        answer = self.request(method, "/__control/" + path, body=body)
        if answer.status != 200:
            raise AssertionError(f"control {path}: {answer.status} {answer.body!r}")
        return answer.json

    def script(self, path, *responses, method="*"):
        return self.control("POST", "script", {"path": path, "method": method, "responses": list(responses)})

    def log(self):
        return self.control("GET", "log")


def read_answer(tls, method="GET"):
    """The next final answer on a socket (http.client skips any 100 Continue)."""
    response = http.client.HTTPResponse(tls, method=method)
    response.begin()
    return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())


# An implementation of docs/api.md section 8 written apart from cloud_crypto, so one mistake cannot hide in both.


def reference_open(key, org_id, level_id, blob):
    prefix, version, encoded = blob.split(":")
    assert prefix == "dcv1", blob[:10]
    raw = base64.b64decode(encoded, validate=True)
    padded = bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(
        raw[24:], f"dcv1:{version}:{org_id}:{level_id}".encode(), raw[:24], key)
    assert len(padded) % 256 == 0
    end = len(padded) - 1
    while padded[end] == 0:
        end -= 1
    assert padded[end] == 0x80
    return padded[:end].decode("utf-8")


def reference_seal(key, key_version, org_id, level_id, text):
    data = text.encode("utf-8") + b"\x80"
    data += bytes(-len(data) % 256)
    nonce = os.urandom(24)
    sealed = bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(
        data, f"dcv1:{key_version}:{org_id}:{level_id}".encode(), nonce, key)
    return f"dcv1:{key_version}:{base64.b64encode(nonce + sealed).decode()}"


def reference_proof(key, salt, iterations):
    return base64.b64encode(hashlib.pbkdf2_hmac("sha256", key, salt, iterations, 32)).decode()


def wait_until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()
