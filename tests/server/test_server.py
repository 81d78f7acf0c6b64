#!/usr/bin/python3
# Tests of the local dotEnv Cloud server against docs/api.md: run `/usr/bin/python3 tests/server/test_server.py`.
import base64
import contextlib
import email.message
import hashlib
import http.client
import io
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
import unittest
import unittest.mock
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cloud_http  # noqa: E402 - these, in process: seed errors, and a handler bug
import cloud_ratelimit  # noqa: E402
import cloud_routes  # noqa: E402
import cloud_seed  # noqa: E402
import dotenv_cloud_server  # noqa: E402
from server_harness import (ServerProcess, read_answer, reference_open, reference_proof,  # noqa: E402
                            reference_seal)

ORG = "01HZZZTESTA000000000000000"
ORG_B = "01HZZZTESTB000000000000000"
ORG_FREE = "01HZZZTESTC000000000000000"
V1 = "/api/v1"
CLIENT_KEY = bytes(range(32))
NEW_CLIENT_KEY = bytes(range(100, 132))
ITERATIONS = 100000  # the least the API takes for a new key proof
SEED_ITERATIONS = 1000  # the seed may use fewer: every class reseeds, and PBKDF2 is most of a reseed's time


def level(slug, env, **more):
    return dict(slug=slug, env=env, **more)


SEED = {
    "organizations": [
        {"id": ORG, "name": "Test A", "plan": "team", "projects": [
            {"slug": "api", "encryption": "server", "env": "A=project\nSHARED=project\n", "targets": [
                {"slug": "web", "environments": [level("production", "SHARED=environment\nE=1\n"),
                                                 {"slug": "empty"}]},
                {"slug": "worker", "env": "W=1\n"}]},
            {"slug": "mut", "encryption": "server", "env": "M=0\n", "targets": [
                {"slug": "web", "environments": [level("production", "M=1\n", history=["M=old\n"])]}]},
            {"slug": "rot", "encryption": "server", "env": "R=project\n", "targets": [
                {"slug": "web", "env": "R=target\n", "environments": [level("production", "R=env\n")]}]},
            {"slug": "billing", "encryption": "client", "client_key": base64.b64encode(CLIENT_KEY).decode(),
             "iterations": SEED_ITERATIONS, "env": "B=1\n",
             "targets": [{"slug": "web", "environments": [level("production", "B=2\n")]}]},
            {"slug": "vault", "encryption": "client", "client_key": base64.b64encode(CLIENT_KEY).decode(),
             "iterations": SEED_ITERATIONS, "env": "V=project\n", "history": ["V=older\n"],
             "targets": [{"slug": "web", "environments": [level("production", "V=env\n")]}]},
            {"slug": "crud", "encryption": "server"},
        ]},
        {"id": ORG_B, "name": "Test B", "plan": "team", "projects": [
            {"slug": "api", "encryption": "server", "env": "B_ONLY=1\n"}]},
        {"id": ORG_FREE, "name": "Free", "plan": "free", "projects": []},
    ],
    "users": [{"name": "Alice", "email": "alice@example.com", "memberships": {ORG: "owner", ORG_B: "viewer"}}],
    "tokens": [
        {"name": "full", "value": "tok-full", "organization": ORG, "abilities": ["*"]},
        {"name": "reader", "value": "tok-reader", "organization": ORG, "abilities": ["project:read", "secret:read"]},
        {"name": "scoped", "value": "tok-scoped", "organization": ORG, "abilities": ["*"], "projects": ["api"]},
        {"name": "expired", "value": "tok-expired", "organization": ORG, "abilities": ["*"],
         "expires_at": "2001-01-01T00:00:00Z"},
        {"name": "b", "value": "tok-b", "organization": ORG_B, "abilities": ["*"]},
        {"name": "free", "value": "tok-free", "organization": ORG_FREE, "abilities": ["*"]},
        {"name": "alice", "value": "tok-alice", "user": "alice@example.com"},
    ],
    "demo": {"organization": ORG, "token": "full", "project": "billing", "target": "web", "environment": "production"},
}

server = None


def setUpModule():
    global server
    server = ServerProcess(SEED, "--test-control", "--rate-limit", "100000")


def tearDownModule():
    errors = server.errors()
    server.stop()
    if errors:
        raise AssertionError(f"the server wrote on stderr:\n{errors}")


def api(method, path, body=None, token="tok-full", **kw):
    return server.request(method, V1 + path, body=body, token=token, **kw)


def resolve(query, token="tok-full"):
    return api("GET", f"/{ORG}/secrets/resolve?{urllib.parse.urlencode(query)}", token=token)


def key_of(project):
    return base64.b64decode(api("GET", f"/{ORG}/{project}/key").json["data"]["key"])


class Case(unittest.TestCase):
    """Every class starts from the seed (a reseed through the control API, cheaper than a new server) and
    fails in tearDownClass when the server wrote on stderr (a traceback) while it ran."""

    @classmethod
    def setUpClass(cls):
        server.control("POST", "reset", {"reseed": True})
        cls.stderr_before = len(server.errors())

    @classmethod
    def tearDownClass(cls):
        errors = server.errors()[cls.stderr_before:]
        if errors:
            raise AssertionError(f"the server wrote on stderr during {cls.__name__}:\n{errors}")

    def assertError(self, answer, status, body):
        self.assertEqual(answer.status, status, answer.body)
        self.assertEqual(answer.json, body)


