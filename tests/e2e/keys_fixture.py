# Set-up shared by test_keys.py and test_versions.py: a seed with a server-managed and a client-managed project,
# each with several targets, environments and backups; dotenv-cloud runs; snapshots of every blob, opened in Python.
import base64
import os
import subprocess
import sys
import time

import cloud_fixture as fx
from cloud_fixture import CloudTest, ORG, TOKENS, CLIENT_KEY, WRONG_CLIENT_KEY, Result
from server_harness import reference_open, reference_seal

CLOUD = None  # set by main() from argv[1]
OLD = base64.b64decode(CLIENT_KEY)


def level(env, history=(), environments=None):
    out = {"env": env, "history": list(history)}
    if environments is not None:
        out["environments"] = environments
    return out


def seed():
    """api: server-managed; vault: client-managed (CLIENT_KEY) with 2 targets, 3 environments, backups on each level."""
    base = fx.seed()
    org = base["organizations"][0]
    org["projects"].append({
        "slug": "vault", "encryption": "client", "client_key": CLIENT_KEY, "iterations": 1000,
        **level("ROOT=vault-s3cr3t-root\n", ["ROOT=vault-s3cr3t-root-old\n"]),
        "targets": [
            {"slug": "web", **level("W=web-s3cr3t\n", ["W=web-s3cr3t-1\n", "W=web-s3cr3t-2\n"]),
             "environments": [{"slug": "production", **level("P=prod-s3cr3t\nQ='quoted s3cr3t'\n",
                                                             ["P=prod-s3cr3t-old\n"])},
                              {"slug": "staging", **level("S=staging-s3cr3t\n")}]},
            {"slug": "worker", **level("K=worker-s3cr3t\n", ["K=worker-s3cr3t-old\n"]),
             "environments": [{"slug": "production", **level("J=jobs-s3cr3t\n", ["J=jobs-s3cr3t-0\n"])}]},
            {"slug": "empty"},
        ]})
    # The server-managed project gets backups on every level too, and a second target.
    api = org["projects"][0]
    api["history"] = ["A=project-s3cr3t-old\n"]
    api["targets"][0]["history"] = ["B=target-s3cr3t-old\n"]
    api["targets"][0]["environments"][0]["history"] = ["C=environment-s3cr3t-old\n"]
    return base


class KeysTest(CloudTest):
    """A server per class with a rate limit no test reaches, the seed above."""

    SERVER_ARGS = ("--rate-limit", "100000")

    @classmethod
    def setUpClass(cls):
        cls.server = fx.ServerProcess(seed(), "--test-control", *cls.SERVER_ARGS)

    def setUp(self):
        super().setUp()
        self.old_key = self.file("old.key", CLIENT_KEY + "\n")
        self.new_key = self.path("new.key")

    # Running dotenv-cloud

    def cloud(self, *args, env=None, input=None, timeout=120):
        started = time.monotonic()
        proc = subprocess.run([CLOUD, *args], env=self.env() if env is None else env, input=input,
                              capture_output=True, cwd=self.dir, timeout=timeout)
        return Result(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started, None)

    def ok(self, *args, **kw):
        r = self.cloud(*args, **kw)
        self.assertEqual(r.code, 0, r.err.decode(errors="replace"))
        return r

    # The API, from Python

    def api(self, method, path, body=None):
        return self.server.request(method, f"/api/v1/{ORG}{path}", body=body, token=TOKENS["full"])

    def data(self, path):
        answer = self.api("GET", path)
        self.assertEqual(answer.status, 200, answer.body)
        return answer.json["data"]

    def every(self, path):
        sep = "&" if "?" in path else "?"
        return self.data(f"{path}{sep}per_page=100")

    def level_paths(self, project):
        paths = [(f"/{project}/secrets", f"project={project}")]
        for target in self.every(f"/{project}/targets"):
            t = target["slug"]
            paths.append((f"/{project}/{t}/secrets", f"project={project}&target={t}"))
            for environment in self.every(f"/{project}/{t}/environments"):
                e = environment["slug"]
                paths.append((f"/{project}/{t}/{e}/secrets", f"project={project}&target={t}&environment={e}"))
        return paths

    def blobs(self, project):
        """{name: (level id, blob)} for every level with a blob and every backup of the project."""
        out = {}
        for secrets, query in self.level_paths(project):
            lv = self.data(secrets)
            if lv["blob"]:
                out[secrets] = (lv["id"], lv["blob"])
            for backup in self.every(f"/secrets/versions?{query}"):
                out[backup["id"]] = (backup["level_id"], self.data(f"/secrets/versions/{backup['id']}")["blob"])
        return out

    def snapshot(self, project, key):
        """{name: plaintext} of every blob, each opened with `key` (fails the test when one does not open)."""
        return {name: reference_open(key, ORG, level_id, blob) for name, (level_id, blob) in self.blobs(project).items()}

    def opened_by(self, project, key):
        """The names of the blobs `key` opens."""
        opened = []
        for name, (level_id, blob) in self.blobs(project).items():
            try:
                reference_open(key, ORG, level_id, blob)
                opened.append(name)
            except Exception:
                pass
        return opened

    def read_key(self, path):
        with open(path) as f:
            return base64.b64decode(f.read().strip(), validate=True)

    def put_level(self, project, key, key_version, text, target=None, environment=None, proof=None):
        """An upsert from Python (another client), sealed with `key`."""
        path = f"/{project}" + (f"/{target}" if target else "") + (f"/{environment}" if environment else "")
        lv = self.data(path + "/secrets")
        body = {"project": project, "blob": reference_seal(key, key_version, ORG, lv["id"], text),
                "key_version": key_version, "base_version": lv["version"] or 0}
        if target:
            body["target"] = target
        if environment:
            body["environment"] = environment
        if proof is not None:
            body["key_proof"] = proof
        answer = self.api("PUT", "/secrets", body)
        self.assertEqual(answer.status, 200, answer.body)
        return answer.json["data"]

    def assert_no_secret(self, r):
        for text in (fx.MARK, CLIENT_KEY, WRONG_CLIENT_KEY, *TOKENS.values()):
            self.assertNotIn(text.encode(), r.out + r.err, f"{text!r} was printed")


def main():
    """argv: DOTENV_CLOUD DOTENV_RUN [unittest args]."""
    global CLOUD
    CLOUD = os.path.abspath(sys.argv.pop(1))
    fx.main()
