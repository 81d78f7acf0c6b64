#!/usr/bin/python3
"""End-to-end tests of the launcher over real TLS against the local server (tests/server/), one per FAULTS.md row
that can run here.

Usage: test_cloud.py PATH_TO_DOTENV_RUN
"""
import concurrent.futures
import email.utils
import json
import os
import pwd
import resource
import shutil
import socket
import subprocess
import threading
import time
import unittest

import cloud_fixture as fx
from cloud_fixture import CloudTest, ORG, TOKENS, CLIENT_KEY, WRONG_CLIENT_KEY, INVALID_TOKEN

LEVELS = ("-p", "api", "-t", "web", "-e", "production")
BILLING = ("-p", "billing", "-t", "web")


class Resolve(CloudTest):
    """Successful launches: levels, keys, where settings come from, what the child gets."""

    def test_levels_merge_deepest_first_and_expand_across_levels(self):
        r, child = self.launch_child()
        env = child["env"]
        self.assertEqual(env["A"], "project-s3cr3t-a")
        self.assertEqual(env["B"], "target-s3cr3t-b")
        self.assertEqual(env["C"], "environment-s3cr3t-c")
        self.assertEqual(env["URL"], "postgres://db-s3cr3t:5432/app")
        self.assert_clean(r)
        self.assertEqual(r.err, b"")
        [request] = self.resolves()
        self.assertEqual(request["query"], "project=api&target=web&environment=production&merge=1&include=key")
        self.assertTrue(request["authorization"])

    def test_a_target_without_a_blob_adds_nothing(self):
        r = self.launch(("-p", "api", "-t", "bare", "--check"), command=())
        self.assertEqual(r.code, 0, r.err)
        self.assertEqual(r.out.decode(), "level project api: 3 variables (version 1)\n"
                                         "level target bare: 0 variables (no secrets)\n"
                                         "merged: 3 variables; passed to the command: 3\n")

    def test_check_prints_counts_per_level_and_no_values(self):
        r = self.launch(LEVELS + ("--check",), command=())
        self.assertEqual(r.code, 0, r.err)
        self.assertEqual(r.out.decode(), "level project api: 3 variables (version 1)\n"
                                         "level target web: 3 variables (version 1)\n"
                                         "level environment production: 2 variables (version 1)\n"
                                         "merged: 6 variables; passed to the command: 6\n")
        self.assert_clean(r)
        self.assertFalse(os.path.exists(self.marker))

    def test_the_child_has_the_launchers_pid_no_launcher_secrets_and_only_fds_0_1_2(self):
        env = self.env(DOTENV_CLOUD_KEY=CLIENT_KEY, KEEP_ME="1")
        r, child = self.launch_child(env=env)
        self.assertEqual(child["pid"], r.pid)
        for name in ("DOTENV_CLOUD_TOKEN", "DOTENV_CLOUD_TOKEN_FILE", "DOTENV_CLOUD_KEY", "DOTENV_CLOUD_KEY_FILE"):
            self.assertNotIn(name, child["env"])
        self.assertEqual(child["env"]["KEEP_ME"], "1")
        # 3 is the directory the listing itself opened.
        self.assertEqual(child["fds"], [0, 1, 2, 3])

    def test_a_client_managed_key_from_a_key_file(self):
        key_file = self.file("key", CLIENT_KEY + "\n")
        r, child = self.launch_child(BILLING, env=self.env(DOTENV_CLOUD_KEY_FILE=key_file))
        self.assertEqual(child["env"]["INVOICE"], "client-s3cr3t-invoice")
        self.assertEqual(child["env"]["MODE"], "client-s3cr3t-mode")
        self.assert_clean(r)

    def test_a_client_managed_key_from_the_environment(self):
        r, child = self.launch_child(BILLING, env=self.env(DOTENV_CLOUD_KEY=CLIENT_KEY))
        self.assertEqual(child["env"]["MODE"], "client-s3cr3t-mode")
        self.assertNotIn("DOTENV_CLOUD_KEY", child["env"])

    def test_token_and_key_from_systemd_credentials(self):
        credentials = os.path.join(self.dir, "credentials")
        os.mkdir(credentials, 0o700)
        for name, value in (("dotenv-cloud-key", CLIENT_KEY), ("dotenv-cloud-token", TOKENS["full"])):
            with open(os.path.join(credentials, name), "w") as f:
                f.write(value + "\n")
            os.chmod(os.path.join(credentials, name), 0o400)
        env = self.env(DOTENV_CLOUD_TOKEN_FILE=None, CREDENTIALS_DIRECTORY=credentials)
        r, child = self.launch_child(BILLING, env=env)
        self.assertEqual(child["env"]["INVOICE"], "client-s3cr3t-invoice")
        v = self.launch(BILLING + ("--check", "-v"), command=(), env=env)
        self.assertEqual(v.code, 0, v.err)
        self.assertIn(f"dotenv-run: token from systemd credential {credentials}/dotenv-cloud-token\n".encode(), v.err)
        self.assertIn(f"dotenv-run: project key from systemd credential {credentials}/dotenv-cloud-key\n".encode(),
                      v.err)
        self.assert_clean(v)

    def test_a_wrong_client_key_is_caught_by_the_proof_in_one_request(self):
        key_file = self.file("key", WRONG_CLIENT_KEY + "\n")
        r = self.launch(BILLING, env=self.env(DOTENV_CLOUD_KEY_FILE=key_file))
        self.assert_refused(r, 65, f"the project key from DOTENV_CLOUD_KEY_FILE={key_file} does not match project "
                                   "billing")
        self.assertEqual(len(self.resolves()), 1)

    def test_a_client_managed_project_without_a_key_is_a_configuration_error(self):
        r = self.launch(BILLING)
        self.assert_refused(r, 78, "project billing is client-managed: give its key with DOTENV_CLOUD_KEY_FILE, "
                                   "DOTENV_CLOUD_KEY, --key-file or a systemd credential dotenv-cloud-key")

    def test_a_token_file_ending_in_crlf_works(self):
        token = self.file("token-crlf", TOKENS["full"] + "\r\n")
        r = self.launch(env=self.env(DOTENV_CLOUD_TOKEN_FILE=token))
        self.assertEqual(r.code, 0, r.err)
        self.assertTrue(os.path.exists(self.marker))

    def test_token_and_key_files_open_to_others_symlinked_or_empty_are_refused_before_any_request(self):
        open_token = self.file("token-0644", TOKENS["full"] + "\n", 0o644)
        link = self.path("token-link")
        os.symlink(self.token_file, link)
        empty = self.file("token-empty", "")
        cases = [
            (open_token, "group or others have access (mode 0644); run chmod 600"),
            (link, "is a symbolic link; name the file itself"),
            (empty, "is empty"),
        ]
        for path, why in cases:
            with self.subTest(path=path):
                r = self.launch(env=self.env(DOTENV_CLOUD_TOKEN_FILE=path))
                self.assert_refused(r, 78, f"API token file {path}: {why}")
        open_key = self.file("key-0644", CLIENT_KEY + "\n", 0o644)
        r = self.launch(BILLING, env=self.env(DOTENV_CLOUD_KEY_FILE=open_key))
        self.assert_refused(r, 78, f"project key file {open_key}: group or others have access (mode 0644); "
                                   "run chmod 600")
        self.assertEqual(self.resolves(), [])

    def test_sslkeylogfile_gets_no_tls_secrets(self):
        keylog = self.path("keys.log")
        r = self.launch(env=self.env(SSLKEYLOGFILE=keylog))
        self.assertEqual(r.code, 0, r.err)
        self.assertTrue(os.path.exists(self.marker))
        self.assertFalse(os.path.exists(keylog), "the launcher created the key log file")


if __name__ == "__main__":
    fx.main()