class TransportTest(Case):
    def test_the_ready_line_is_followed_by_export_lines_and_a_private_token_file(self):
        exports = server.exports
        self.assertEqual(exports["DOTENV_CLOUD_API_URL"], server.url)
        self.assertEqual(exports["DOTENV_CLOUD_CA_FILE"], server.ca_file)
        self.assertEqual(exports["DOTENV_CLOUD_ORG"], ORG)
        self.assertEqual(exports["DOTENV_CLOUD_PROJECT"], "billing")
        for name in ("DOTENV_CLOUD_TOKEN_FILE", "DOTENV_CLOUD_KEY_FILE"):
            self.assertEqual(os.stat(exports[name]).st_mode & 0o777, 0o600)
        with open(exports["DOTENV_CLOUD_TOKEN_FILE"]) as handle:
            self.assertEqual(handle.read(), "tok-full\n")
        with open(exports["DOTENV_CLOUD_KEY_FILE"]) as handle:
            self.assertEqual(base64.b64decode(handle.read()), CLIENT_KEY)
        self.assertNotIn("tok-full", json.dumps(exports))

    def test_plain_http_gets_no_answer(self):
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\n\r\n")
            try:
                data = sock.recv(4096)
            except ConnectionResetError:
                data = b""
        self.assertFalse(data.startswith(b"HTTP/"), data)

    def test_http_1_1_with_keep_alive_and_content_length(self):
        connection = server.connection()
        for _ in range(2):
            connection.request("GET", V1 + "/plans", headers={"Authorization": "Bearer tok-full"})
            response = connection.getresponse()
            body = response.read()
            self.assertEqual(response.version, 11)
            self.assertEqual(int(response.getheader("Content-Length")), len(body))
        connection.close()

    def test_406_when_accept_excludes_json(self):
        answer = api("GET", "/me", headers={"Accept": "text/html"})
        self.assertError(answer, 406, {"message": "This API only answers application/json.",
                                       "error": "not_acceptable"})
        self.assertEqual(api("GET", "/me", headers={"Accept": "*/*"}).status, 200)
        self.assertEqual(api("GET", "/me", headers={"Accept": "application/json;q=0"}).status, 406)

    def test_415_for_a_write_with_another_content_type(self):
        answer = api("POST", f"/{ORG}/projects", raw=b"slug=x", headers={"Content-Type": "text/plain"})
        self.assertError(answer, 415, {"message": "Write requests must send application/json.",
                                       "error": "unsupported_media_type"})
        self.assertEqual(api("POST", f"/{ORG}/projects", raw=b'{"slug":"x"}').status, 415)

    def test_a_body_that_is_not_json_is_a_validation_error(self):
        answer = api("POST", f"/{ORG}/projects", raw=b"{", headers={"Content-Type": "application/json"})
        self.assertError(answer, 422, {"message": "The request body is not valid JSON.", "error": "validation_failed",
                                       "errors": {"body": ["The request body is not valid JSON."]}})
        for raw, message in ((b"[" * 100000, "The request body is nested too deeply."),
                             (b'{"a":' * 50000 + b"1" + b"}" * 50000, "The request body is nested too deeply."),
                             (b'{"slug": NaN}', "The request body is not valid JSON (NaN is not a JSON number)."),
                             (b'{"slug": -Infinity}',
                              "The request body is not valid JSON (-Infinity is not a JSON number)."),
                             ('{"slug": "utf16"}'.encode("utf-16"), "The request body is not valid JSON (not UTF-8)."),
                             (b'{"slug": "\xff"}', "The request body is not valid JSON (not UTF-8)."),
                             (b'{"slug": "ok", "name": "\\ud800"}',
                              "The request body is not valid JSON (an unpaired UTF-16 surrogate)."),
                             (b'{"slug": "ok", "name": {"\\udc00x": 1}}',
                              "The request body is not valid JSON (an unpaired UTF-16 surrogate).")):
            with self.subTest(raw=raw[:20]):
                answer = api("POST", f"/{ORG}/projects", raw=raw, headers={"Content-Type": "application/json"})
                self.assertError(answer, 422, {"message": message, "error": "validation_failed",
                                               "errors": {"body": [message]}})
        paired = api("POST", f"/{ORG}/projects", raw=b'{"slug": "paired", "name": "\\ud83d\\ude00"}',
                     headers={"Content-Type": "application/json"})
        self.assertEqual((paired.status, paired.json["data"]["name"]), (201, "\U0001f600"))

    def test_unknown_routes_404_and_wrong_methods_405(self):
        self.assertError(api("GET", "/nothing/here/at/all/x/y"), 404,
                         {"message": "The route was not found.", "error": "not_found"})
        answer = api("PUT", "/me", body={})
        self.assertEqual(answer.status, 405)
        self.assertEqual(answer.header("Allow"), "GET")

    def assertHeaders(self, answer, limit="100000", rate_limited=True):
        self.assertRegex(answer.header("X-Request-Id") or "", r"\A[0-9a-f]{16}\Z", answer.status)
        if rate_limited:
            self.assertEqual(answer.header("X-RateLimit-Limit"), limit, answer.status)
            self.assertRegex(answer.header("X-RateLimit-Remaining") or "", r"\A[0-9]+\Z", answer.status)

    def test_every_api_answer_carries_rate_limit_headers_and_a_request_id(self):
        json_type = {"Content-Type": "application/json"}
        answers = {
            200: api("GET", "/me"), 201: api("POST", f"/{ORG}/crud/targets", {"slug": "headers"}),
            204: api("DELETE", f"/{ORG}/crud/headers"), 401: api("GET", "/me", token=None),
            403: api("GET", f"/{ORG}/api/key", token="tok-reader"), 404: api("GET", "/nope"),
            405: api("PUT", "/me", {}), 406: api("GET", "/me", headers={"Accept": "text/html"}),
            409: api("POST", f"/{ORG}/projects", {"slug": "api"}),
            413: api("PUT", f"/{ORG}/secrets", {"project": "mut", "key_version": 1, "blob": "A" * (1024 * 1024 + 1)}),
            415: api("POST", f"/{ORG}/projects", raw=b"{}", headers={"Content-Type": "text/plain"}),
            422: api("POST", f"/{ORG}/projects", raw=b"[" * 100000, headers=json_type)}
        for status, answer in answers.items():
            self.assertEqual(answer.status, status, answer.body)
            self.assertHeaders(answer)
        self.assertHeaders(api("POST", "/telemetry", {}, token=None), limit="60")
        oauth = server.request("POST", "/api/oauth/token", body={"grant_type": "password"})
        self.assertEqual(oauth.status, 400)
        self.assertHeaders(oauth, limit="10")
        self.assertHeaders(server.request("GET", "/oauth/authorize?redirect_uri=x"), rate_limited=False)
        self.assertHeaders(server.request("GET", "/elsewhere"), rate_limited=False)

    def test_three_hundred_concurrent_clients_are_all_served(self):
        statuses = []
        lock = threading.Lock()

        def one():
            try:
                status = api("GET", f"/{ORG}/secrets/resolve?project=api", timeout=60).status
            except Exception as error:  # noqa: BLE001 - recorded and asserted below
                status = repr(error)
            with lock:
                statuses.append(status)

        threads = [threading.Thread(target=one) for _ in range(300)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(statuses, [200] * 300)


class CertificateModesTest(Case):
    def handshake(self, mode):
        other = ServerProcess(SEED, "--cert-mode", mode)
        try:
            with socket.create_connection(("127.0.0.1", other.port), timeout=5) as sock:
                with other.context.wrap_socket(sock, server_hostname="127.0.0.1"):
                    return None
        except ssl.SSLCertVerificationError as error:
            return error.verify_message
        finally:
            other.stop()

    def test_a_certificate_for_the_wrong_name_fails_hostname_verification_only(self):
        self.assertIn("mismatch", self.handshake("wrong-name").lower())

    def test_an_untrusted_ca_fails_verification(self):
        self.assertEqual(self.handshake("untrusted-ca"), "unable to get local issuer certificate")

    def test_pin_and_port_files_describe_the_served_certificate(self):
        other = ServerProcess(SEED, "--pin-out", "{dir}/PIN", "--port-file", "{dir}/PORT")
        try:
            with open(os.path.join(other.dir, "PORT")) as handle:
                self.assertEqual(int(handle.read()), other.port)
            with socket.create_connection(("127.0.0.1", other.port), timeout=5) as sock:
                with other.context.wrap_socket(sock, server_hostname="127.0.0.1") as tls:
                    pem = ssl.DER_cert_to_PEM_cert(tls.getpeercert(binary_form=True))
            spki = subprocess.run("openssl x509 -noout -pubkey | openssl pkey -pubin -outform DER", shell=True,
                                  input=pem.encode(), capture_output=True, check=True).stdout
            with open(os.path.join(other.dir, "PIN")) as handle:
                self.assertEqual(handle.read().strip(),
                                 "sha256//" + base64.b64encode(hashlib.sha256(spki).digest()).decode())
        finally:
            other.stop()

    def test_the_normal_certificate_names_127_0_0_1_and_localhost(self):
        for host in ("127.0.0.1", "localhost"):
            with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
                with server.context.wrap_socket(sock, server_hostname=host) as tls:
                    self.assertEqual(tls.version()[:5], "TLSv1")


class SeedTest(Case):
    def test_the_demo_seed_serves_a_resolvable_project_with_the_printed_settings(self):
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "seed-demo.json")) as handle:
            demo = ServerProcess(json.load(handle))
        try:
            settings = demo.exports
            self.assertEqual(sorted(settings), ["DOTENV_CLOUD_API_URL", "DOTENV_CLOUD_CA_FILE",
                                                "DOTENV_CLOUD_ENVIRONMENT", "DOTENV_CLOUD_ORG", "DOTENV_CLOUD_PROJECT",
                                                "DOTENV_CLOUD_TARGET", "DOTENV_CLOUD_TOKEN_FILE"])
            with open(settings["DOTENV_CLOUD_TOKEN_FILE"]) as handle:
                token = handle.read().strip()
            query = {name: settings[f"DOTENV_CLOUD_{name.upper()}"] for name in ("project", "target", "environment")}
            path = f"{V1}/{settings['DOTENV_CLOUD_ORG']}/secrets/resolve?{urllib.parse.urlencode(query)}&merge=1&include=key"
            data = demo.request("GET", path, token=token).json["data"]
            key = base64.b64decode(data["key"]["key"])
            texts = [reference_open(key, settings["DOTENV_CLOUD_ORG"], lv["id"], lv["blob"]) for lv in data["levels"]]
            self.assertEqual(texts[1], "PORT=8080\nLOG_LEVEL=debug\n")
            self.assertEqual(len(demo.request("GET", f"{V1}/{settings['DOTENV_CLOUD_ORG']}/secrets/versions?"
                                              + urllib.parse.urlencode(query), token=token).json["data"]), 1)
        finally:
            demo.stop()

    def test_a_bad_seed_is_one_line_on_stderr_and_exit_78(self):
        ulid = "01HZZZTESTD000000000000000"
        cases = [({"organizations": [{"id": "not-a-ulid"}]},
                  "organizations[0]: id must be a ULID (26 Crockford base32 characters)"),
                 ({"organizations": [{"projects": [{"slug": "key"}]}]},
                  "organizations[0].projects[0]: The slug key is reserved."),
                 ({"organizations": [{"id": ORG + "\n"}]},
                  "organizations[0]: id must be a ULID (26 Crockford base32 characters)"),
                 ({"organizations": [{"projects": [{"slug": "api\n"}]}]},
                  "organizations[0].projects[0]: The slug must match ^[a-z0-9][a-z0-9_-]{0,63}$."),
                 ({"organizations": [{"projects": [{"slug": "c", "encryption": "client"}]}]},
                  "organizations[0].projects[0]: a client-managed project needs client_key, base64 of 32 bytes"),
                 ({"organizations": [{"projects": [{"slug": "p", "id": "p-1"}]}]},
                  "organizations[0].projects[0]: id must be a ULID (26 Crockford base32 characters)"),
                 ({"organizations": [{"projects": [{"slug": "p", "id": ulid, "targets": [{"slug": "t", "id": ulid}]}]}]},
                  f"organizations[0].projects[0].targets[0]: id {ulid} is already used"),
                 ({"organizations": [{"rate_limit": "fast"}]},
                  "organizations[0]: rate_limit must be a positive integer or null"),
                 ({"users": [{"email": "a@example.com", "id": "u1"}]},
                  "users[0]: id must be a ULID (26 Crockford base32 characters)")]
        for seed, message in cases:  # the loader itself, in this process: a server start-up each is slow
            with self.subTest(message=message):
                with self.assertRaises(cloud_seed.SeedError) as caught:
                    cloud_seed.load_seed(seed)
                self.assertEqual(str(caught.exception), message)
        path = os.path.join(server.dir, "bad-seed.json")  # and what the command line makes of one
        with open(path, "w") as handle:
            json.dump(cases[0][0], handle)
        result = subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                              "dotenv_cloud_server.py"), "--seed", path],
                                capture_output=True, text=True, timeout=30)
        self.assertEqual((result.returncode, result.stdout), (78, ""))
        self.assertEqual(result.stderr, f"dotenv_cloud_server: bad seed {path}: {cases[0][1]}\n")


class AuthTest(Case):
    def test_401_without_a_token(self):
        self.assertError(api("GET", "/me", token=None), 401,
                         {"message": "Unauthenticated.", "error": "unauthenticated"})

    def test_401_for_an_unknown_token(self):
        self.assertError(api("GET", "/me", token="nope"), 401,
                         {"message": "The token is invalid.", "error": "unauthenticated"})

    def test_401_token_expired_for_an_expired_token(self):
        self.assertError(api("GET", f"/{ORG}/projects", token="tok-expired"), 401,
                         {"message": "The token has expired.", "error": "token_expired"})

    def test_403_names_the_missing_ability(self):
        self.assertError(api("GET", f"/{ORG}/api/key", token="tok-reader"), 403,
                         {"message": "The token lacks the ability key:retrieve.", "error": "forbidden",
                          "required_ability": "key:retrieve"})
        self.assertError(resolve({"project": "api", "include": "key"}, token="tok-reader"), 403,
                         {"message": "The token lacks the ability key:retrieve.", "error": "forbidden",
                          "required_ability": "key:retrieve"})
        self.assertEqual(resolve({"project": "api"}, token="tok-reader").status, 200)

    def test_403_for_a_project_outside_the_token_scope(self):
        self.assertError(resolve({"project": "mut"}, token="tok-scoped"), 403,
                         {"message": "The token is not allowed to access project mut.", "error": "forbidden",
                          "required_ability": "secret:read"})
        listed = api("GET", f"/{ORG}/projects", token="tok-scoped").json
        self.assertEqual([p["slug"] for p in listed["data"]], ["api"])
        self.assertEqual(listed["meta"]["total"], 1)
        self.assertEqual(api("POST", f"/{ORG}/projects", {"slug": "zz"}, token="tok-scoped").status, 403)

    def test_another_organization_is_not_found(self):
        self.assertError(api("GET", f"/{ORG_B}/projects"), 404,
                         {"message": "Organization not found.", "error": "not_found"})

    def test_me_describes_an_organization_token(self):
        data = api("GET", "/me", token="tok-scoped").json["data"]
        self.assertEqual(data["type"], "organization_token")
        self.assertEqual(data["organization"], {"id": ORG, "name": "Test A"})
        self.assertEqual(data["projects"], ["api"])
        self.assertIn("key:rotate", data["abilities"])
        self.assertIsNone(data["expires_at"])

    def test_a_user_token_has_the_abilities_of_its_role(self):
        me = api("GET", "/me", token="tok-alice").json["data"]
        self.assertEqual((me["type"], me["email"]), ("user", "alice@example.com"))
        orgs = api("GET", "/organizations", token="tok-alice").json["data"]
        self.assertEqual({o["id"] for o in orgs}, {ORG, ORG_B})
        self.assertEqual(api("GET", f"/{ORG_B}/api/secrets", token="tok-alice").status, 200)
        self.assertEqual(api("GET", f"/{ORG_B}/api/key", token="tok-alice").json["required_ability"], "key:retrieve")


