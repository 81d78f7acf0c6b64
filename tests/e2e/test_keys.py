#!/usr/bin/python3
"""End-to-end tests of `dotenv-cloud key ...` over real TLS against the local server: show, history, verify, the
server-managed rotation, and the client-managed rotation, whole, resumed after a fault at each step, and beside a
concurrent write.

Usage: test_keys.py PATH_TO_DOTENV_CLOUD PATH_TO_DOTENV_RUN
"""
import base64
import json
import os
import stat
import subprocess
import time

import keys_fixture as kf
from cloud_fixture import ORG, CLIENT_KEY, WRONG_CLIENT_KEY, wait_until
from keys_fixture import KeysTest, OLD
from server_harness import reference_open, reference_seal

VAULT = ("-p", "vault")


class ServerManagedKey(KeysTest):
    def test_key_show_gives_mode_version_and_fingerprint_but_the_key_only_with_reveal(self):
        key = self.data("/api/key")
        r = self.ok("key", "show", "-p", "api")
        self.assertRegex(r.out.decode(), r"^project: +api\nmode: +server\nversion: +1\nfingerprint: +sha256:[0-9a-f]{16}\n$")
        self.assertNotIn(key["key"].encode(), r.out + r.err)
        shown = json.loads(self.ok("key", "show", "-p", "api", "--json").out)
        self.assertEqual(set(shown), {"mode", "version", "fingerprint"})
        revealed = json.loads(self.ok("key", "show", "-p", "api", "--json", "--reveal").out)
        self.assertEqual(revealed["key"], key["key"])

    def test_key_history_lists_versions_by_fingerprint_and_never_a_key(self):
        self.ok("key", "rotate", "-p", "api")
        keys = [entry["key"] for entry in self.data("/api/key/history")]
        r = self.ok("key", "history", "-p", "api")
        lines = r.out.decode().splitlines()
        self.assertRegex(lines[0], r"^VERSION +STATE +CREATED +RETIRED +FINGERPRINT$")
        self.assertRegex(lines[1], r"^2 +current +\S+ +- +sha256:[0-9a-f]{16}$")
        self.assertRegex(lines[2], r"^1 +retired +\S+ +\S+Z +sha256:[0-9a-f]{16}$")
        as_json = json.loads(self.ok("key", "history", "-p", "api", "--json").out)
        self.assertEqual([(e["version"], e["retired_at"] is None) for e in as_json], [(2, True), (1, False)])
        for key in keys:
            self.assertNotIn(key.encode(), r.out + json.dumps(as_json).encode())

    def test_server_rotation_keeps_dotenv_run_starting_and_old_versions_restoring(self):
        r = self.ok("key", "rotate", "-p", "api")
        self.assertEqual(r.out.decode(), "project api: the key is now version 2 (4 levels re-sealed); backups stay "
                                         "under their key versions and still restore\n")
        self.assertEqual(self.data("/api/key")["version"], 2)
        r, child = self.launch_child()
        self.assertEqual(child["env"]["C"], "environment-s3cr3t-c")
        versions = json.loads(self.ok("versions", "list", "-p", "api", "-t", "web", "-e", "production", "--json").out)
        self.assertEqual([v["key_version"] for v in versions], [1])
        self.ok("versions", "restore", versions[0]["id"])
        r, child = self.launch_child()
        self.assertEqual(child["env"]["C"], "environment-s3cr3t-old")
        self.assertEqual(self.ok("key", "verify", "-p", "api").out.decode(),
                         "project api: 4 levels and 4 backups open with their keys\n")

    def test_key_verify_names_each_blob_that_does_not_open_and_exits_65(self):
        wrong = base64.b64decode(WRONG_CLIENT_KEY)
        self.put_level("api", wrong, 1, "B=sealed-with-another-key\n", target="web")
        r = self.cloud("key", "verify", "-p", "api")
        self.assertEqual(r.code, 65, r.err)
        self.assertIn(b"does not open: level target web of project api: does not open", r.out)
        self.assertIn(b"project api: 3 levels and 4 backups open with their keys\n", r.out)
        self.assertEqual(r.err.decode(), "dotenv-cloud: error: project api: 1 blob does not open with the key it needs\n")


