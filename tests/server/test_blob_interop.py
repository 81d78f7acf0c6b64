#!/usr/bin/python3
# Blob interop: the C++ blob_tool (argv[1]) opens what this server sealed, and what it seals the server accepts.
import base64
import os
import subprocess
import sys
import tempfile
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from server_harness import ServerProcess, reference_open  # noqa: E402

ORG = "01HZZZTESTA000000000000000"
CLIENT_KEY = bytes(range(7, 39))
TEXTS = {
    "project": "A=1\nSHARED=project\n",
    "target": "x" * 255,  # 255 + the 0x80 byte fill one block exactly
    "environment": "# ünïcødé ✓\nLONG=" + "y" * 300 + "\nQUOTED=\"a b\"\n",
}
SEED = {
    "organizations": [{"id": ORG, "name": "Interop", "projects": [
        {"slug": "api", "encryption": "server", "key_version": 2, "env": TEXTS["project"], "targets": [
            {"slug": "web", "env": TEXTS["target"], "environments": [{"slug": "prod", "env": TEXTS["environment"]},
                                                             {"slug": "scratch"}]}]},
        {"slug": "vault", "encryption": "client", "client_key": base64.b64encode(CLIENT_KEY).decode(),
         "iterations": 100000, "env": "V=1\n"},
    ]}],
    "tokens": [{"name": "t", "value": "tok", "organization": ORG}],
}
TOOL = None
server = None


def setUpModule():
    global server
    server = ServerProcess(SEED, "--rate-limit", "100000")


def tearDownModule():
    server.stop()


def api(method, path, body=None):
    return server.request(method, "/api/v1/" + ORG + path, body=body, token="tok")


class BlobInteropTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.dir.cleanup()

    def key_file(self, key):
        path = os.path.join(self.dir.name, "key")
        if os.path.exists(path):
            os.unlink(path)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, base64.b64encode(key) + b"\n")
        os.close(fd)
        return path

    def tool(self, key, *args, stdin):
        return subprocess.run([TOOL, args[0], "--key-file", self.key_file(key), "--org", ORG, *args[1:]],
                              input=stdin, capture_output=True, timeout=30)

    def resolved(self, project, deepest):
        query = {"project": project, "merge": "1", "include": "key", **deepest}
        return api("GET", "/secrets/resolve?" + urllib.parse.urlencode(query)).json["data"]

    def test_the_tool_opens_every_blob_the_server_sealed(self):
        data = self.resolved("api", {"target": "web", "environment": "prod"})
        key = base64.b64decode(data["key"]["key"])
        self.assertEqual(data["key"]["version"], 2)
        for level in data["levels"]:
            result = self.tool(key, "open", "--level", level["id"], stdin=level["blob"].encode())
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual(result.stdout.decode("utf-8"), TEXTS[level["level"]])

    def test_the_tool_refuses_a_tampered_or_moved_blob_with_exit_65(self):
        data = self.resolved("api", {"target": "web"})
        key = base64.b64decode(data["key"]["key"])
        project, target = data["levels"]
        moved = self.tool(key, "open", "--level", target["id"], stdin=project["blob"].encode())
        self.assertEqual((moved.returncode, moved.stdout), (65, b""))
        prefix, _, encoded = project["blob"].rpartition(":")
        raw = bytearray(base64.b64decode(encoded))
        raw[30] ^= 0x04
        flipped = f"{prefix}:{base64.b64encode(bytes(raw)).decode()}"
        tampered = self.tool(key, "open", "--level", project["id"], stdin=flipped.encode())
        self.assertEqual((tampered.returncode, tampered.stdout), (65, b""))
        wrong_key = self.tool(bytes(32), "open", "--level", project["id"], stdin=project["blob"].encode())
        self.assertEqual(wrong_key.returncode, 65)

    def test_the_server_accepts_and_serves_back_what_the_tool_sealed(self):
        data = self.resolved("api", {"target": "web", "environment": "scratch"})
        key = base64.b64decode(data["key"]["key"])
        env_id = data["environment"]["id"]
        for text in ("", "K=v\n", "z" * 256, "ü" * 1000):
            sealed = self.tool(key, "seal", "--level", env_id, "--key-version", "2", stdin=text.encode())
            self.assertEqual(sealed.returncode, 0, sealed.stderr)
            blob = sealed.stdout.decode().strip()
            self.assertTrue(blob.startswith("dcv1:2:"), blob[:10])
            put = api("PUT", "/secrets", {"project": "api", "target": "web", "environment": "scratch",
                                          "key_version": 2, "blob": blob})
            self.assertEqual(put.status, 200, put.body)
            served = api("GET", "/api/web/scratch/secrets").json["data"]["blob"]
            self.assertEqual(served, blob)
            self.assertEqual(reference_open(key, ORG, env_id, served), text)
            back = self.tool(key, "open", "--level", env_id, stdin=served.encode())
            self.assertEqual(back.stdout.decode(), text)

    def test_a_client_managed_blob_sealed_by_the_tool_round_trips(self):
        data = self.resolved("vault", {})
        project_id = data["project"]["id"]
        opened = self.tool(CLIENT_KEY, "open", "--level", project_id, stdin=data["levels"][0]["blob"].encode())
        self.assertEqual(opened.stdout, b"V=1\n")
        sealed = self.tool(CLIENT_KEY, "seal", "--level", project_id, "--key-version", "1", stdin=b"V=2\n")
        put = api("PUT", "/secrets", {"project": "vault", "key_version": 1, "blob": sealed.stdout.decode().strip(),
                                      "key_proof": data["key"]["key_proof"]["proof"]})
        self.assertEqual(put.status, 200, put.body)
        served = api("GET", "/vault/secrets").json["data"]["blob"]
        self.assertEqual(reference_open(CLIENT_KEY, ORG, project_id, served), "V=2\n")


if __name__ == "__main__":
    if len(sys.argv) < 2 or not os.access(sys.argv[1], os.X_OK):
        sys.exit("usage: test_blob_interop.py PATH_TO_BLOB_TOOL [unittest options]")
    TOOL = os.path.abspath(sys.argv.pop(1))
    unittest.main()