class OrganizationTest(Case):
    def test_organization_and_organizations_for_an_org_token(self):
        self.assertEqual(api("GET", "/organization").json["data"]["id"], ORG)
        self.assertEqual([o["id"] for o in api("GET", "/organizations").json["data"]], [ORG])
        self.assertEqual(api("GET", "/organization", token="tok-reader").json["required_ability"],
                         "organization:read")

    def test_only_a_user_can_create_an_organization_and_becomes_its_owner(self):
        self.assertError(api("POST", "/organizations", {"name": "X"}), 403,
                         {"message": "Only a user token can create organizations.", "error": "forbidden"})
        created = api("POST", "/organizations", {"name": "New Co"}, token="tok-alice")
        self.assertEqual(created.status, 201)
        org_id = created.json["data"]["id"]
        self.assertRegex(org_id, r"\A[0-7][0-9A-HJKMNP-TV-Z]{25}\Z")
        self.assertEqual(created.json["data"]["plan"], "free")
        self.assertEqual(api("POST", f"/{org_id}/projects", {"slug": "p"}, token="tok-alice").status, 201)
        self.assertEqual(api("POST", "/organizations", {}, token="tok-alice").json["errors"],
                         {"name": ["The name field is required."]})

    def test_every_class_starts_from_the_seed(self):
        # KeysTest (run before this class) rotates rot and vault, CrudTest creates projects.
        projects = api("GET", f"/{ORG}/projects").json["data"]
        self.assertEqual([(p["slug"], p["key_version"]) for p in projects],
                         [("api", 1), ("mut", 1), ("rot", 1), ("billing", 1), ("vault", 1), ("crud", 1)])

    def test_plans_are_a_paginated_list(self):
        answer = api("GET", "/plans?per_page=2&page=2").json
        self.assertEqual(answer["meta"], {"page": 2, "per_page": 2, "total": 3})
        self.assertEqual([p["slug"] for p in answer["data"]], ["business"])
        self.assertEqual(api("GET", "/plans?per_page=101").json["errors"],
                         {"per_page": ["The per_page must be an integer between 1 and 100."]})
        # Unicode digits (superscript two, Arabic-Indic ten), signs, spaces and 5000 digits: 422, never 500.
        for query in ("page=%C2%B2", "per_page=%D9%A1%D9%A0", "page=+1", "page=1%0A", "page=%201", "page=" + "9" * 5000):
            with self.subTest(query=query[:20]):
                answer = api("GET", "/plans?" + query)
                self.assertEqual((answer.status, answer.json["error"]), (422, "validation_failed"))

    def test_the_deprecated_long_form_reaches_the_same_handlers(self):
        short = api("GET", f"/{ORG}/api/web/production/secrets")
        long = api("GET", f"/organizations/{ORG}/projects/api/targets/web/environments/production/secrets")
        self.assertEqual(long.json, short.json)
        self.assertEqual(long.header("Deprecation"), "true")
        self.assertIsNone(short.header("Deprecation"))
        self.assertEqual(api("GET", f"/organizations/{ORG}").json["data"]["id"], ORG)
        self.assertEqual(api("GET", f"/organizations/{ORG}/projects/api/key").json["data"]["mode"], "server")
        self.assertEqual(api("GET", f"/organizations/{ORG}/secrets/resolve?project=api").status, 200)


class CrudTest(Case):
    def test_project_target_environment_life_cycle(self):
        created = api("POST", f"/{ORG}/projects", {"slug": "life", "name": "Life"})
        self.assertEqual(created.status, 201)
        project = created.json["data"]
        self.assertEqual(set(project), {"id", "slug", "name", "encryption", "key_version", "created_at",
                                        "updated_at"})
        self.assertEqual(project["encryption"], "server")
        self.assertEqual(api("POST", f"/{ORG}/life/targets", {"slug": "web"}).status, 201)
        self.assertEqual(api("POST", f"/{ORG}/life/web/environments", {"slug": "prod"}).status, 201)
        renamed = api("PATCH", f"/{ORG}/life/web/prod", {"slug": "production", "name": "Production"})
        self.assertEqual(renamed.json["data"]["slug"], "production")
        self.assertEqual(api("GET", f"/{ORG}/life/web/production").json["data"]["name"], "Production")
        self.assertEqual(api("GET", f"/{ORG}/life/web/prod").status, 404)
        self.assertEqual(api("PATCH", f"/{ORG}/life", {"slug": "life2"}).json["data"]["id"], project["id"])
        self.assertEqual([e["slug"] for e in api("GET", f"/{ORG}/life2/web/environments").json["data"]],
                         ["production"])
        self.assertEqual(api("PATCH", f"/{ORG}/life2/web", {"name": "Web!"}).json["data"]["name"], "Web!")
        self.assertEqual(api("DELETE", f"/{ORG}/life2/web/production").status, 204)
        self.assertEqual(api("DELETE", f"/{ORG}/life2/web").status, 204)
        self.assertEqual(api("GET", f"/{ORG}/life2/targets").json["data"], [])
        self.assertEqual(api("DELETE", f"/{ORG}/life2").status, 204)
        self.assertError(api("GET", f"/{ORG}/life2"), 404, {"message": "Project life2 not found.",
                                                             "error": "not_found"})

    def test_slug_rules_and_reserved_words(self):
        for slug in ("Upper", "-dash", "", "a" * 65, "sp ace", "dot.ted", "trail\n", "a\nb", "api\n"):
            for method, path in (("POST", f"/{ORG}/projects"), ("POST", f"/{ORG}/crud/targets"),
                                 ("PATCH", f"/{ORG}/crud")):
                answer = api(method, path, {"slug": slug})
                self.assertEqual(answer.status, 422, (slug, path))
                self.assertEqual(answer.json["errors"],
                                 {"slug": ["The slug must match ^[a-z0-9][a-z0-9_-]{0,63}$."]})
        for word in ("projects", "targets", "environments", "secrets", "key", "versions", "resolve"):
            self.assertError(api("POST", f"/{ORG}/crud/targets", {"slug": word}), 422,
                             {"message": f"The slug {word} is reserved.", "error": "validation_failed",
                              "errors": {"slug": [f"The slug {word} is reserved."]}})
        self.assertEqual(api("POST", f"/{ORG}/crud/targets", {"slug": "0_ok-" + "a" * 59}).status, 201)

    def test_a_taken_slug_is_a_conflict(self):
        self.assertError(api("POST", f"/{ORG}/projects", {"slug": "api"}), 409,
                         {"message": "The slug api is already taken.", "error": "conflict"})
        self.assertEqual(api("PATCH", f"/{ORG}/rot", {"slug": "api"}).status, 409)

    def test_plan_limits_answer_403_plan_limit(self):
        for index in range(3):
            self.assertEqual(api("POST", f"/{ORG_FREE}/projects", {"slug": f"p{index}"}, token="tok-free").status, 201)
        self.assertError(api("POST", f"/{ORG_FREE}/projects", {"slug": "p3"}, token="tok-free"), 403,
                         {"message": "The free plan allows 3 projects.", "error": "plan_limit"})

    def test_creating_a_client_managed_project_needs_a_key_proof(self):
        answer = api("POST", f"/{ORG}/projects", {"slug": "cm", "encryption": "client"})
        self.assertEqual(answer.json["errors"], {"key_proof": ["The key_proof must be {algorithm, iterations, "
                                                               "salt, proof}."]})
        salt = os.urandom(16)
        proof = {"algorithm": "pbkdf2-sha256", "iterations": ITERATIONS, "salt": base64.b64encode(salt).decode(),
                 "proof": reference_proof(CLIENT_KEY, salt, ITERATIONS)}
        created = api("POST", f"/{ORG}/projects", {"slug": "cm", "encryption": "client", "key_proof": proof})
        self.assertEqual(created.status, 201)
        self.assertEqual(api("GET", f"/{ORG}/cm/key").json["data"], {"mode": "client", "version": 1,
                                                                      "key_proof": proof})
        self.assertEqual(api("PATCH", f"/{ORG}/cm", {"encryption": "server"}).json["errors"],
                         {"encryption": ["The encryption of a project cannot change."]})

    def test_abilities_guard_each_resource(self):
        cases = [("POST", f"/{ORG}/projects", {"slug": "x"}, "project:create"),
                 ("PATCH", f"/{ORG}/crud", {"name": "x"}, "project:update"),
                 ("DELETE", f"/{ORG}/crud", None, "project:delete"),
                 ("GET", f"/{ORG}/crud/targets", None, "target:read"),
                 ("POST", f"/{ORG}/crud/targets", {"slug": "x"}, "target:create"),
                 ("GET", f"/{ORG}/api/web/environments", None, "environment:read"),
                 ("PUT", f"/{ORG}/secrets", {"project": "crud", "blob": "x", "key_version": 1}, "secret:write"),
                 ("POST", f"/{ORG}/crud/key/rotate", None, "key:rotate")]
        for method, path, body, ability in cases:
            answer = api(method, path, body, token="tok-reader")
            self.assertEqual((answer.status, answer.json.get("required_ability")), (403, ability), path)


