#!/usr/bin/python3
"""End-to-end tests of dotenv-cloud over real TLS against the local server (tests/server/): every command it has,
its tables and --json, pagination, each error status and exit code, confirmations, settings before and after the
command, and client-managed project creation.

Usage: test_cloud_cli.py PATH_TO_DOTENV_CLOUD
"""
import base64
import hashlib
import json
import os
import pty
import re
import select
import subprocess
import time

import cloud_fixture as fx
from cloud_fixture import CloudTest, ORG, TOKENS, INVALID_TOKEN, Result

# A second organization with more projects than one page holds (the API's pages hold at most 100).
PAGED_ORG = "01JE2E0PAGED0RG00000000000"
PAGED_PROJECTS = 130
USER_TOKEN = "dcs_e2eAliceUserToken00000000000007"
READ_ONLY_TOKEN = "dcs_e2eReadOnlyToken000000000000008"
PAGED_TOKEN = "dcs_e2ePagedOrgToken00000000000009"
SECRET_TOKENS = [USER_TOKEN, READ_ONLY_TOKEN, PAGED_TOKEN]
READ_ABILITIES = [a for a in fx.ABILITIES if a.endswith(":read")]
ERROR_LINE = re.compile(r"dotenv-cloud: error: [^\n]+\n")


def read(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


def cli_seed():
    """The launcher's seed, plus a user with a token, a read-only token and an organization with 130 projects."""
    seed = fx.seed()
    seed["organizations"][0]["plan"] = "business"
    seed["organizations"].append({"id": PAGED_ORG, "name": "Paged", "plan": "business",
                                  "projects": [{"slug": f"p{i:03d}"} for i in range(PAGED_PROJECTS)]})
    seed["users"] = [{"name": "Alice", "email": "alice@example.com", "memberships": {ORG: "owner"}}]
    seed["tokens"] += [
        {"name": "alice", "value": USER_TOKEN, "user": "alice@example.com"},
        {"name": "readonly", "value": READ_ONLY_TOKEN, "organization": ORG, "abilities": READ_ABILITIES},
        {"name": "paged", "value": PAGED_TOKEN, "organization": PAGED_ORG},
    ]
    return seed


class CliTest(CloudTest):
    """One server with cli_seed() per class; helpers that run dotenv-cloud and check its lines."""

    @classmethod
    def setUpClass(cls):
        cls.server = fx.ServerProcess(cli_seed(), "--test-control", *cls.SERVER_ARGS)

    def cloud(self, *args, env=None, token=None, stdin=subprocess.DEVNULL, timeout=60):
        """Runs dotenv-cloud in the test's directory with the server's environment (token: one of TOKENS or a
        value, written to the token file)."""
        if token is not None:
            self.file("token", TOKENS.get(token, token) + "\n")
        started = time.monotonic()
        proc = subprocess.run([fx.BINARY, *args], env=self.env() if env is None else env, cwd=self.dir,
                              stdin=stdin, capture_output=True, timeout=timeout)
        r = Result(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started, None)
        self.assert_no_secret(r)
        return r

    def ok(self, *args, **kwargs):
        r = self.cloud(*args, **kwargs)
        self.assertEqual(r.code, 0, r.err)
        self.assertEqual(r.err, b"")
        return r

    def json_of(self, *args, **kwargs):
        return json.loads(self.ok(*args, "--json", **kwargs).out)

    def assert_no_secret(self, r):
        """No token, key or seeded value anywhere in the output."""
        self.assert_clean(r)
        for text in SECRET_TOKENS:
            self.assertNotIn(text.encode(), r.out + r.err)

    def assert_error(self, r, code, pattern):
        """Exit `code`, nothing on stdout, and exactly one line on stderr: the error, matching `pattern`."""
        self.assertEqual(r.code, code, r.err)
        self.assertEqual(r.out, b"")
        self.assertRegex(r.err.decode(), r"\A" + ERROR_LINE.pattern + r"\Z")
        self.assertRegex(r.err.decode(), pattern)

    def api(self, method, path, body=None, token=TOKENS["full"]):
        """The API itself, for what the CLI should have done (or not done)."""
        return self.server.request(method, "/api/v1" + path, body=body, token=token)

    def api_data(self, path, token=TOKENS["full"]):
        answer = self.api("GET", path, token=token)
        self.assertEqual(answer.status, 200, answer.body)
        return answer.json["data"]

    def project_slugs(self):
        return [p["slug"] for p in self.api_data(f"/{ORG}/projects?per_page=100")]

    def api_requests(self):
        """(method, path, query) of every API request the server answered since the reset."""
        return [(e["method"], e["path"], e["query"]) for e in self.log()["data"]]

    @staticmethod
    def table(r):
        """The rows of a table for people, split on runs of two or more spaces."""
        return [re.split(r" {2,}", line) for line in r.out.decode().splitlines()]

    @staticmethod
    def fields(r):
        """'name: value' lines as a dict."""
        return dict(re.match(r"^([a-z ]+):\s+(.*)$", line).groups() for line in r.out.decode().splitlines())


class Identity(CliTest):
    """whoami, orgs, plans."""

    def test_whoami_names_the_organization_token_its_organization_abilities_and_scope(self):
        fields = self.fields(self.ok("whoami"))
        self.assertEqual(fields["token"], "full")
        self.assertEqual(fields["type"], "organization token")
        self.assertEqual(fields["organization"], f"E2E ({ORG})")
        self.assertEqual(fields["abilities"].split(", "), sorted(fx.ABILITIES))
        self.assertEqual(fields["projects"], "all")
        self.assertEqual(self.fields(self.ok("whoami", token="scoped"))["projects"], "billing")

    def test_whoami_json_is_the_apis_data(self):
        self.assertEqual(self.json_of("whoami"), self.api_data("/me"))

    def test_whoami_of_a_user_lists_organizations_and_roles(self):
        fields = self.fields(self.ok("whoami", token=USER_TOKEN))
        self.assertEqual((fields["user"], fields["email"], fields["type"]), ("Alice", "alice@example.com", "user"))
        self.assertEqual(fields["organization"], f"E2E ({ORG}), owner")

    def test_orgs_list_and_show(self):
        self.assertEqual(self.table(self.ok("orgs", "list"))[1][:3], [ORG, "E2E", "business"])
        self.assertEqual(self.json_of("orgs", "list"), self.api_data("/organizations"))
        self.assertEqual(self.fields(self.ok("orgs", "show"))["id"], ORG)  # --org from DOTENV_CLOUD_ORG
        self.assertEqual(self.json_of("orgs", "show", env=self.env(DOTENV_CLOUD_ORG=None)), self.api_data("/organization"))

    def test_orgs_create_with_a_user_token(self):
        r = self.ok("orgs", "create", "New Co", token=USER_TOKEN)
        created = [o for o in self.api_data("/organizations", token=USER_TOKEN) if o["name"] == "New Co"]
        self.assertEqual(len(created), 1)
        self.assertEqual(r.out.decode(), f"created organization New Co ({created[0]['id']})\n")

    def test_orgs_create_with_an_organization_token_is_forbidden_77(self):
        r = self.cloud("orgs", "create", "New Co")
        self.assert_error(r, 77, r"403 forbidden")
        self.assertIn("DOTENV_CLOUD_TOKEN_FILE", r.err.decode())  # where the token came from

    def test_plans_table_and_json(self):
        plans = self.api_data("/plans")
        rows = self.table(self.ok("plans"))
        self.assertEqual(rows[0], ["SLUG", "NAME", "PROJECTS", "TARGETS/PROJECT", "ENVIRONMENTS/TARGET", "REQUESTS/MIN"])
        self.assertEqual([r[0] for r in rows[1:]], [p["slug"] for p in plans])
        self.assertEqual(rows[1][2], str(plans[0]["limits"]["projects"]))
        self.assertEqual(self.json_of("plans"), plans)


class Projects(CliTest):
    """projects list|show|create|update|delete."""

    def test_list_is_a_table_and_json_is_every_project(self):
        rows = self.table(self.ok("projects", "list"))
        self.assertEqual(rows[0], ["SLUG", "NAME", "ENCRYPTION", "KEY", "UPDATED"])
        self.assertEqual([(r[0], r[2]) for r in rows[1:]], [("api", "server"), ("billing", "client")])
        self.assertEqual(self.json_of("projects", "list"), self.api_data(f"/{ORG}/projects"))

    def test_show(self):
        fields = self.fields(self.ok("projects", "show", "billing"))
        project = self.api_data(f"/{ORG}/billing")
        self.assertEqual((fields["slug"], fields["id"], fields["encryption"], fields["key version"]),
                         ("billing", project["id"], "client", "1"))
        self.assertEqual(self.json_of("projects", "show", "billing"), project)

    def test_create_update_and_delete(self):
        r = self.ok("projects", "create", "shop", "--name", "The Shop")
        shop = self.api_data(f"/{ORG}/shop")
        self.assertEqual((shop["name"], shop["encryption"]), ("The Shop", "server"))
        self.assertEqual(r.out.decode(), f"created project shop ({shop['id']})\n")
        r = self.ok("projects", "update", "shop", "--slug", "store")
        self.assertEqual(r.out.decode(), f"renamed project shop to store ({shop['id']})\n")
        self.assertEqual(self.json_of("projects", "update", "store", "--name", "Store")["name"], "Store")
        self.assertEqual(self.ok("projects", "delete", "store", "--yes").out, b"deleted project store\n")
        self.assertEqual(self.project_slugs(), ["api", "billing"])

    def test_create_json_is_the_new_project(self):
        created = self.json_of("projects", "create", "shop")
        self.assertEqual(created, self.api_data(f"/{ORG}/shop"))

    def test_delete_without_yes_off_a_terminal_is_64_and_deletes_nothing(self):
        r = self.cloud("projects", "delete", "api")
        self.assert_error(r, 64, r"deleting project api needs --yes .*nothing was deleted")
        self.assertEqual(self.project_slugs(), ["api", "billing"])
        self.assertEqual([m for m, _, _ in self.api_requests() if m == "DELETE"], [])

    def test_delete_on_a_terminal_asks_and_deletes_on_yes_only(self):
        code, output = self.on_terminal(["projects", "delete", "api"], b"no\n")
        self.assertEqual(code, 64, output)
        self.assertIn(b"Delete project api and its targets, environments, secrets and backups? [y/N]", output)
        self.assertIn(b"not confirmed; nothing was deleted", output)
        self.assertEqual(self.project_slugs(), ["api", "billing"])
        code, output = self.on_terminal(["projects", "delete", "api"], b"y\n")
        self.assertEqual(code, 0, output)
        self.assertEqual(self.project_slugs(), ["billing"])

    def on_terminal(self, args, answer):
        """Runs dotenv-cloud with stdin, stdout and stderr on a pseudo-terminal, types `answer` once it asks."""
        pid, fd = pty.fork()
        if pid == 0:
            os.chdir(self.dir)
            os.execve(fx.BINARY, [fx.BINARY, *args], self.env())
        output, deadline = b"", time.monotonic() + 30
        answered = False
        while time.monotonic() < deadline:
            if not answered and b"[y/N]" in output:
                os.write(fd, answer)
                answered = True
            if not select.select([fd], [], [], 0.1)[0]:
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the child is gone
                break
            if not chunk:
                break
            output += chunk
        _, status = os.waitpid(pid, 0)
        os.close(fd)
        for text in fx.NEVER_PRINTED:
            self.assertNotIn(text.encode(), output)
        return os.waitstatus_to_exitcode(status), output

    def test_404_names_the_project_and_is_78(self):
        self.assert_error(self.cloud("projects", "show", "nope"), 78, r"project nope.*404 not_found.*request id [0-9a-f]{16}")

    def test_409_slug_taken_is_65(self):
        self.assert_error(self.cloud("projects", "create", "api"), 65, r"409 conflict.*request id")

    def test_422_invalid_slug_is_65_with_the_field(self):
        self.assert_error(self.cloud("projects", "create", "Not A Slug"), 65, r"422 validation_failed.*slug")
        self.assertEqual(self.project_slugs(), ["api", "billing"])

    def test_401_unknown_and_expired_tokens_are_77_naming_the_token_file(self):
        r = self.cloud("projects", "list", token=INVALID_TOKEN)
        self.assert_error(r, 77, r"401 unauthenticated")
        self.assertIn(self.token_file, r.err.decode())
        self.assert_error(self.cloud("projects", "list", token="expired"), 77, r"401 token_expired")

    def test_403_names_the_missing_ability_and_is_77(self):
        r = self.cloud("projects", "delete", "api", "--yes", token=READ_ONLY_TOKEN)
        self.assert_error(r, 77, r"project:delete")
        self.assertEqual(self.project_slugs(), ["api", "billing"])
        self.assert_error(self.cloud("projects", "show", "api", token="scoped"), 77,
                          r"403 forbidden.*not allowed to access project api")

    def test_429_on_a_read_is_retried_with_retry_after(self):
        self.script({"status": 429, "retry_after": "1"}, path=f"/api/v1/{ORG}/projects")
        r = self.cloud("projects", "list")
        self.assertEqual(r.code, 0, r.err)
        self.assertRegex(r.err.decode(), r"\Adotenv-cloud: API answered 429; retrying in [0-9.]+ s \(attempt 2\)\n\Z")
        self.assertEqual(len(self.table(r)), 3)

    def test_429_until_the_deadline_is_69(self):
        self.script({"status": 429, "retry_after": "30", "repeat": True}, path=f"/api/v1/{ORG}/projects")
        r = self.cloud("projects", "list", "--retry-timeout", "2")
        self.assertEqual(r.code, 69, r.err)
        self.assertIn(b"429", r.err.splitlines()[-1])
        self.assertEqual(r.out, b"")

    def test_429_on_a_create_is_sent_again_and_creates_once(self):
        self.script({"status": 429, "retry_after": "1"}, path=f"/api/v1/{ORG}/projects", method="POST")
        r = self.cloud("projects", "create", "shop")
        self.assertEqual(r.code, 0, r.err)
        self.assertEqual(self.project_slugs(), ["api", "billing", "shop"])
        self.assertEqual([m for m, p, _ in self.api_requests() if m == "POST"], ["POST", "POST"])

    def test_a_slug_that_would_change_the_path_is_refused_before_any_request(self):
        for slug in ("key", "../api", "API", "a/b"):
            self.reset()
            self.assert_error(self.cloud("projects", "show", slug), 78, r"(not a valid slug|reserved word)")
            self.assertEqual(self.api_requests(), [])

    def test_update_without_a_change_is_a_usage_error(self):
        self.assert_error(self.cloud("projects", "update", "api"), 64, r"nothing to change: give --slug or --name")


class Levels(CliTest):
    """targets (with -p) and environments (with -p -t)."""

    def test_targets_list_show_create_update_delete(self):
        rows = self.table(self.ok("-p", "api", "targets", "list"))
        self.assertEqual([r[0] for r in rows], ["SLUG", "web", "bare"])
        self.assertEqual(self.json_of("targets", "show", "web", "-p", "api"), self.api_data(f"/{ORG}/api/web"))
        self.ok("targets", "create", "jobs", "-p", "api", "--name", "Jobs")
        self.assertEqual(self.api_data(f"/{ORG}/api/jobs")["name"], "Jobs")
        self.ok("targets", "update", "jobs", "-p", "api", "--slug", "cron")
        self.ok("targets", "delete", "cron", "-p", "api", "--yes")
        self.assertEqual([t["slug"] for t in self.api_data(f"/{ORG}/api/targets")], ["web", "bare"])

    def test_environments_list_show_create_update_delete(self):
        self.assertEqual(self.json_of("environments", "list", "-p", "api", "-t", "web"),
                         self.api_data(f"/{ORG}/api/web/environments"))
        r = self.ok("-p", "api", "-t", "web", "environments", "create", "staging")
        staging = self.api_data(f"/{ORG}/api/web/staging")
        self.assertEqual(r.out.decode(), f"created environment staging of api/web ({staging['id']})\n")
        self.assertEqual(self.fields(self.ok("-p", "api", "-t", "web", "environments", "show", "staging"))["id"],
                         staging["id"])
        self.ok("-p", "api", "-t", "web", "environments", "update", "staging", "--name", "Staging")
        self.assertEqual(self.api_data(f"/{ORG}/api/web/staging")["name"], "Staging")
        self.assert_error(self.cloud("-p", "api", "-t", "web", "environments", "delete", "staging"), 64, r"--yes")
        self.ok("-p", "api", "-t", "web", "environments", "delete", "staging", "--yes")
        self.assertEqual(self.api("GET", f"/{ORG}/api/web/staging").status, 404)

    def test_a_missing_project_or_target_is_78_naming_the_setting(self):
        self.assert_error(self.cloud("targets", "list"), 78, r"no project: set --project or DOTENV_CLOUD_PROJECT")
        self.assert_error(self.cloud("environments", "list", "-p", "api"), 78, r"no target: set --target")
        self.assert_error(self.cloud("targets", "show", "web", "-p", "nope"), 78, r"404")

    def test_a_target_that_does_not_exist_is_78_naming_it(self):
        self.assert_error(self.cloud("environments", "list", "-p", "api", "-t", "nope"), 78, r"nope.*404 not_found")

    def test_a_target_slug_taken_is_65(self):
        self.assert_error(self.cloud("targets", "create", "web", "-p", "api"), 65, r"409 conflict")


class Pages(CliTest):
    """Lists follow `meta` to the end; --limit stops early."""

    def paged(self, *args):
        return self.cloud("--org", PAGED_ORG, "projects", "list", *args, token=PAGED_TOKEN)

    def list_queries(self):
        return [q for m, p, q in self.api_requests() if p == f"/api/v1/{PAGED_ORG}/projects"]

    def test_a_list_follows_every_page(self):
        r = self.paged("--json")
        self.assertEqual(r.code, 0, r.err)
        self.assertEqual([p["slug"] for p in json.loads(r.out)], [f"p{i:03d}" for i in range(PAGED_PROJECTS)])
        self.assertEqual(self.list_queries(), ["page=1&per_page=100", "page=2&per_page=100"])
        self.reset()
        self.assertEqual(len(self.table(self.paged())), PAGED_PROJECTS + 1)

    def test_limit_stops_early(self):
        r = self.paged("--json", "--limit", "5")
        self.assertEqual([p["slug"] for p in json.loads(r.out)], [f"p{i:03d}" for i in range(5)])
        self.assertEqual(self.list_queries(), ["page=1&per_page=5"])
        self.reset()
        self.assertEqual(len(json.loads(self.paged("--json", "--limit", "105").out)), 105)
        self.assertEqual(self.list_queries(), ["page=1&per_page=100", "page=2&per_page=100"])
        self.assertEqual(len(self.table(self.paged("--limit", "2"))), 3)

    def test_limit_must_be_a_positive_number(self):
        for value in ("0", "-1", "x", "1000001"):
            self.assert_error(self.paged("--limit", value), 64, r"--limit takes a number from 1 to 1000000")


class ClientManaged(CliTest):
    """projects create --client-managed --new-key-file FILE."""

    def create(self, path, *extra):
        return self.cloud("projects", "create", "vault", "--client-managed", "--new-key-file", path, *extra)

    def test_the_key_file_is_new_0600_and_matches_the_proof_the_server_holds(self):
        path = self.path("vault.key")
        r = self.create(path)
        self.assertEqual(r.code, 0, r.err)
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        text = read(path, "rb")
        self.assertRegex(text, rb"\A[A-Za-z0-9+/]{43}=\n\Z")
        key = base64.b64decode(text)
        self.assertEqual(len(key), 32)
        self.assertNotIn(text.strip(), r.out + r.err)
        proof = self.api_data(f"/{ORG}/vault/key")
        self.assertEqual((proof["mode"], proof["version"]), ("client", 1))
        params = proof["key_proof"]
        self.assertEqual((params["algorithm"], params["iterations"]), ("pbkdf2-sha256", 210000))
        self.assertEqual(base64.b64encode(hashlib.pbkdf2_hmac("sha256", key, base64.b64decode(params["salt"]),
                                                              params["iterations"])).decode(), params["proof"])
        self.assertEqual(self.api_data(f"/{ORG}/vault")["encryption"], "client")
        self.assertEqual(r.out.decode(), f"created project vault ({self.api_data(f'/{ORG}/vault')['id']}), "
                                         f"client-managed; its key is in {path}\n")

    def test_the_key_file_is_written_under_any_umask_as_0600(self):
        path = self.path("vault.key")
        env = self.env()
        r = subprocess.run(["sh", "-c", 'umask 0; exec "$@"', "sh", fx.BINARY, "projects", "create", "vault",
                            "--client-managed", "--new-key-file", path], env=env, cwd=self.dir, capture_output=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)

    def test_an_existing_file_is_never_overwritten_and_nothing_is_sent(self):
        path = self.file("vault.key", "keep me\n", 0o644)
        self.assert_error(self.create(path), 64, r"already exists; refusing to overwrite it")
        self.assertEqual(read(path), "keep me\n")
        self.assertEqual(self.api_requests(), [])
        target = self.file("elsewhere", "keep me too\n")
        link = self.path("link.key")
        os.symlink(target, link)
        self.assert_error(self.create(link), 64, r"refusing to overwrite")
        self.assertEqual(read(target), "keep me too\n")
        dangling = self.path("dangling.key")
        os.symlink(self.path("nowhere"), dangling)
        self.assert_error(self.create(dangling), 64, r"refusing to overwrite")
        self.assertFalse(os.path.exists(self.path("nowhere")))
        self.assertNotIn("vault", self.project_slugs())

    def test_a_refused_project_leaves_no_key_file(self):
        path = self.path("api.key")
        r = self.cloud("projects", "create", "api", "--client-managed", "--new-key-file", path)
        self.assert_error(r, 65, r"409 conflict.*removed .*api\.key: no project uses its key")
        self.assertFalse(os.path.exists(path))

    def test_client_managed_and_the_key_file_go_together(self):
        self.assert_error(self.cloud("projects", "create", "vault", "--client-managed"), 64, r"go together")
        self.assert_error(self.cloud("projects", "create", "vault", "--new-key-file", self.path("k")), 64,
                          r"go together")
        self.assert_error(self.cloud("targets", "create", "x", "-p", "api", "--client-managed"), 64,
                          r"targets create does not take --client-managed")
        self.assertEqual(self.api_requests(), [])


class Settings(CliTest):
    """The settings options work before and after the command, resolved as dotenv-run resolves them."""

    def test_options_before_and_after_the_command_are_the_same(self):
        env = self.env(DOTENV_CLOUD_ORG=None, DOTENV_CLOUD_TOKEN_FILE=None)
        before = self.ok("--org", ORG, "--token-file", self.token_file, "-p", "api", "targets", "list", env=env)
        after = self.ok("targets", "list", "-p", "api", "--token-file", self.token_file, "--org", ORG, env=env)
        between = self.ok("targets", "--org", ORG, "list", "-p", "api", "--token-file", self.token_file, env=env)
        self.assertEqual(before.out, after.out)
        self.assertEqual(before.out, between.out)
        self.assertEqual(len(self.table(before)), 3)

    def test_an_organization_in_lower_case_is_sent_in_upper_case(self):
        rows = self.table(self.ok("projects", "list", "--org", ORG.lower()))
        self.assertEqual([r[0] for r in rows[1:]], ["api", "billing"])
        self.assertEqual({p for _, p, _ in self.api_requests()}, {f"/api/v1/{ORG}/projects"})

    def test_a_flag_wins_over_the_environment_and_the_project_file(self):
        self.file(".dotenv-cloud.json", json.dumps({"project": "nope", "org": ORG}), 0o644)
        self.assertEqual(self.table(self.ok("targets", "list", env=self.env(DOTENV_CLOUD_PROJECT="api")))[1][0], "web")
        self.assertEqual(self.table(self.ok("targets", "list", "-p", "billing"))[1][0], "web")
        self.assert_error(self.cloud("targets", "list"), 78, r"nope")

    def test_verbose_says_where_each_setting_came_from_and_never_the_token(self):
        # Without an API URL the default is named (and never reached: the organization is missing first).
        r = self.cloud("-v", "-p", "api", "targets", "list", env=self.env(DOTENV_CLOUD_API_URL=None, DOTENV_CLOUD_ORG=None))
        self.assert_error(r.__class__(r.code, r.out, r.err.splitlines(True)[-1], 0, None), 78, r"no organization")
        lines = r.err.decode().splitlines()
        self.assertIn(f"dotenv-cloud: project = api (from --project)", lines)
        self.assertIn("dotenv-cloud: api url = https://api.dotenv.cloud (from default)", lines)
        r = self.cloud("targets", "list", "-p", "api", "--verbose")
        self.assertEqual(r.code, 0, r.err)
        lines = r.err.decode().splitlines()
        self.assertIn(f"dotenv-cloud: org = {ORG} (from DOTENV_CLOUD_ORG)", lines)
        self.assertIn(f"dotenv-cloud: token from DOTENV_CLOUD_TOKEN_FILE={self.token_file}", lines)

    def test_a_token_from_the_environment_variable_and_no_token_at_all(self):
        env = self.env(DOTENV_CLOUD_TOKEN_FILE=None, DOTENV_CLOUD_TOKEN=TOKENS["full"])
        self.assertEqual(self.fields(self.ok("whoami", env=env))["token"], "full")
        self.reset()
        self.assert_error(self.cloud("whoami", env=self.env(DOTENV_CLOUD_TOKEN_FILE=None)), 78, r"no API token")
        self.assertEqual(self.api_requests(), [])

    def test_an_http_api_url_is_refused_before_any_connection(self):
        r = self.cloud("projects", "list", "--api-url", self.server.url.replace("https://", "http://"))
        self.assert_error(r, 78, r"https")
        self.assertEqual(self.launcher_handshakes(), 0)

    def test_a_loose_token_file_is_refused(self):
        os.chmod(self.token_file, 0o644)
        self.assert_error(self.cloud("whoami"), 78, r"token")
        self.assertEqual(self.api_requests(), [])


class Usage(CliTest):
    """The command line itself: help, version, and usage errors (64) that send nothing."""

    def test_help_lists_the_commands_and_help_command_explains_one(self):
        text = self.ok("--help").out.decode()
        for command in ("whoami", "orgs list", "plans", "projects create", "targets delete", "environments show"):
            self.assertIn(f"\n  {command}", text)
        one = self.ok("help", "projects", "create").out.decode()
        self.assertTrue(one.startswith("Usage: dotenv-cloud [OPTIONS] projects create SLUG [--name NAME] "
                                       "[--client-managed --new-key-file FILE]\n"), one)
        self.assertEqual(self.ok("projects", "create", "--help").out.decode(), one)
        self.assertIn("projects delete", self.ok("help", "projects").out.decode())

    def test_version_names_the_program(self):
        self.assertRegex(self.ok("--version").out.decode().splitlines()[0], r"^dotenv-cloud \d+\.\d+\.\d+")

    def test_usage_errors_are_64_and_send_nothing(self):
        cases = [
            ((), r"no command given"),
            (("frobnicate",), r"unknown command 'frobnicate'"),
            (("projects",), r"projects needs one of: list, show, create, update, delete"),
            (("projects", "frob"), r"unknown command 'projects frob'"),
            (("projects", "show"), r"usage: dotenv-cloud projects show SLUG"),
            (("projects", "show", "a", "b"), r"usage: dotenv-cloud projects show SLUG"),
            (("whoami", "--yes"), r"whoami does not take --yes"),
            (("projects", "list", "--name", "x"), r"projects list does not take --name"),
            (("--bogus",), r"unknown option '--bogus'"),
            (("whoami", "--json=1"), r"option '--json' takes no value"),
            (("projects", "show", "--org"), r"option '--org' needs a value"),
            (("whoami", "--timeout", "0"), r"--timeout takes a number of seconds"),
        ]
        for args, pattern in cases:
            with self.subTest(args=args):
                self.assert_error(self.cloud(*args), 64, pattern)
        self.assertEqual(self.api_requests(), [])

    def test_after_a_double_dash_words_are_arguments(self):
        self.assert_error(self.cloud("projects", "show", "--", "--json"), 78, r"not a valid slug")


if __name__ == "__main__":
    fx.main()
