#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets (fuzz/corpus/<target>/) from the project's own test data.

  fuzz_dotenv          every input of tests/conformance/dotenv-cases.json, the level texts of the
                       e2e seed (tests/e2e/cloud_fixture.py) and of the demo seed
  fuzz_resolve_answer  real answers of the local server (tests/server/) to the e2e seed, asked over
                       HTTPS as dotenv-run asks, and the unit tests' sample answer; the first byte of
                       each file is the index of the question in fuzz/fuzz_resolve_answer.cpp
  fuzz_blob            blobs sealed by the local server's code (cloud_crypto) under the fuzz key, a key
                       proof of that key, the key itself
  fuzz_config          the settings files of tests/unit/api/settings_test.cpp and a few more

Run it again when that test data changes, and commit what it writes. Blobs hold random nonces, so a new
run writes equivalent files, not identical ones. Needs /usr/bin/python3 with python3-nacl (the server's).
"""
import base64
import hashlib
import json
import os
import re
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "server"))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))

import cloud_crypto  # noqa: E402
import cloud_fixture  # noqa: E402
from server_harness import ServerProcess  # noqa: E402

CORPUS = os.path.join(ROOT, "fuzz", "corpus")

# As in fuzz/fuzz_blob.cpp and fuzz/fuzz_resolve_answer.cpp: the e2e fixture's client key (bytes 1..32).
FUZZ_KEY = bytes(range(1, 33))
BLOB_ORG = "01JE2E0TEST0RG000000000000"
BLOB_LEVEL = "01JE2E0B10B000000000000000"
# The questions of fuzz_resolve_answer.cpp (kQueries), by index: (project, target, environment).
QUERIES = [("api", None, None), ("api", "web", None), ("api", "web", "production"),
           ("billing", None, None), ("billing", "web", None)]
SAMPLE_QUERY = 5  # the unit tests' sample answer, organization 01HZX5V9Q6M3K8T2R4W7Y0B1CD


def safe_name(text):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)[:80]


class Writer:
    def __init__(self, target):
        self.dir = os.path.join(CORPUS, target)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.seen = set()

    def add(self, name, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        if data in self.seen:
            return
        self.seen.add(data)
        with open(os.path.join(self.dir, safe_name(name)), "wb") as handle:
            handle.write(data)


def env_text(value):
    return "".join(line + "\n" for line in value) if isinstance(value, list) else value


def seed_texts(seed):
    """(name, .env text) of every level of a seed."""
    for org in seed.get("organizations", []):
        for project in org.get("projects", []):
            yield project["slug"], env_text(project.get("env", ""))
            for history in project.get("history", []):
                yield project["slug"] + "-history", env_text(history)
            for target in project.get("targets", []):
                yield f"{project['slug']}-{target['slug']}", env_text(target.get("env", ""))
                for env in target.get("environments", []):
                    name = f"{project['slug']}-{target['slug']}-{env['slug']}"
                    yield name, env_text(env.get("env", ""))
                    for history in env.get("history", []):
                        yield name + "-history", env_text(history)


def dotenv_corpus():
    out = Writer("fuzz_dotenv")
    with open(os.path.join(ROOT, "tests", "conformance", "dotenv-cases.json"), encoding="utf-8") as handle:
        for case in json.load(handle):
            out.add("conformance-" + case["name"], case["input"])
    for name, text in seed_texts(cloud_fixture.seed()):
        out.add("e2e-" + name, text)
    with open(os.path.join(ROOT, "tests", "server", "seed-demo.json"), encoding="utf-8") as handle:
        for name, text in seed_texts(json.load(handle)):
            out.add("demo-" + name, text)


def resolve_corpus():
    out = Writer("fuzz_resolve_answer")
    server = ServerProcess(cloud_fixture.seed())
    try:
        for index, (project, target, environment) in enumerate(QUERIES):
            path = f"/api/v1/{cloud_fixture.ORG}/secrets/resolve?project={project}"
            path += f"&target={target}" if target else ""
            path += f"&environment={environment}" if environment else ""
            answer = server.request("GET", path + "&merge=1&include=key", token=cloud_fixture.TOKENS["full"])
            if answer.status != 200:
                raise SystemExit(f"make_corpus: the local server answered {answer.status} to {path}")
            out.add(f"server-{index}-" + "-".join(filter(None, (project, target, environment))),
                    bytes([index]) + answer.body)
    finally:
        server.stop()
    with open(os.path.join(ROOT, "tests", "unit", "api", "resolve_answer_sample.hpp"), encoding="utf-8") as handle:
        sample = re.search(r'R"\((.*?)\)"', handle.read(), re.S).group(1)
    out.add("unit-sample", bytes([SAMPLE_QUERY]) + sample.encode())


def blob_corpus():
    out = Writer("fuzz_blob")
    texts = {"empty": "", "one": "A=1\n", "quoted": 'GREETING="Hello\\nworld"\nB=${A}\n',
             "block-edge": "K=" + "v" * 252 + "\n", "two-blocks": "LONG=" + "x" * 400 + "\n"}
    for name, text in texts.items():
        out.add("blob-" + name, cloud_crypto.seal(FUZZ_KEY, 1, BLOB_ORG, BLOB_LEVEL, text))
    out.add("blob-version-7", cloud_crypto.seal(FUZZ_KEY, 7, BLOB_ORG, BLOB_LEVEL, "A=7\n"))
    out.add("blob-other-level", cloud_crypto.seal(FUZZ_KEY, 1, BLOB_ORG, "01JE2E0OTHER00000000000000", "A=1\n"))
    salt = bytes(range(16))
    proof = cloud_crypto.key_proof(FUZZ_KEY, salt=salt, iterations=1000)
    out.add("proof-match", "\n".join([proof["algorithm"], proof["salt"], proof["proof"]]))
    wrong = base64.b64encode(hashlib.pbkdf2_hmac("sha256", b"\0" * 32, salt, 1000, 32)).decode()
    out.add("proof-other-key", "\n".join([proof["algorithm"], proof["salt"], wrong]))
    out.add("key", base64.b64encode(FUZZ_KEY).decode())


def config_corpus():
    out = Writer("fuzz_config")
    with open(os.path.join(ROOT, "tests", "unit", "api", "settings_test.cpp"), encoding="utf-8") as handle:
        for index, text in enumerate(re.findall(r'R"\((\{.*?\})\)"', handle.read())):
            out.add(f"unit-{index}", text)
    out.add("all-settings", json.dumps({"org": cloud_fixture.ORG, "project": "api", "target": "web",
                                        "environment": "production", "api_url": "https://127.0.0.1:8443/",
                                        "ca_file": "../certs/ca.pem"}, indent=2) + "\n")
    out.add("e2e-project-file", json.dumps({"project": "nope", "org": cloud_fixture.ORG}))
    out.add("escapes", '{"project": "a\\u00e9\\ud83d\\ude00", "ca_file": "/etc/ssl/x.pem"}')
    out.add("not-an-object", '["project", "api"]')


def main():
    dotenv_corpus()
    blob_corpus()
    config_corpus()
    resolve_corpus()


if __name__ == "__main__":
    main()