class SecretsTest(Case):
    def test_the_three_level_reads_return_blobs_that_open_with_the_project_key(self):
        key = key_of("api")
        resolved = resolve({"project": "api", "target": "web", "environment": "production", "merge": "1"}).json
        ids = {lv["level"]: lv["id"] for lv in resolved["data"]["levels"]}
        for path, kind, text in ((f"/{ORG}/api/secrets", "project", "A=project\nSHARED=project\n"),
                                 (f"/{ORG}/api/web/secrets", "target", None),
                                 (f"/{ORG}/api/web/production/secrets", "environment", "SHARED=environment\nE=1\n")):
            data = api("GET", path).json["data"]
            self.assertEqual((data["level"], data["id"]), (kind, ids[kind]))
            if text is None:
                self.assertEqual(data, {"level": "target", "id": ids["target"], "version": None,
                                        "key_version": None, "blob": None, "updated_at": None})
            else:
                self.assertEqual(reference_open(key, ORG, data["id"], data["blob"]), text)

    def test_resolve_with_merge_and_key_has_the_documented_shape(self):
        data = resolve({"project": "api", "target": "web", "environment": "production", "merge": "1",
                        "include": "key"}).json["data"]
        self.assertEqual(list(data), ["organization", "project", "target", "environment", "levels", "key"])
        self.assertEqual(data["organization"], {"id": ORG})
        self.assertEqual(set(data["project"]), {"id", "slug", "encryption"})
        self.assertEqual(data["target"]["slug"], "web")
        self.assertEqual(set(data["environment"]), {"id", "slug"})
        self.assertEqual([lv["level"] for lv in data["levels"]], ["project", "target", "environment"])
        for entry in data["levels"]:
            self.assertEqual(list(entry), ["level", "id", "version", "key_version", "blob", "updated_at"])
        self.assertIsNone(data["levels"][1]["blob"])
        self.assertEqual(data["levels"][2]["key_version"], 1)
        self.assertRegex(data["levels"][2]["updated_at"], r"\A\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\Z")
        self.assertEqual(data["key"]["mode"], "server")
        key = base64.b64decode(data["key"]["key"])
        self.assertEqual(len(key), 32)
        self.assertEqual(reference_open(key, ORG, data["environment"]["id"], data["levels"][2]["blob"]),
                         "SHARED=environment\nE=1\n")

    def test_resolve_without_merge_returns_only_the_deepest_level(self):
        data = resolve({"project": "api", "target": "worker"}).json["data"]
        self.assertEqual([lv["level"] for lv in data["levels"]], ["target"])
        self.assertIsNone(data["environment"])
        self.assertNotIn("key", data)
        project_only = resolve({"project": "api", "merge": "1"}).json["data"]
        self.assertEqual((project_only["target"], len(project_only["levels"])), (None, 1))

    def test_resolve_for_a_client_managed_project_gives_the_key_proof(self):
        data = resolve({"project": "billing", "target": "web", "environment": "production", "merge": "1",
                        "include": "key"}).json["data"]
        key = data["key"]
        self.assertEqual((key["mode"], key["version"], key["key_proof"]["algorithm"]), ("client", 1, "pbkdf2-sha256"))
        salt = base64.b64decode(key["key_proof"]["salt"])
        self.assertEqual(key["key_proof"]["proof"], reference_proof(CLIENT_KEY, salt, key["key_proof"]["iterations"]))
        self.assertEqual([reference_open(CLIENT_KEY, ORG, lv["id"], lv["blob"]) for lv in data["levels"]
                          if lv["blob"]], ["B=1\n", "B=2\n"])

    def test_resolve_validates_its_query_and_names_what_is_missing(self):
        self.assertEqual(resolve({"project": "api", "environment": "production"}).json["errors"],
                         {"environment": ["The environment needs a target."]})
        self.assertEqual(resolve({}).json["errors"], {"project": ["The project field is required."]})
        self.assertError(resolve({"project": "api", "target": "nope"}), 404,
                         {"message": "Target nope not found.", "error": "not_found"})
        self.assertError(resolve({"project": "api", "target": "web", "environment": "nope"}), 404,
                         {"message": "Environment nope not found.", "error": "not_found"})

    def test_a_blob_bound_to_one_level_does_not_open_at_another(self):
        key = key_of("api")
        data = resolve({"project": "api", "target": "web", "environment": "production", "merge": "1"}).json["data"]
        project_blob = data["levels"][0]["blob"]
        with self.assertRaises(Exception):
            reference_open(key, ORG, data["environment"]["id"], project_blob)
        with self.assertRaises(Exception):
            reference_open(key, ORG_B, data["project"]["id"], project_blob)


class WriteTest(Case):
    def put(self, text, project="mut", token="tok-full", **more):
        key = key_of(project) if project != "billing" else CLIENT_KEY
        chain = resolve({"project": project, "target": "web", "environment": "production", "merge": "1"}).json["data"]
        body = {"project": project, "target": "web", "environment": "production", "key_version": 1,
                "blob": reference_seal(key, 1, ORG, chain["environment"]["id"], text)}
        body.update(more)
        return api("PUT", f"/{ORG}/secrets", body, token=token), chain

    def test_upsert_saves_a_backup_and_honours_base_version(self):
        before = api("GET", f"/{ORG}/mut/web/production/secrets").json["data"]
        answer, chain = self.put("M=2\n", base_version=before["version"])
        self.assertEqual(answer.status, 200, answer.body)
        self.assertEqual(answer.json["data"]["version"], before["version"] + 1)
        versions = api("GET", f"/{ORG}/secrets/versions?project=mut&target=web&environment=production").json["data"]
        self.assertEqual(versions[0]["version"], before["version"])
        stale, _ = self.put("M=3\n", base_version=before["version"])
        self.assertError(stale, 409, {"message": f"The level is at version {before['version'] + 1}, "
                                                 f"not {before['version']}.", "error": "version_conflict"})
        current = api("GET", f"/{ORG}/mut/web/production/secrets").json["data"]
        self.assertEqual(reference_open(key_of("mut"), ORG, current["id"], current["blob"]), "M=2\n")

    def test_upsert_rejects_malformed_blobs_and_stale_key_versions(self):
        answer = api("PUT", f"/{ORG}/secrets", {"project": "mut", "blob": "dcv2:1:AAAA", "key_version": 1})
        self.assertEqual(answer.json["errors"], {"blob": [
            "The blob must be dcv1:<key_version>:<base64 of nonce and ciphertext>, padded to 256 bytes."]})
        good, _ = self.put("M=9\n")
        for suffix in ("\n", "\r\n", " "):
            with self.subTest(suffix=suffix):
                body = {"project": "mut", "key_version": 1, "blob": api("GET", f"/{ORG}/mut/secrets").json["data"]["blob"] + suffix}
                self.assertEqual(api("PUT", f"/{ORG}/secrets", body).status, 422)
        short = "dcv1:1:" + base64.b64encode(os.urandom(24 + 100 + 16)).decode()
        self.assertEqual(api("PUT", f"/{ORG}/secrets", {"project": "mut", "blob": short, "key_version": 1}).status, 422)
        answer, _ = self.put("M=9\n", key_version=2)
        self.assertEqual(answer.json["errors"], {
            "blob": ["The blob's key version differs from key_version."],
            "key_version": ["The key_version must be the current key version (1)."]})
        self.assertEqual(api("PUT", f"/{ORG}/secrets", {"project": "mut", "key_version": 1}).json["errors"],
                         {"blob": ["The blob field is required."]})

    def test_a_blob_over_one_mebibyte_is_413(self):
        big = "dcv1:1:" + "A" * (1024 * 1024)
        self.assertError(api("PUT", f"/{ORG}/secrets", {"project": "mut", "blob": big, "key_version": 1}), 413,
                         {"message": "The blob is larger than 1 MiB.", "error": "payload_too_large"})

    def test_client_managed_writes_need_the_matching_key_proof(self):
        missing, _ = self.put("B=3\n", project="billing")
        self.assertEqual(missing.json["errors"], {"key_proof": ["A client-managed project needs key_proof."]})
        wrong, _ = self.put("B=3\n", project="billing", key_proof=base64.b64encode(bytes(32)).decode())
        self.assertError(wrong, 409, {"message": "The key proof does not match project billing.",
                                      "error": "key_proof_mismatch"})
        proof = api("GET", f"/{ORG}/billing/key").json["data"]["key_proof"]["proof"]
        right, chain = self.put("B=3\n", project="billing", key_proof=proof)
        self.assertEqual(right.status, 200, right.body)
        blob = api("GET", f"/{ORG}/billing/web/production/secrets").json["data"]["blob"]
        self.assertEqual(reference_open(CLIENT_KEY, ORG, chain["environment"]["id"], blob), "B=3\n")

    def test_clear_empties_the_level_after_a_backup(self):
        self.assertEqual(self.put("M=clear-me\n")[0].status, 200)
        self.assertEqual(api("DELETE", f"/{ORG}/secrets", {"project": "mut", "target": "web",
                                                            "environment": "production"}).status, 204)
        self.assertIsNone(api("GET", f"/{ORG}/mut/web/production/secrets").json["data"]["blob"])
        newest = api("GET", f"/{ORG}/secrets/versions", {"project": "mut", "target": "web",
                                                          "environment": "production"}).json["data"][0]
        blob = api("GET", f"/{ORG}/secrets/versions/{newest['id']}").json["data"]["blob"]
        self.assertEqual(reference_open(key_of("mut"), ORG, newest["level_id"], blob), "M=clear-me\n")
        self.assertEqual(self.put("M=1\n", base_version=0)[0].status, 200)