class ClientManagedKeyCommands(KeysTest):
    def test_key_show_of_a_client_managed_project_gives_the_proof_parameters(self):
        proof = self.data("/vault/key")["key_proof"]
        r = self.ok("key", "show", *VAULT)
        self.assertIn(f"proof salt:        {proof['salt']}\n".encode(), r.out)
        self.assertIn(b"proof iterations:  1000\n", r.out)
        refused = self.cloud("key", "show", *VAULT, "--reveal")
        self.assertEqual(refused.code, 64)

    def test_key_verify_needs_the_current_key(self):
        self.assertEqual(self.ok("key", "verify", *VAULT, "--key-file", self.old_key).out.decode(),
                         "project vault: 6 levels and 6 backups open with their keys\n")
        wrong = self.file("wrong.key", WRONG_CLIENT_KEY + "\n")
        r = self.cloud("key", "verify", *VAULT, "--key-file", wrong)
        self.assertEqual(r.code, 65)
        self.assertEqual(r.err.decode(), f"dotenv-cloud: error: the key from --key-file {wrong} is not the current key "
                                         "(version 1) of project vault\n")


class ClientRotation(KeysTest):
    """`key rotate --key-file OLD --new-key-file NEW` on vault: 2 targets, 3 environments, 7 levels, 6 backups."""

    def rotate(self, *more, **kw):
        return self.cloud("key", "rotate", *VAULT, "--key-file", self.old_key, "--new-key-file", self.new_key, *more,
                          **kw)

    def assert_rotated(self, before):
        """Everything under NEW, the same texts as before, OLD opens nothing, verify and dotenv-run agree."""
        new = self.read_key(self.new_key)
        self.assertEqual(self.data("/vault/key")["version"], 2)
        self.assertEqual(self.snapshot("vault", new), before)
        self.assertEqual(self.opened_by("vault", OLD), [])
        self.assertEqual(self.data("/vault/key/retired-versions"), [])
        self.assertEqual(self.ok("key", "verify", *VAULT, "--key-file", self.new_key).out.decode(),
                         f"project vault: 6 levels and {len(before) - 6} backups open with their keys\n")
        r, child = self.launch_child(("-p", "vault", "-t", "web", "-e", "production", "--key-file", self.new_key))
        self.assertEqual((child["env"]["ROOT"], child["env"]["W"], child["env"]["Q"]),
                         ("vault-s3cr3t-root", "web-s3cr3t", "quoted s3cr3t"))

    def test_rotation_re_encrypts_every_level_and_backup_under_a_new_key_file(self):
        before = self.snapshot("vault", OLD)
        self.assertEqual(len(before), 12)
        r = self.rotate()
        self.assertEqual(r.code, 0, r.err)
        self.assertEqual(r.err, b"")  # not a terminal: no progress line
        self.assertEqual(r.out.decode(), (
            f"project vault: wrote a new key to {self.new_key} (mode 0600); keep it safe\n"
            "project vault: 6 levels re-encrypted under key version 2\n"
            "project vault: 6 backups re-encrypted under key version 2\n"
            f"project vault: everything the old key opened is now under key version 2 (the key in {self.new_key}); "
            "the old key is no longer needed and can be destroyed\n"
            "project vault: 6 levels and 6 backups open with their keys\n"))
        self.assert_no_secret(r)
        mode = os.stat(self.new_key, follow_symlinks=False)
        self.assertEqual((stat.S_IMODE(mode.st_mode), stat.S_ISREG(mode.st_mode)), (0o600, True))
        self.assert_rotated(before)
        self.assertEqual(self.cloud("key", "verify", *VAULT, "--key-file", self.old_key).code, 65)

    def test_running_it_again_when_done_says_so_and_needs_no_old_key(self):
        before = self.snapshot("vault", OLD)
        self.assertEqual(self.rotate().code, 0)
        os.unlink(self.old_key)
        r = self.cloud("key", "rotate", *VAULT, "--new-key-file", self.new_key)
        self.assertEqual(r.code, 0, r.err)
        self.assertTrue(r.out.decode().startswith("project vault: the rotation is already done: the levels are under "
                                                  "key version 2"), r.out)
        self.assert_rotated(before)

    def test_a_wrong_old_key_changes_nothing_and_writes_no_new_key(self):
        wrong = self.file("wrong.key", WRONG_CLIENT_KEY + "\n")
        r = self.cloud("key", "rotate", *VAULT, "--key-file", wrong, "--new-key-file", self.new_key)
        self.assertEqual(r.code, 65, r.err)
        self.assertFalse(os.path.exists(self.new_key))
        self.assertEqual(self.data("/vault/key")["version"], 1)

    def test_a_new_key_file_that_holds_no_key_is_refused_and_left_alone(self):
        self.file("new.key", "not a key\n")
        r = self.rotate()
        self.assertEqual(r.code, 78, r.err)
        self.assertIn(b"move it away and run the command again", r.err)
        with open(self.new_key) as f:
            self.assertEqual(f.read(), "not a key\n")
        self.assertEqual(self.data("/vault/key")["version"], 1)

    def test_a_symlink_as_new_key_file_is_refused(self):
        os.symlink(self.path("elsewhere"), self.new_key)
        r = self.rotate()
        self.assertEqual(r.code, 78, r.err)
        self.assertFalse(os.path.exists(self.path("elsewhere")))
        self.assertEqual(self.data("/vault/key")["version"], 1)

    def test_the_same_key_as_old_and_new_is_a_usage_error(self):
        r = self.cloud("key", "rotate", *VAULT, "--key-file", self.old_key, "--new-key-file", self.old_key)
        self.assertEqual(r.code, 64, r.err)

    def test_a_backup_the_old_key_cannot_open_is_named_and_left_as_it_is(self):
        proof = self.data("/vault/key")["key_proof"]["proof"]
        wrong = base64.b64decode(WRONG_CLIENT_KEY)
        self.put_level("vault", wrong, 1, "X=garbage\n", target="worker", proof=proof)
        self.put_level("vault", OLD, 1, "K=worker-s3cr3t\n", target="worker", proof=proof)  # garbage is now a backup
        garbage = [b for b in self.every("/secrets/versions?project=vault&target=worker")][0]
        r = self.rotate()
        self.assertEqual(r.code, 65, r.err)
        name = f"backup {garbage['id']} (version {garbage['version']}) of target worker of project vault"
        self.assertIn(f"left as it is: {name}: does not open: wrong key, or the blob belongs to another level or "
                      "organization (the old key does not open it)\n".encode(), r.out)
        self.assertIn(f"does not open: {name}: is sealed with key "
                      f"version 1, and no key given is that version".encode(), r.out)
        [left] = self.data("/vault/key/retired-versions")
        self.assertEqual(left["id"], garbage["id"])
        self.assertEqual(len(self.opened_by("vault", self.read_key(self.new_key))), 13)

    def test_a_concurrent_write_during_the_rotation_is_kept(self):
        """`secrets set` writes a level while the reencrypt request is held back: the server refuses the swap
        (base_version), the command reads again and retries; the new value and the one it replaced both survive."""
        before = self.snapshot("vault", OLD)
        self.reset()  # the log counts the command's level reads from here
        self.script({"action": "pass", "delay": 1.5}, path=f"/api/v1/{ORG}/vault/key/reencrypt", method="POST")
        proc = subprocess.Popen([kf.CLOUD, "key", "rotate", *VAULT, "--key-file", self.old_key, "--new-key-file",
                                 self.new_key], env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        level_reads = lambda: [e for e in self.log()["data"] if e["path"].endswith("/secrets") and e["method"] == "GET"]
        self.assertTrue(wait_until(lambda: len(level_reads()) >= 7, 20))
        setter = subprocess.run([kf.CLOUD, "secrets", "set", "S", *VAULT, "-t", "web", "-e", "staging", "--key-file",
                                 self.old_key], input=b"staging-s3cr3t-new\n", env=self.env(), capture_output=True,
                                timeout=60)
        self.assertEqual(setter.returncode, 0, setter.stderr)
        out, err = proc.communicate(timeout=120)
        self.assertEqual(proc.returncode, 0, err)
        self.assertIn(b"a level changed during the rotation; reading the levels again", err)
        after = self.snapshot("vault", self.read_key(self.new_key))
        self.assertEqual(after[f"/vault/web/staging/secrets"], "S=staging-s3cr3t-new\n")
        self.assertIn("S=staging-s3cr3t\n", after.values())  # the value it replaced, now a backup under NEW
        self.assertTrue(set(before.values()) <= set(after.values()))
        self.assertEqual(self.opened_by("vault", OLD), [])


class InterruptedRotation(KeysTest):
    """The rotation stopped at each step by the server's fault control, then finished by running it again."""

    def rotate(self):
        return self.cloud("key", "rotate", *VAULT, "--key-file", self.old_key, "--new-key-file", self.new_key,
                          "--retry-timeout", "1.5")

    def interrupted_then_finished(self, *faults):
        """faults: (method, path, responses). The first run must fail; the second, without faults, finishes."""
        before = self.snapshot("vault", OLD)
        for method, path, responses in faults:
            self.control("POST", "script", {"path": path, "method": method, "responses": responses})
        first = self.rotate()
        self.assertNotEqual(first.code, 0, first.out)
        self.assertIn(first.code, (69, 75), first.err)
        self.assert_no_secret(first)
        self.assertTrue(os.path.exists(self.new_key), "NEW is written before anything is sealed with it")
        self.reset()
        second = self.rotate()
        self.assertEqual(second.code, 0, second.err)
        self.assert_no_secret(second)
        ClientRotation.assert_rotated(self, before)
        return first, second

    def key_path(self, name):
        return f"/api/v1/{ORG}/vault/key/{name}"

    def test_reading_the_levels_fails(self):
        self.interrupted_then_finished(("GET", f"/api/v1/{ORG}/vault/worker/production/secrets",
                                        [{"status": 500, "repeat": True}]))

    def test_reencrypt_answers_500(self):
        self.interrupted_then_finished(("POST", self.key_path("reencrypt"), [{"status": 500, "repeat": True}]))

    def test_reencrypt_connection_dropped(self):
        self.interrupted_then_finished(("POST", self.key_path("reencrypt"), [{"action": "drop", "repeat": True}]))

    def test_reencrypt_applied_but_its_answer_lost(self):
        first, second = self.interrupted_then_finished(
            ("POST", self.key_path("reencrypt"), [{"action": "reset"}]),
            ("GET", f"/api/v1/{ORG}/vault/key", [{"action": "pass"}, {"status": 500, "repeat": True}]))
        self.assertEqual(self.data("/vault/key/history")[0]["version"], 2)
        self.assertIn(b"may or may not have been applied", first.err)
        self.assertIn(b"6 backups re-encrypted", second.out)
        self.assertNotIn(b"levels re-encrypted", second.out)

    def test_retired_versions_answers_500(self):
        self.interrupted_then_finished(("POST", self.key_path("retired-versions"), [{"status": 500, "repeat": True}]))

    def test_retired_versions_connection_dropped(self):
        self.interrupted_then_finished(("POST", self.key_path("retired-versions"), [{"action": "drop", "repeat": True}]))

    def test_retired_versions_applied_but_its_answer_lost(self):
        self.interrupted_then_finished(
            ("POST", self.key_path("retired-versions"), [{"action": "truncate"}]),
            ("GET", self.key_path("retired-versions"), [{"action": "pass"}, {"status": 500, "repeat": True}]))

    def test_the_final_verification_fails(self):
        first, second = self.interrupted_then_finished(("GET", f"/api/v1/{ORG}/secrets/versions", [{"status": 503, "repeat": True}]))
        self.assertIn(b"the rotation is already done", second.out)


if __name__ == "__main__":
    kf.main()
