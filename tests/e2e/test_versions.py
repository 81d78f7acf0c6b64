#!/usr/bin/python3
"""End-to-end tests of `dotenv-cloud versions ...` over real TLS against the local server: list, show (--reveal),
diff, restore, delete, purge, on server- and client-managed projects.

Usage: test_versions.py PATH_TO_DOTENV_CLOUD PATH_TO_DOTENV_RUN
"""
import json

import keys_fixture as kf
from cloud_fixture import ORG, WRONG_CLIENT_KEY
from keys_fixture import KeysTest, OLD

PROD = ("-p", "api", "-t", "web", "-e", "production")
VAULT_WEB = ("-p", "vault", "-t", "web")


class Versions(KeysTest):
    def versions(self, *level):
        return json.loads(self.ok("versions", "list", *level, "--json").out)

    def test_list_shows_the_deepest_levels_backups_newest_first(self):
        r = self.ok("versions", "list", *VAULT_WEB)
        lines = r.out.decode().splitlines()
        self.assertRegex(lines[0], r"^ID +VERSION +KEY VERSION +UPDATED +SAVED$")
        self.assertEqual([line.split()[1:3] for line in lines[1:]], [["2", "1"], ["1", "1"]])
        listed = self.versions(*VAULT_WEB)
        self.assertEqual([v["version"] for v in listed], [2, 1])
        self.assertEqual({v["target"] for v in listed}, {"web"})
        self.assertEqual([v["version"] for v in self.versions("-p", "vault")], [1])
        self.assertEqual(len(self.versions(*VAULT_WEB, "--limit", "1")), 1)
        self.assert_no_secret(r)

    def test_show_gives_metadata_and_with_reveal_the_decrypted_env(self):
        [backup] = self.versions(*PROD)
        r = self.ok("versions", "show", backup["id"])
        self.assertIn(f"id:           {backup['id']}\n".encode(), r.out)
        self.assertIn(b"environment:  production\n", r.out)
        self.assert_no_secret(r)
        shown = json.loads(self.ok("versions", "show", backup["id"], "--json").out)
        self.assertNotIn("blob", shown)
        self.assertEqual(shown, backup)
        self.assertEqual(self.ok("versions", "show", backup["id"], "--reveal").out, b"C=environment-s3cr3t-old\n")
        self.assertEqual(self.cloud("versions", "show", backup["id"], "--reveal", "--json").code, 64)

    def test_show_reveal_of_a_client_managed_backup_needs_its_key(self):
        backup = self.versions(*VAULT_WEB)[0]
        self.assertEqual(self.ok("versions", "show", backup["id"], "--reveal", "--key-file", self.old_key).out,
                         b"W=web-s3cr3t-2\n")
        self.assertEqual(self.cloud("versions", "show", backup["id"], "--reveal").code, 78)
        wrong = self.file("wrong.key", WRONG_CLIENT_KEY + "\n")
        r = self.cloud("versions", "show", backup["id"], "--reveal", "--key-file", wrong)
        self.assertEqual(r.code, 65)
        self.assertEqual(r.err.decode(), f"dotenv-cloud: error: the key from --key-file {wrong} is none of the key "
                                         "versions of project vault\n")

    def test_diff_names_added_removed_and_changed_and_values_only_with_reveal(self):
        proof = self.data("/vault/key")["key_proof"]["proof"]
        self.put_level("vault", OLD, 1, "P=prod-s3cr3t-new\nQ='quoted s3cr3t'\nN=new-s3cr3t\n", target="web",
                       environment="production", proof=proof)
        newest, oldest = self.versions(*VAULT_WEB, "-e", "production")
        r = self.ok("versions", "diff", oldest["id"], "--key-file", self.old_key)
        self.assertEqual(r.out.decode(), f"--- backup {oldest['id']} (version 1) of environment production of vault/web\n"
                                         "+++ the current environment production of vault/web\n"
                                         "+ Q\n+ N\n".replace("+ Q\n", "~ P\n+ Q\n"))
        self.assert_no_secret(r)
        between = json.loads(self.ok("versions", "diff", oldest["id"], newest["id"], "--json",
                                     "--key-file", self.old_key).out)
        self.assertEqual(between, {"added": ["Q"], "removed": [], "changed": ["P"]})
        revealed = self.ok("versions", "diff", newest["id"], "--reveal", "--key-file", self.old_key).out.decode()
        self.assertIn('~ P="prod-s3cr3t" -> "prod-s3cr3t-new"\n', revealed)
        self.assertIn('+ N="new-s3cr3t"\n', revealed)

    def test_restore_makes_a_backup_current_as_a_new_write(self):
        [backup] = self.versions(*PROD)
        r = self.ok("versions", "restore", backup["id"])
        self.assertEqual(r.out.decode(), f"restored backup {backup['id']} (version 1) of environment production of "
                                         "api/web: environment production of api/web is now at version 3\n")
        r, child = self.launch_child()
        self.assertEqual(child["env"]["C"], "environment-s3cr3t-old")
        self.assertEqual([v["version"] for v in self.versions(*PROD)], [2, 1])  # the replaced blob was saved

    def test_restore_sends_the_version_it_read(self):
        [backup] = self.versions(*PROD)
        self.reset()
        self.ok("versions", "restore", backup["id"])
        [post] = [e for e in self.log()["data"] if e["method"] == "POST"]
        self.assertEqual(post["path"], f"/api/v1/{ORG}/secrets/versions/{backup['id']}/restore")

    def test_a_restore_whose_answer_is_lost_is_settled_by_reading_the_level(self):
        [backup] = self.versions(*PROD)
        self.control("POST", "script", {"path": f"/api/v1/{ORG}/secrets/versions/{backup['id']}/restore",
                                        "method": "POST", "responses": [{"action": "reset"}]})
        r = self.ok("versions", "restore", backup["id"])
        self.assertTrue(r.out.endswith(b"is now at version 3\n"), r.out)
        self.assertEqual(self.data("/api/web/production/secrets")["version"], 3)  # applied once, not twice

    def test_delete_and_purge_need_yes_off_a_terminal(self):
        [backup] = self.versions(*PROD)
        refused = self.cloud("versions", "delete", backup["id"])
        self.assertEqual(refused.code, 64)
        self.assertEqual(len(self.versions(*PROD)), 1)
        self.assertEqual(self.ok("versions", "delete", backup["id"], "--yes").out.decode(),
                         f"deleted backup version {backup['id']}\n")
        self.assertEqual(self.versions(*PROD), [])
        self.assertEqual(self.cloud("versions", "purge", *VAULT_WEB).code, 64)
        self.assertEqual(len(self.versions(*VAULT_WEB)), 2)
        self.ok("versions", "purge", *VAULT_WEB, "--yes")
        self.assertEqual(self.versions(*VAULT_WEB), [])
        self.assertEqual(len(self.versions("-p", "vault")), 1)  # other levels keep theirs

    def test_an_unknown_or_malformed_id_is_refused(self):
        r = self.cloud("versions", "show", "01ABCDEFGHJKMNPQRSTVWXYZ00")
        self.assertEqual(r.code, 78, r.err)
        self.assertIn(b"404", r.err)
        self.assertEqual(self.cloud("versions", "show", "../../key").code, 64)


if __name__ == "__main__":
    kf.main()