class VersionsTest(Case):
    def test_versions_life_cycle(self):
        where = {"project": "mut"}
        key = key_of("mut")
        project_id = api("GET", f"/{ORG}/mut").json["data"]["id"]
        for text in ("M=a\n", "M=b\n"):
            body = {"project": "mut", "key_version": 1, "blob": reference_seal(key, 1, ORG, project_id, text)}
            self.assertEqual(api("PUT", f"/{ORG}/secrets", body).status, 200)
        listed = api("GET", f"/{ORG}/secrets/versions?project=mut").json
        versions = listed["data"]
        self.assertEqual([v["version"] for v in versions], [2, 1])
        self.assertNotIn("blob", versions[0])
        shown = api("GET", f"/{ORG}/secrets/versions/{versions[0]['id']}").json["data"]
        self.assertEqual(reference_open(key, ORG, project_id, shown["blob"]), "M=a\n")
        restored = api("POST", f"/{ORG}/secrets/versions/{versions[1]['id']}/restore")
        self.assertEqual(restored.json["data"]["version"], 4)
        current = api("GET", f"/{ORG}/mut/secrets").json["data"]
        self.assertEqual(reference_open(key, ORG, project_id, current["blob"]), "M=0\n")
        self.assertEqual([v["version"] for v in api("GET", f"/{ORG}/secrets/versions", where).json["data"]], [3, 2, 1])
        self.assertEqual(api("DELETE", f"/{ORG}/secrets/versions/{versions[0]['id']}").status, 204)
        self.assertError(api("GET", f"/{ORG}/secrets/versions/{versions[0]['id']}"), 404,
                         {"message": "Version not found.", "error": "not_found"})
        self.assertEqual(api("DELETE", f"/{ORG}/secrets/versions", where).status, 204)
        self.assertEqual(api("GET", f"/{ORG}/secrets/versions", where).json["data"], [])

    def test_versions_need_secret_read_and_write(self):
        listed = api("GET", f"/{ORG}/secrets/versions?project=api&target=web&environment=production",
                     token="tok-reader")
        self.assertEqual(listed.status, 200)
        self.assertEqual(api("DELETE", f"/{ORG}/secrets/versions", {"project": "api"},
                             token="tok-reader").json["required_ability"], "secret:write")


class KeysTest(Case):
    def test_key_and_history_of_a_server_managed_project(self):
        data = api("GET", f"/{ORG}/api/key").json["data"]
        self.assertEqual((data["mode"], data["version"]), ("server", 1))
        history = api("GET", f"/{ORG}/api/key/history").json["data"]
        self.assertEqual([(h["version"], h["key"]) for h in history], [(1, data["key"])])

    def test_rotation_re_encrypts_current_blobs_and_keeps_old_keys_in_history(self):
        old_key = key_of("rot")
        query = {"project": "rot", "target": "web", "environment": "production", "merge": "1"}
        before = resolve(query).json["data"]["levels"]
        rotated = api("POST", f"/{ORG}/rot/key/rotate")
        self.assertEqual(rotated.status, 200, rotated.body)
        self.assertEqual(rotated.json["data"]["version"], 2)
        self.assertEqual(rotated.json["data"]["reencrypted_levels"], 3)
        new_key = key_of("rot")
        after = resolve(query).json["data"]["levels"]
        for old, new in zip(before, after):
            self.assertTrue(new["blob"].startswith("dcv1:2:"))
            self.assertEqual((new["key_version"], new["version"]), (2, old["version"]))
            self.assertEqual(reference_open(new_key, ORG, new["id"], new["blob"]),
                             reference_open(old_key, ORG, old["id"], old["blob"]))
        history = api("GET", f"/{ORG}/rot/key/history").json["data"]
        self.assertEqual([h["version"] for h in history], [2, 1])
        self.assertIsNotNone(history[1]["retired_at"])
        self.assertEqual(base64.b64decode(history[1]["key"]), old_key)
        self.assertEqual(api("POST", f"/{ORG}/billing/key/rotate").json,
                         {"message": "Project billing is client-managed; use key/reencrypt.", "error": "conflict"})

    def test_a_blob_that_does_not_open_is_a_conflict_for_rotation_and_restore(self):
        # Blobs are checked for form only, so a test can store one that does not open; the server cannot
        # re-seal it, and says so (it was a 500, after re-sealing the levels above it with the new key).
        level = {"project": "mut", "target": "web", "environment": "production"}
        before = api("GET", f"/{ORG}/mut/secrets").json["data"]
        env_id = api("GET", f"/{ORG}/mut/web/production").json["data"]["id"]
        key = key_of("mut")
        garbage = "dcv1:1:" + base64.b64encode(os.urandom(24 + 256 + 16)).decode()
        self.assertEqual(api("PUT", f"/{ORG}/secrets", dict(level, blob=garbage, key_version=1)).status, 200)
        self.assertError(api("POST", f"/{ORG}/mut/key/rotate"), 409, {
            "message": "The environment production holds a blob that does not open with key version 1; "
                       "nothing was rotated.", "error": "conflict"})
        self.assertEqual(api("GET", f"/{ORG}/mut/secrets").json["data"], before)  # not re-sealed
        self.assertEqual(api("GET", f"/{ORG}/mut/key").json["data"]["version"], 1)
        good = reference_seal(key, 1, ORG, env_id, "M=good\n")
        self.assertEqual(api("PUT", f"/{ORG}/secrets", dict(level, blob=good, key_version=1)).status, 200)
        self.assertEqual(api("POST", f"/{ORG}/mut/key/rotate").status, 200)
        backup = api("GET", f"/{ORG}/secrets/versions", level).json["data"][0]
        self.assertEqual(api("GET", f"/{ORG}/secrets/versions/{backup['id']}").json["data"]["blob"], garbage)
        current = api("GET", f"/{ORG}/mut/web/production/secrets").json["data"]
        self.assertError(api("POST", f"/{ORG}/secrets/versions/{backup['id']}/restore"), 409, {
            "message": "The version does not open with key version 1, so it cannot be sealed again with key version 2.",
            "error": "conflict"})
        self.assertEqual(api("GET", f"/{ORG}/mut/web/production/secrets").json["data"], current)

    def test_client_managed_reencryption_is_atomic_and_leaves_retired_versions(self):
        resolved = resolve({"project": "vault", "target": "web", "environment": "production", "merge": "1",
                            "include": "key"}).json["data"]
        old_proof = resolved["key"]["key_proof"]["proof"]
        levels = [lv for lv in resolved["levels"] if lv["blob"]]
        salt = os.urandom(16)
        new_proof = {"algorithm": "pbkdf2-sha256", "iterations": ITERATIONS, "salt": base64.b64encode(salt).decode(),
                     "proof": reference_proof(NEW_CLIENT_KEY, salt, ITERATIONS)}
        items = [{"id": lv["id"], "base_version": lv["version"],
                  "blob": reference_seal(NEW_CLIENT_KEY, 2, ORG, lv["id"],
                                         reference_open(CLIENT_KEY, ORG, lv["id"], lv["blob"]))} for lv in levels]
        body = {"key_version": 2, "key_proof": old_proof, "new_key_proof": new_proof, "levels": items[:1]}
        partial = api("POST", f"/{ORG}/vault/key/reencrypt", body)
        self.assertEqual(partial.json["errors"], {"levels": ["Every level with a blob must be re-encrypted; 1 missing."]})
        wrong = api("POST", f"/{ORG}/vault/key/reencrypt", dict(body, levels=items, key_proof=new_proof["proof"]))
        self.assertEqual(wrong.json["error"], "key_proof_mismatch")
        self.assertEqual(api("GET", f"/{ORG}/vault/key").json["data"]["version"], 1)
        done = api("POST", f"/{ORG}/vault/key/reencrypt", dict(body, levels=items))
        self.assertEqual(done.status, 200, done.body)
        self.assertEqual(done.json["data"], {"mode": "client", "version": 2, "key_proof": new_proof})
        after = resolve({"project": "vault", "target": "web", "environment": "production", "merge": "1"}).json
        texts = [reference_open(NEW_CLIENT_KEY, ORG, lv["id"], lv["blob"]) for lv in after["data"]["levels"] if lv["blob"]]
        self.assertEqual(texts, ["V=project\n", "V=env\n"])
        retired = api("GET", f"/{ORG}/vault/key/retired-versions").json["data"]
        self.assertEqual(len(retired), 1)
        old = retired[0]
        self.assertEqual((old["key_version"], reference_open(CLIENT_KEY, ORG, old["level_id"], old["blob"])),
                         (1, "V=older\n"))
        self.assertEqual(api("POST", f"/{ORG}/secrets/versions/{old['id']}/restore").json["error"], "conflict")
        fixed = reference_seal(NEW_CLIENT_KEY, 2, ORG, old["level_id"], "V=older\n")
        item = {"id": old["id"], "blob": fixed, "key_version": 2}
        twice = api("POST", f"/{ORG}/vault/key/retired-versions",
                    {"versions": [item] * 2, "key_proof": new_proof["proof"]})
        self.assertEqual(twice.json["errors"], {"versions.1.id": ["The version is listed twice."]})
        unproven = api("POST", f"/{ORG}/vault/key/retired-versions", {"versions": [item]})
        self.assertEqual(unproven.json["errors"], {"key_proof": ["The key_proof of the current key is required."]})
        stale = api("POST", f"/{ORG}/vault/key/retired-versions", {"versions": [item], "key_proof": old_proof})
        self.assertEqual((stale.status, stale.json["error"]), (409, "key_proof_mismatch"))
        self.assertEqual(api("GET", f"/{ORG}/vault/key/retired-versions").json["data"], retired)
        misnumbered = api("POST", f"/{ORG}/vault/key/retired-versions",
                          {"versions": [dict(item, key_version=1)], "key_proof": new_proof["proof"]})
        self.assertEqual(misnumbered.json["errors"], {
            "versions.0.blob": ["The blob's key version differs from key_version."],
            "versions.0.key_version": ["The key_version must be the current key version (2)."]})
        posted = api("POST", f"/{ORG}/vault/key/retired-versions", {"versions": [item], "key_proof": new_proof["proof"]})
        self.assertEqual(posted.json, {"data": {"updated": 1}})
        self.assertEqual(api("GET", f"/{ORG}/vault/key/retired-versions").json["data"], [])
        self.assertEqual(api("POST", f"/{ORG}/secrets/versions/{old['id']}/restore").status, 200)
        self.assertEqual(len(api("GET", f"/{ORG}/vault/key/history").json["data"]), 2)

    def test_reencrypt_needs_key_rotate_and_is_client_managed_only(self):
        self.assertEqual(api("POST", f"/{ORG}/api/key/reencrypt", {}).json,
                         {"message": "Project api is server-managed; use key/rotate.", "error": "conflict"})
        self.assertEqual(api("POST", f"/{ORG}/vault/key/reencrypt", {}, token="tok-reader").json["required_ability"],
                         "key:rotate")


def pkce_pair():
    verifier = base64.urlsafe_b64encode(os.urandom(40)).rstrip(b"=").decode()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


class OAuthTest(Case):
    REDIRECT = "http://127.0.0.1:53682/callback"

    def authorize(self, challenge, **more):
        query = {"response_type": "code", "client_id": "cli", "redirect_uri": self.REDIRECT,
                 "code_challenge": challenge, "code_challenge_method": "S256", "state": "st4te"}
        query.update(more)
        answer = server.request("GET", "/oauth/authorize?" + urllib.parse.urlencode(query))
        self.assertEqual(answer.status, 302, answer.body)
        location = urllib.parse.urlsplit(answer.header("Location"))
        self.assertEqual(f"{location.scheme}://{location.netloc}{location.path}", self.REDIRECT)
        return dict(urllib.parse.parse_qsl(location.query))

    def token(self, body):
        return server.request("POST", "/api/oauth/token", body=body)

    def test_authorization_code_with_pkce_then_refresh(self):
        verifier, challenge = pkce_pair()
        params = self.authorize(challenge)
        self.assertEqual(params["state"], "st4te")
        answer = self.token({"grant_type": "authorization_code", "code": params["code"], "client_id": "cli",
                             "code_verifier": verifier, "redirect_uri": self.REDIRECT})
        self.assertEqual(answer.status, 200, answer.body)
        tokens = answer.json
        self.assertEqual(set(tokens), {"access_token", "token_type", "expires_in", "refresh_token"})
        self.assertEqual((tokens["token_type"], tokens["expires_in"]), ("Bearer", 3600))
        self.assertEqual(api("GET", "/me", token=tokens["access_token"]).json["data"]["email"], "alice@example.com")
        reused = self.token({"grant_type": "authorization_code", "code": params["code"], "client_id": "cli",
                             "code_verifier": verifier, "redirect_uri": self.REDIRECT})
        self.assertEqual(reused.status, 401)
        refreshed = self.token({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
                                "client_id": "cli"})
        self.assertEqual(refreshed.status, 200, refreshed.body)
        self.assertNotEqual(refreshed.json["access_token"], tokens["access_token"])
        self.assertEqual(api("GET", "/me", token=refreshed.json["access_token"]).status, 200)
        again = self.token({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "client_id": "cli"})
        self.assertEqual(again.json, {"error": "invalid_request",
                                      "error_description": "The refresh token is invalid, used or expired."})

    def test_a_wrong_verifier_fails(self):
        verifier, challenge = pkce_pair()
        params = self.authorize(challenge)
        other, _ = pkce_pair()
        answer = self.token({"grant_type": "authorization_code", "code": params["code"], "client_id": "cli",
                             "code_verifier": other, "redirect_uri": self.REDIRECT})
        self.assertError(answer, 401, {"error": "invalid_request",
                                       "error_description": "The code_verifier does not match the code_challenge."})

    def test_a_verifier_or_challenge_with_a_trailing_newline_is_malformed(self):
        verifier, challenge = pkce_pair()
        params = self.authorize(challenge)
        exchange = {"grant_type": "authorization_code", "code": params["code"], "client_id": "cli",
                    "redirect_uri": self.REDIRECT}
        self.assertError(self.token(dict(exchange, code_verifier=verifier + "\n")), 400, {
            "error": "invalid_request", "error_description": "The code_verifier must be 43 to 128 unreserved characters."})
        self.assertEqual(self.token(dict(exchange, code_verifier=verifier)).status, 200)  # a 400 does not spend the code
        refused = self.authorize(challenge + "\n")
        self.assertEqual((refused["error"], refused["error_description"]),
                         ("invalid_request", "A code_challenge with code_challenge_method S256 is required."))

    def test_bad_requests_to_the_token_endpoint(self):
        self.assertError(self.token({"grant_type": "password"}), 400, {
            "error": "invalid_request", "error_description": "The grant_type must be authorization_code or refresh_token."})
        self.assertEqual(self.token({"grant_type": "authorization_code"}).json["error_description"],
                         "Missing code, client_id, code_verifier, redirect_uri.")

    def test_authorize_refuses_a_malformed_redirect_uri_with_400(self):
        for uri in ("http://[::1", "http://127.0.0.1:99999/cb", "http://127.0.0.1:x/cb", "http://127.0.0.1/cb#frag",
                    "http://127.0.0.1/cb#", "http://127.0.0.1/cb\r\nSet-Cookie: injected=1", "http://127.0.0.1/c b",
                    "http://127.0.0.1/caf\u00e9", "http://localhost.evil.example/cb", ""):
            with self.subTest(uri=uri):
                _, challenge = pkce_pair()
                answer = server.request("GET", "/oauth/authorize?" + urllib.parse.urlencode(
                    {"response_type": "code", "client_id": "cli", "redirect_uri": uri, "code_challenge": challenge,
                     "code_challenge_method": "S256"}))
                self.assertError(answer, 400, {"error": "invalid_request", "error_description":
                                               "The redirect_uri must be an http:// loopback address."})
                self.assertIsNone(answer.header("Set-Cookie"))
        _, challenge = pkce_pair()
        answer = server.request("GET", "/oauth/authorize?" + urllib.parse.urlencode(
            {"response_type": "code", "client_id": "cli", "redirect_uri": "http://[::1]:5000/cb?x=1",
             "code_challenge": challenge, "code_challenge_method": "S256"}))
        self.assertEqual(answer.status, 302)
        self.assertTrue(answer.header("Location").startswith("http://[::1]:5000/cb?x=1&code="))

    def test_authorize_refuses_a_non_loopback_redirect_and_plain_challenges(self):
        answer = server.request("GET", "/oauth/authorize?" + urllib.parse.urlencode(
            {"response_type": "code", "client_id": "cli", "redirect_uri": "https://evil.example/cb"}))
        self.assertEqual(answer.status, 400)
        params = self.authorize("x" * 43, code_challenge_method="plain")
        self.assertEqual((params["error"], params["state"]), ("invalid_request", "st4te"))


class TelemetryTest(Case):
    def test_telemetry_needs_no_token(self):
        answer = api("POST", "/telemetry", {"event": "x"}, token=None)
        self.assertEqual(answer.status, 204)
        self.assertEqual(answer.header("X-RateLimit-Limit"), "60")


class RateLimitTest(Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.small = ServerProcess(SEED, "--rate-limit", "3", "--rate-window", "1.5", "--telemetry-rate-limit", "2",
                                  "--oauth-rate-limit", "1")

    @classmethod
    def tearDownClass(cls):
        cls.small.stop()
        super().tearDownClass()

    def test_limits_per_organization_then_429_with_retry_after(self):
        path = f"{V1}/{ORG}/projects"
        remaining = [self.small.request("GET", path, token="tok-full").header("X-RateLimit-Remaining")
                     for _ in range(3)]
        self.assertEqual(remaining, ["2", "1", "0"])
        refused = self.small.request("GET", path, token="tok-reader")
        self.assertError(refused, 429, {"message": "Too many requests.", "error": "rate_limited"})
        self.assertIn(refused.header("Retry-After"), ("1", "2"))
        self.assertEqual((refused.header("X-RateLimit-Limit"), refused.header("X-RateLimit-Remaining")), ("3", "0"))
        self.assertRegex(refused.header("X-Request-Id"), r"\A[0-9a-f]{16}\Z")
        self.assertEqual(self.small.request("GET", f"{V1}/{ORG_B}/projects", token="tok-b").status, 200)
        time.sleep(int(refused.header("Retry-After")) + 0.1)
        self.assertEqual(self.small.request("GET", path, token="tok-full").status, 200)

    def test_unauthenticated_requests_count_per_ip_and_telemetry_separately(self):
        statuses = [self.small.request("GET", f"{V1}/me").status for _ in range(4)]
        self.assertEqual(statuses, [401, 401, 401, 429])
        telemetry = [self.small.request("POST", f"{V1}/telemetry", body={}).status for _ in range(3)]
        self.assertEqual(telemetry, [204, 204, 429])
        oauth = [self.small.request("POST", "/api/oauth/token", body={}).status for _ in range(2)]
        self.assertEqual(oauth, [400, 429])

    def test_the_control_endpoint_is_absent_without_the_flag(self):
        self.assertEqual(self.small.request("GET", "/__control/log").status, 404)


class MalformedInputTest(Case):
    """Input of the wrong JSON type is a 422 (or the OAuth 400), never a 500."""

    def test_ids_and_slugs_of_the_wrong_json_type_are_validation_errors(self):
        level_id = api("GET", f"/{ORG}/vault").json["data"]["id"]
        for wrong in (5, 1.5, True, ["api"], {"id": "api"}):
            cases = [("POST", f"/{ORG}/projects", {"slug": wrong}, "slug"),
                     ("PATCH", f"/{ORG}/crud", {"slug": wrong}, "slug"),
                     ("PATCH", f"/{ORG}/crud", {"name": wrong}, "name"),
                     ("POST", "/organizations", {"name": wrong}, "name"),
                     ("PUT", f"/{ORG}/secrets", {"project": wrong, "blob": "x", "key_version": 1}, "project"),
                     ("PUT", f"/{ORG}/secrets", {"project": "mut", "target": wrong, "blob": "x", "key_version": 1},
                      "target"),
                     ("DELETE", f"/{ORG}/secrets", {"project": "mut", "target": "web", "environment": wrong},
                      "environment"),
                     ("GET", f"/{ORG}/secrets/versions", {"project": wrong}, "project"),
                     ("POST", f"/{ORG}/vault/key/reencrypt", {"key_version": 2, "levels": [{"id": wrong}]},
                      "levels.0.id"),
                     ("POST", f"/{ORG}/vault/key/reencrypt",
                      {"key_version": 2, "levels": [{"id": level_id, "base_version": wrong}]}, "levels.0.base_version"),
                     ("POST", f"/{ORG}/vault/key/retired-versions", {"versions": [{"id": wrong}]}, "versions.0.id"),
                     ("POST", f"/{ORG}/vault/key/retired-versions", {"versions": [{"id": "x"}], "key_proof": wrong},
                      "key_proof")]
            for method, path, body, field in cases:
                if field.endswith("base_version") and type(wrong) is int:
                    continue  # 5 is a base_version; true is not
                with self.subTest(wrong=wrong, path=path, field=field):
                    answer = api(method, path, body, token="tok-alice" if path == "/organizations" else "tok-full")
                    self.assertEqual((answer.status, answer.json["error"]), (422, "validation_failed"), answer.body)
                    self.assertIn(field, answer.json["errors"])

    def test_a_handler_bug_is_a_500_in_the_error_shape_with_the_usual_headers(self):
        # In this process: no request can make the real handlers fail (that is the point of this file).
        def broken(ctx):
            raise KeyError("a bug")

        app = cloud_routes.App(cloud_seed.load_seed(SEED), dotenv_cloud_server.Config(dotenv_cloud_server.parse_args([])),
                               cloud_ratelimit.RateLimiter())
        headers = email.message.Message()
        headers["Authorization"] = "Bearer tok-full"
        routes = [(m, p, broken if p == ["me"] else h, a) for m, p, h, a in cloud_routes.ROUTES]
        with unittest.mock.patch.object(cloud_routes, "ROUTES", routes), \
                contextlib.redirect_stderr(io.StringIO()) as stderr:
            answer = app.handle(cloud_http.Request("GET", "/api/v1/me", {}, headers, "127.0.0.1"))
        self.assertEqual((answer.status, answer.json()), (500, {"message": "Internal server error.", "error": "internal"}))
        self.assertEqual((answer.headers["X-RateLimit-Limit"], answer.headers["X-RateLimit-Remaining"]), ("100", "99"))
        self.assertRegex(answer.headers["X-Request-Id"], r"\A[0-9a-f]{16}\Z")
        self.assertIn("KeyError: 'a bug'", stderr.getvalue())

    def test_oauth_fields_of_the_wrong_json_type_are_400(self):
        for body, description in (({"grant_type": "refresh_token", "refresh_token": ["x"], "client_id": "cli"},
                                   "The refresh_token must be a string."),
                                  ({"grant_type": "authorization_code", "code": 5, "client_id": {}, "code_verifier": "v",
                                    "redirect_uri": "x"}, "The code, client_id must be strings."),
                                  ({"grant_type": "refresh_token", "refresh_token": "x", "client_id": "cli",
                                    "nested": [[[[[[]]]]]] * 2}, "The refresh token is invalid, used or expired.")):
            answer = server.request("POST", "/api/oauth/token", body=body)
            self.assertEqual(answer.json, {"error": "invalid_request", "error_description": description})
        deep = server.request("POST", "/api/oauth/token", raw=b"[" * 100000, headers={"Content-Type": "application/json"})
        self.assertEqual((deep.status, deep.json["error"]), (400, "invalid_request"))


class FramingTest(Case):
    """Request framing (RFC 9112 section 6) and size: 400, 413 or 501 in the error shape, answered at once,
    with the rate-limit headers and X-Request-Id, and nothing on the server's stderr."""

    PATH = f"{V1}/{ORG}/crud/targets"

    def head(self, *more, token="tok-full", method="POST", path=None, accept="application/json"):
        lines = [f"{method} {path or self.PATH} HTTP/1.1", "Host: 127.0.0.1", f"Accept: {accept}",
                 "Content-Type: application/json", *more]
        if token:
            lines.append(f"Authorization: Bearer {token}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def assertRefused(self, answer, status, error, elapsed=0):
        self.assertEqual((answer.status, answer.json["error"]), (status, error), answer.body)
        self.assertEqual(set(answer.json), {"message", "error"})
        self.assertEqual(answer.header("Connection"), "close")
        self.assertEqual(answer.header("X-RateLimit-Limit"), "100000")
        self.assertRegex(answer.header("X-Request-Id"), r"\A[0-9a-f]{16}\Z")
        self.assertLess(elapsed, 5)  # the server does not wait for a body it will not read

    def test_a_huge_body_is_refused_from_its_content_length_after_the_token_check(self):
        claim = "Content-Length: 300000000"
        answer, elapsed = server.raw_request(self.head(claim) + b'{"slug":')
        self.assertRefused(answer, 413, "payload_too_large", elapsed)
        self.assertEqual(answer.json["message"], "The request body is too large.")
        for token, error in ((None, "unauthenticated"), ("nope", "unauthenticated"), ("tok-expired", "token_expired")):
            answer, elapsed = server.raw_request(self.head(claim, token=token) + b'{"slug":')
            self.assertRefused(answer, 401, error, elapsed)
        answer, elapsed = server.raw_request(self.head(claim, accept="text/html") + b"{")
        self.assertRefused(answer, 406, "not_acceptable", elapsed)

    def test_100_continue_is_sent_only_when_the_body_is_wanted(self):
        with server.tls_socket() as tls:
            tls.sendall(self.head("Content-Length: 300000000", "Expect: 100-continue"))
            answer = read_answer(tls)
            self.assertEqual((answer.status, answer.json["error"]), (413, "payload_too_large"))
        body = b'{"slug": "continued"}'
        with server.tls_socket() as tls:
            tls.sendall(self.head(f"Content-Length: {len(body)}", "Expect: 100-continue"))
            self.assertEqual(tls.recv(64).split(b"\r\n")[0], b"HTTP/1.1 100 Continue")
            tls.sendall(body)
            self.assertEqual(read_answer(tls).status, 201)

    def test_a_malformed_content_length_is_400(self):
        for lengths in (["abc"], ["-5"], ["+5"], ["0x10"], ["1_0"], ["5 5"], ["5, 5"], ["\xef\xbc\x95"], ["5", "6"],
                        ["5", "5"], [""]):
            with self.subTest(lengths=lengths):
                head = self.head(*[f"Content-Length: {value}" for value in lengths])
                answer, elapsed = server.raw_request(head + b"{}   ")
                self.assertRefused(answer, 400, "bad_request", elapsed)

    def test_a_malformed_chunked_body_is_400_and_a_huge_one_413(self):
        chunked = "Transfer-Encoding: chunked"
        cases = [([chunked], b"zz\r\n{}\r\n0\r\n\r\n", 400, "bad_request"),
                 ([chunked], b"-2\r\n{}\r\n0\r\n\r\n", 400, "bad_request"),
                 ([chunked], b"0x2\r\n{}\r\n0\r\n\r\n", 400, "bad_request"),
                 ([chunked], b"\r\n{}\r\n0\r\n\r\n", 400, "bad_request"),
                 ([chunked], b"2\n{}\r\n0\r\n\r\n", 400, "bad_request"),
                 ([chunked], b"2\r\n{}XX0\r\n\r\n", 400, "bad_request"),
                 ([chunked], b"0" * 5000 + b"2\r\n{}\r\n0\r\n\r\n", 400, "bad_request"),
                 ([chunked], b"2\r\n{}\r\n0\r\n" + b"X-Trailer: 1\r\n" * 100 + b"\r\n", 400, "bad_request"),
                 ([chunked], b"800001\r\n{}", 413, "payload_too_large"),
                 ([chunked], b"F" * 40 + b"\r\n{}", 413, "payload_too_large"),
                 ([chunked, "Content-Length: 7"], b"2\r\n{}\r\n0\r\n\r\n", 400, "bad_request"),
                 (["Transfer-Encoding: chunked, chunked"], b"2\r\n{}\r\n0\r\n\r\n", 400, "bad_request"),
                 (["Transfer-Encoding: chunked, gzip"], b"{}", 400, "bad_request"),
                 (["Transfer-Encoding: gzip, chunked"], b"2\r\n{}\r\n0\r\n\r\n", 501, "not_implemented")]
        for head, body, status, error in cases:
            with self.subTest(head=head, body=body[:20]):
                answer, elapsed = server.raw_request(self.head(*head) + body)
                self.assertRefused(answer, status, error, elapsed)

    def test_a_chunked_body_with_extensions_and_trailers_is_read(self):
        body = b'{"slug": "chunky"}'
        data = b"5;name=value\r\n" + body[:5] + b"\r\n" + b"%X\r\n" % len(body[5:]) + body[5:] + b"\r\n0\r\nX-T: 1\r\n\r\n"
        with server.tls_socket() as tls:
            tls.sendall(self.head("Transfer-Encoding: chunked") + data)
            answer = read_answer(tls)
            self.assertEqual((answer.status, answer.json["data"]["slug"], answer.header("Connection")),
                             (201, "chunky", None))
            tls.sendall(self.head(method="GET", path=f"{V1}/{ORG}/crud/chunky"))  # the same connection goes on
            self.assertEqual(read_answer(tls).status, 200)

    def test_a_client_that_stops_sending_its_body_gets_no_answer_and_no_traceback(self):
        with server.tls_socket() as tls:
            tls.sendall(self.head("Content-Length: 100") + b'{"slug"')
            tls.shutdown(socket.SHUT_WR)  # a TCP FIN without close_notify: the client is gone
            while tls.recv(4096):  # TLS records (session tickets) until the server closes
                pass
        self.assertEqual([(e["path"], e["status"]) for e in server.log()["data"]][-1:], [(self.PATH, None)])

    def test_requests_the_http_parser_refuses_get_the_error_shape(self):
        cases = [(b"GARBAGE\r\n\r\n", 400, "bad_request", False),
                 (b"GET http://[::1/api/v1/me HTTP/1.1\r\n\r\n", 400, "bad_request", False),
                 (b"GET /api/v1/me\r\n\r\n", 505, "http_version_not_supported", True),
                 (b"GET /api/v1/me HTTP/2.0\r\n\r\n", 505, "http_version_not_supported", False),  # no path yet
                 (b"GET /api/v1/me HTTP/1.1\r\nX-Long: " + b"a" * 70000 + b"\r\n\r\n", 431,
                  "request_header_fields_too_large", True),
                 (b"GET /api/v1/me HTTP/1.1\r\n" + b"X-Many: 1\r\n" * 101 + b"\r\n", 431,
                  "request_header_fields_too_large", True),
                 (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", 414, "uri_too_long", False)]
        for data, status, error, rate_limited in cases:
            with self.subTest(data=data[:30]):
                answer, _ = server.raw_request(data)
                self.assertEqual((answer.status, answer.json["error"], answer.header("Connection")),
                                 (status, error, "close"))
                self.assertRegex(answer.header("X-Request-Id"), r"\A[0-9a-f]{16}\Z")
                self.assertEqual(answer.header("X-RateLimit-Limit"), "100000" if rate_limited else None)

    def test_an_absolute_url_as_the_request_target_is_routed_by_its_path(self):
        answer, _ = server.raw_request(b"GET https://127.0.0.1/api/v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        self.assertEqual((answer.status, answer.json["error"], answer.header("X-RateLimit-Limit")),
                         (401, "unauthenticated", "100000"))
        self.assertEqual(server.request("GET", "/elsewhere").json, {"message": "Route not found.", "error": "not_found"})

    def test_any_method_reaches_the_router(self):
        for method in ("OPTIONS", "TRACE", "FOO"):
            answer, _ = server.raw_request(self.head(method=method, path=f"{V1}/me"))
            self.assertEqual((answer.status, answer.header("Allow"), answer.json["error"]),
                             (405, "GET", "method_not_allowed"))
            self.assertEqual(server.raw_request(self.head(method=method, path="/nowhere"))[0].status, 404)


class FaultTest(Case):
    PATH = f"{V1}/{ORG}/secrets/resolve"
    QUERY = "?project=api&target=web&environment=production&merge=1"

    def setUp(self):
        server.control("POST", "reset")

    def get(self, timeout=10):
        return server.request("GET", self.PATH + self.QUERY, token="tok-full", timeout=timeout)

    def test_scripted_statuses_are_consumed_in_order_then_the_real_answer(self):
        server.script(self.PATH, {"status": 500}, {"status": 503, "body": {"message": "busy"}, "times": 2})
        self.assertEqual([self.get().status for _ in range(4)], [500, 503, 503, 200])
        self.assertEqual(server.control("GET", "scripts")["data"], [])

    def test_repeat_answers_forever(self):
        server.script(self.PATH, {"status": 503, "body": "", "repeat": True})
        self.assertEqual([self.get().status for _ in range(3)], [503, 503, 503])
        self.assertEqual(len(server.control("GET", "scripts")["data"]), 1)

    def test_429_with_any_retry_after(self):
        for value in ("3", "Wed, 21 Oct 2015 07:28:00 GMT", "soon-ish"):
            server.script(self.PATH, {"status": 429, "retry_after": value})
            answer = self.get()
            self.assertEqual((answer.status, answer.header("Retry-After")), (429, value))
            self.assertEqual(answer.json, {"message": "Too many requests.", "error": "rate_limited"})

    def test_delay_before_the_real_answer(self):
        server.script(self.PATH, {"action": "pass", "delay": 0.4})
        started = time.monotonic()
        self.assertEqual(self.get().status, 200)
        self.assertGreaterEqual(time.monotonic() - started, 0.4)

    def test_drop_closes_without_an_answer(self):
        server.script(self.PATH, {"action": "drop"})
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError, ssl.SSLError)):
            self.get()

    def test_reset_mid_body(self):
        server.script(self.PATH, {"action": "reset"})
        with self.assertRaises((ConnectionResetError, http.client.IncompleteRead, ssl.SSLError)):
            self.get()

    def test_truncated_body(self):
        server.script(self.PATH, {"action": "truncate", "body": '{"data": {"levels": ['})
        connection = server.connection()
        connection.request("GET", self.PATH, headers={"Authorization": "Bearer tok-full"})
        response = connection.getresponse()
        self.assertEqual(int(response.getheader("Content-Length")), len('{"data": {"levels": [') + 1000)
        with self.assertRaises((http.client.IncompleteRead, ssl.SSLError, ConnectionError)):
            response.read()
        connection.close()

    def test_non_json_body(self):
        server.script(self.PATH, {"action": "non_json"})
        answer = self.get()
        self.assertEqual((answer.status, answer.header("Content-Type")), (200, "application/json"))
        with self.assertRaises(ValueError):
            json.loads(answer.body)

    def test_huge_body_is_streamed_with_its_length(self):
        server.script(self.PATH, {"action": "huge", "size": 3 * 1024 * 1024})
        answer = self.get(timeout=30)
        self.assertEqual((int(answer.header("Content-Length")), len(answer.body)), (3 * 1024 * 1024,) * 2)
        self.assertTrue(answer.body.startswith(b'{"data":{"blob":"AAAA'))
        server.script(self.PATH, {"action": "huge", "size": 100000, "fill": "[", "prefix": "", "chunked": True})
        answer = self.get()
        self.assertEqual((answer.header("Transfer-Encoding"), answer.body), ("chunked", b"[" * 100000))

    def test_slow_drip(self):
        server.script(self.PATH, {"action": "drip", "interval": 0.1, "body": "{}"})
        started = time.monotonic()
        self.assertEqual(self.get().body, b"{}")
        self.assertGreaterEqual(time.monotonic() - started, 0.2)

    def test_a_slow_answer_is_logged_when_its_status_line_is_sent(self):
        server.script(self.PATH, {"action": "drip", "interval": 30})
        connection = server.connection()
        connection.request("GET", self.PATH + self.QUERY, headers={"Authorization": "Bearer tok-full"})
        response = connection.getresponse()
        self.assertEqual(response.status, 200)
        response.close()
        connection.close()
        self.assertEqual([(e["status"], e["fault"]) for e in server.log()["data"]], [(200, "drip")])

    def test_one_flipped_bit_breaks_only_that_blob(self):
        key = key_of("api")
        server.script(self.PATH, {"action": "flip_bit", "level": "environment"})
        levels = self.get().json["data"]["levels"]
        self.assertEqual(reference_open(key, ORG, levels[0]["id"], levels[0]["blob"]), "A=project\nSHARED=project\n")
        with self.assertRaises(Exception):
            reference_open(key, ORG, levels[2]["id"], levels[2]["blob"])
        good = self.get().json["data"]["levels"][2]
        self.assertEqual(reference_open(key, ORG, good["id"], good["blob"]), "SHARED=environment\nE=1\n")

    def test_redirects_to_any_location(self):
        for status, location in ((301, "http://127.0.0.1:1/x"), (307, "https://other.example/api")):
            server.script(self.PATH, {"action": "redirect", "status": status, "location": location})
            answer = self.get()
            self.assertEqual((answer.status, answer.header("Location")), (status, location))

    def test_method_and_wildcard_matching(self):
        server.script("*", {"status": 502}, method="POST")
        self.assertEqual(self.get().status, 200)
        self.assertEqual(api("POST", "/telemetry", {}).status, 502)

    def test_the_log_counts_requests_and_never_holds_the_token(self):
        self.get()
        api("GET", "/me", token=None)
        server.script(self.PATH, {"action": "drop"})
        with self.assertRaises(Exception):
            self.get()
        log = server.log()
        entries = log["data"]
        self.assertEqual([(e["method"], e["path"], e["status"], e["authorization"], e["fault"]) for e in entries],
                         [("GET", self.PATH, 200, True, None), ("GET", f"{V1}/me", 401, False, None),
                          ("GET", self.PATH, None, True, "drop")])
        self.assertEqual(entries[0]["query"], self.QUERY[1:])
        self.assertNotIn("tok-full", json.dumps(log))
        self.assertEqual(log["connections"]["accepted"], 5)  # 3 requests, the script and the log itself
        self.assertEqual(len(server.control("GET", "log?since=2")["data"]), 1)

    def test_reset_can_reload_the_seed(self):
        self.assertEqual(api("POST", f"/{ORG}/projects", {"slug": "transient"}).status, 201)
        server.control("POST", "reset", {"reseed": True})
        self.assertEqual(api("GET", f"/{ORG}/transient").status, 404)
        self.assertEqual(api("GET", f"/{ORG}/api").status, 200)

    def test_a_bad_script_is_refused(self):
        answer = server.request("POST", "/__control/script", body={"path": "x", "responses": [{}]})
        self.assertEqual(answer.status, 400)
        self.assertEqual(answer.json["error"], "bad_script")

    def test_a_script_that_could_not_go_on_the_wire_is_refused_when_posted(self):
        bad_entries = [{"status": 200, "headers": {"X-A": "1\r\nSet-Cookie: injected=1"}},
                       {"status": 200, "headers": {"Bad Name": "1"}}, {"status": 200, "headers": ["X-A", "1"]},
                       {"status": 429, "retry_after": "1\r\nX-Injected: 1"}, {"status": 429, "retry_after": 1.5},
                       {"action": "redirect", "location": "https://x.example/\nX-Injected: 1"},
                       {"action": "non_json", "content_type": "text/html\r\n"},
                       {"status": 200, "body_base64": "not base64!"}, {"status": 1000}, {"status": True},
                       {"status": "500"}, {"action": "huge", "size": -1}, {"action": "huge", "size": "big"},
                       {"action": "huge", "fill": 5}, {"action": "huge", "chunked": "yes"},
                       {"action": "flip_bit", "byte": "x"}, {"action": "flip_bit", "level": "org"},
                       {"action": "truncate", "sent": -1}, {"action": "drip", "interval": -1},
                       {"action": "pass", "delay": 1e999}, {"status": 500, "times": True},
                       {"status": 500, "stauts": 503}]
        for entry in bad_entries:
            with self.subTest(entry=entry):
                answer = server.request("POST", "/__control/script", body={"path": self.PATH, "responses": [entry]})
                self.assertEqual((answer.status, answer.json["error"]), (400, "bad_script"), answer.body)
        for body in ({"path": self.PATH + "?project=api", "responses": [{"status": 500}]},
                     {"path": self.PATH, "responses": [{"status": 500}], "replace": "yes"},
                     {"path": self.PATH, "responses": [{"status": 500}], "method": "get"}):
            with self.subTest(body=body):
                self.assertEqual(server.request("POST", "/__control/script", body=body).status, 400)
        huge_delay = b'{"path": "*", "responses": [{"action": "pass", "delay": 1e999}]}'  # infinity: sleep() fails
        self.assertEqual(server.request("POST", "/__control/script", raw=huge_delay).status, 400)
        self.assertEqual(server.control("GET", "scripts")["data"], [])
        self.assertEqual(self.get().status, 200)
        server.script(self.PATH, {"status": 503, "headers": {"X-Count": 5, "X-Why": "scripted"}})
        answer = self.get()
        self.assertEqual((answer.status, answer.header("X-Count"), answer.header("X-Why")), (503, "5", "scripted"))


if __name__ == "__main__":
    unittest.main()
