#!/usr/bin/python3
"""dotenv-cloud secrets get|set|import|unset|edit|clear over real TLS against the local server: the level read
and re-encrypted by the real binary, checked here with a separate implementation (PyNaCl), and read back by
dotenv-run. argv: DOTENV_CLOUD DOTENV_RUN [unittest args]."""
import base64
import json
import os
import random
import select
import signal
import subprocess
import sys
import tempfile
import termios
import time
import unittest

import cloud_fixture
from cloud_fixture import CLIENT_KEY, MARK, ORG, TOKENS, WRONG_CLIENT_KEY, CloudTest, Result, wait_until

CLOUD = None  # dotenv-cloud, from argv[1]
ENV_LEVEL = ("-p", "api", "-t", "web", "-e", "production")
PUT = f"/api/v1/{ORG}/secrets"
CONFLICT = {"message": "The level is at version 99, not 1.", "error": "version_conflict"}


def open_bytes(key, org_id, level_id, blob):
    """docs/api.md section 8, opened here with PyNaCl (bytes, so values that are not UTF-8 can be compared)."""
    from nacl import bindings
    _, version, encoded = blob.split(":")
    raw = base64.b64decode(encoded, validate=True)
    padded = bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(
        raw[24:], f"dcv1:{version}:{org_id}:{level_id}".encode(), raw[:24], key)
    return padded[:padded.rstrip(b"\0").rfind(b"\x80")]


def env_quoted(value):
    """A double-quoted .env value (docs/dotenv-format.md): the six escapes where needed, every other byte as is."""
    out = bytearray(b'"')
    for b in value:
        out += {0x5C: b"\\\\", 0x22: b'\\"', 0x24: b"\\$", 0x0A: b"\\n", 0x0D: b"\\r"}.get(b, bytes([b]))
    return bytes(out + b'"')


def random_value(rng):
    """Bytes a value must survive: $, quotes, backslashes, #, line breaks, edge spaces, bytes that are not UTF-8."""
    special = [b"$", b"${A}", b"$$", b"'", b'"', b"`", b"\\", b"\\\\", b"#", b" #", b"\n", b"\r\n", b"\r", b"\t",
               b" ", b"  ", b"=", b"\xff", b"\xc3", b"\xc3\xa9", b"\xef\xbb\xbf", b"\x80"]
    parts = []
    for _ in range(rng.randrange(0, 12)):
        parts.append(rng.choice(special) if rng.random() < 0.5 else bytes([rng.randrange(1, 256)]))
    value = b"".join(parts)
    if rng.random() < 0.2:
        value = b" " + value + b" "
    return value


class SecretsTest(CloudTest):
    # Many short commands in a row: the organization's default 100 requests a minute would throttle them.
    SERVER_ARGS = ("--rate-limit", "100000")

    def cloud(self, *args, stdin=b"", env=None, timeout=60):
        started = time.monotonic()
        proc = subprocess.run([CLOUD, *args], input=stdin, env=self.env() if env is None else env,
                              capture_output=True, cwd=self.dir, timeout=timeout)
        return Result(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started, None)

    def ok(self, *args, **kw):
        r = self.cloud(*args, **kw)
        self.assertEqual(r.code, 0, r.err)
        return r

    def key_env(self, key=CLIENT_KEY, **extra):
        return self.env(DOTENV_CLOUD_KEY_FILE=self.file("client.key", key + "\n"), **extra)

    def level(self, project="api", target="web", environment="production"):
        path = "/".join(p for p in (project, target, environment) if p)
        return self.server.request("GET", f"/api/v1/{ORG}/{path}/secrets", token=TOKENS["full"]).json["data"]

    def level_text(self, project="api", target="web", environment="production", key=None):
        """The level's plaintext, opened here (not by the binary under test)."""
        level = self.level(project, target, environment)
        if level["blob"] is None:
            return None
        if key is None:
            key = self.server.request("GET", f"/api/v1/{ORG}/{project}/key", token=TOKENS["full"]).json["data"]["key"]
        return open_bytes(base64.b64decode(key), ORG, level["id"], level["blob"])

    def writes(self):
        return [e for e in self.log()["data"] if e["method"] in ("PUT", "DELETE") and e["path"] == PUT]

    def assert_no_value(self, r, *values):
        for value in (MARK.encode(), *values):
            self.assertNotIn(value, r.out + r.err)

    def assert_failed(self, r, code, pattern):
        self.assertEqual(r.code, code, r.err)
        self.assertEqual(r.out, b"")
        self.assertRegex(r.err.decode(), r"\Adotenv-cloud: error: " + pattern)
        self.assertEqual(len(r.lines), 1, r.err)
        self.assert_no_value(r)


class Get(SecretsTest):
    def test_prints_the_level_as_env_json_and_shell_with_references_as_written(self):
        expected = {"C": "environment-s3cr3t-c", "URL": "postgres://${HOST}:${PORT}/app"}
        self.assertEqual(json.loads(self.ok(*ENV_LEVEL, "secrets", "get", "--format", "json").out), expected)
        self.assertEqual(json.loads(self.ok("secrets", "get", "--json", *ENV_LEVEL).out), expected)
        self.assertEqual(self.ok(*ENV_LEVEL, "secrets", "get").out,
                         b'C="environment-s3cr3t-c"\nURL="postgres://\\${HOST}:\\${PORT}/app"\n')
        shell = self.ok(*ENV_LEVEL, "secrets", "get", "--format", "shell").out.decode()
        printed = subprocess.run(["sh", "-c", shell + '\nprintf %s "$URL"'], capture_output=True).stdout
        self.assertEqual(printed, b"postgres://${HOST}:${PORT}/app")

    def test_each_level_alone_the_deepest_named(self):
        self.assertEqual(json.loads(self.ok("-p", "api", "secrets", "get", "--json").out),
                         {"A": "project-s3cr3t-a", "B": "project-s3cr3t-b", "HOST": "db-s3cr3t"})
        self.assertEqual(json.loads(self.ok("-p", "api", "-t", "web", "secrets", "get", "--json").out),
                         {"B": "target-s3cr3t-b", "C": "target-s3cr3t-c", "PORT": "5432"})
        self.assertEqual(self.ok("-p", "api", "-t", "bare", "secrets", "get").out, b"")

    def test_one_name_is_its_raw_value_without_newline(self):
        self.assertEqual(self.ok(*ENV_LEVEL, "secrets", "get", "C").out, b"environment-s3cr3t-c")

    def test_a_name_the_level_does_not_set_is_65_naming_it(self):
        r = self.cloud(*ENV_LEVEL, "secrets", "get", "NOPE")
        self.assert_failed(r, 65, r"NOPE is not set in environment production of api/web\n\Z")

    def test_format_and_json_that_disagree_are_a_usage_error(self):
        r = self.cloud(*ENV_LEVEL, "secrets", "get", "--json", "--format", "env")
        self.assert_failed(r, 64, r"--json and --format env disagree")
        self.assert_failed(self.cloud(*ENV_LEVEL, "secrets", "get", "--format", "yaml"), 64,
                           r"--format takes env, json or shell, not 'yaml'")


class Set(SecretsTest):
    def test_value_from_stdin_one_newline_trimmed_other_lines_byte_for_byte(self):
        before = self.level_text()
        r = self.ok(*ENV_LEVEL, "secrets", "set", "NEW", stdin=b"new-s3cr3t value\n\n")
        self.assertEqual(r.out, b"set NEW in environment production of api/web (version 2)\n")
        self.assert_no_value(r, b"new-s3cr3t")
        after = self.level_text()
        self.assertTrue(after.startswith(before), after)
        self.assertEqual(self.ok(*ENV_LEVEL, "secrets", "get", "NEW").out, b"new-s3cr3t value\n")

    def test_replacing_a_value_changes_only_its_line(self):
        self.ok(*ENV_LEVEL, "secrets", "set", "C", stdin=b"changed")
        self.assertEqual(self.level_text(), b"C=changed\nURL=postgres://${HOST}:${PORT}/app\n")

    def test_the_same_value_again_sends_nothing(self):
        self.reset()
        r = self.ok(*ENV_LEVEL, "secrets", "set", "C", stdin=b"environment-s3cr3t-c")
        self.assertIn(b"already has that value; nothing was sent", r.out)
        self.assertEqual(self.writes(), [])

    def test_name_equals_value_is_a_usage_error_naming_stdin_and_sends_nothing(self):
        self.reset()
        r = self.cloud(*ENV_LEVEL, "secrets", "set", f"PASSWORD={MARK}")
        self.assert_failed(r, 64, r"secrets set takes a NAME only: .*stdin")
        self.assertEqual(self.log()["data"], [])

    def test_an_invalid_name_is_a_usage_error(self):
        self.assert_failed(self.cloud(*ENV_LEVEL, "secrets", "set", "1ABC"), 64, r"invalid variable name '1ABC'")

    def test_an_empty_level_gets_its_first_blob(self):
        self.ok("-p", "api", "-t", "bare", "secrets", "set", "FIRST", stdin=b"one")
        self.assertEqual(self.level_text("api", "bare", None), b"FIRST=one\n")
        self.assertEqual(self.level("api", "bare", None)["version"], 1)

    def test_verbose_names_sources_never_the_value_or_token(self):
        r = self.ok("-v", *ENV_LEVEL, "secrets", "set", "V", stdin=b"verbose-s3cr3t")
        self.assertIn(b"token from", r.err)
        self.assert_no_value(r, b"verbose-s3cr3t", TOKENS["full"].encode())


class Import(SecretsTest):
    def test_merge_sets_the_files_names_and_keeps_the_others(self):
        path = self.file("in.env", "# a comment\nC=imported\nNEW='x y'\nREF=${NEW}-z\n")
        r = self.ok(*ENV_LEVEL, "secrets", "import", path)
        self.assertRegex(r.out.decode(), r"\Aimported file .*in\.env into environment production of api/web: "
                                         r"2 added, 1 updated \(version 2\)\n\Z")
        self.assertEqual(json.loads(self.ok(*ENV_LEVEL, "secrets", "get", "--json").out),
                         {"C": "imported", "URL": "postgres://${HOST}:${PORT}/app", "NEW": "x y", "REF": "x y-z"})

    def test_replace_makes_the_file_the_whole_level(self):
        self.ok(*ENV_LEVEL, "secrets", "import", "--replace", "-", stdin=b"ONLY=1\n")
        self.assertEqual(json.loads(self.ok(*ENV_LEVEL, "secrets", "get", "--json").out), {"ONLY": "1"})

    def test_a_file_that_does_not_parse_is_refused_before_any_request(self):
        self.reset()
        path = self.file("bad.env", 'A=1\nB="open\n')
        r = self.cloud(*ENV_LEVEL, "secrets", "import", path)
        self.assert_failed(r, 65, r"file .*bad\.env: line 2: B: unterminated double quote\n\Z")
        self.assertEqual(self.log()["data"], [])


class Unset(SecretsTest):
    def test_removes_names_and_reports_the_missing_ones_with_exit_0(self):
        r = self.ok(*ENV_LEVEL, "secrets", "unset", "C", "NOPE")
        self.assertEqual(r.out, b"unset C in environment production of api/web (version 2)\n")
        self.assertEqual(r.err, b"dotenv-cloud: NOPE is not set in environment production of api/web\n")
        self.assertEqual(self.level_text(), b"URL=postgres://${HOST}:${PORT}/app\n")

    def test_an_invalid_name_is_a_usage_error_and_nothing_is_read(self):
        self.reset()
        self.assert_failed(self.cloud(*ENV_LEVEL, "secrets", "unset", "C", "A=B"), 64, r"invalid variable name 'A=B'")
        self.assertEqual(self.log()["data"], [])

    def test_only_missing_names_send_nothing(self):
        self.reset()
        r = self.ok(*ENV_LEVEL, "secrets", "unset", "NOPE")
        self.assertIn(b"nothing was sent", r.out)
        self.assertEqual(self.writes(), [])


class Clear(SecretsTest):
    def test_off_a_terminal_it_needs_yes_and_sends_nothing_without(self):
        self.reset()
        r = self.cloud(*ENV_LEVEL, "secrets", "clear")
        self.assert_failed(r, 64, r"clearing environment production of api/web needs --yes")
        self.assertEqual(self.log()["data"], [])
        self.assertIsNotNone(self.level()["blob"])

    def test_with_yes_the_blob_is_cleared_and_kept_as_a_backup(self):
        r = self.ok(*ENV_LEVEL, "secrets", "clear", "--yes")
        self.assertEqual(r.out, b"cleared environment production of api/web (its last text is kept as a backup "
                                b"version)\n")
        self.assertIsNone(self.level()["blob"])
        versions = self.server.request("GET", f"/api/v1/{ORG}/secrets/versions?project=api&target=web&"
                                       "environment=production", token=TOKENS["full"]).json["data"]
        self.assertEqual(len(versions), 1)
        self.assertIn(b"holds no secrets", self.ok(*ENV_LEVEL, "secrets", "clear", "--yes").out)


class ClientManaged(SecretsTest):
    def test_set_and_get_with_the_key_file_send_the_proof(self):
        self.reset()
        r = self.ok("-p", "billing", "secrets", "set", "NEW", stdin=b"client-value", env=self.key_env())
        self.assert_no_value(r, b"client-value", CLIENT_KEY.encode())
        self.assertEqual(self.level_text("billing", None, None, key=CLIENT_KEY),
                         b"INVOICE=client-s3cr3t-invoice\nNEW=client-value\n")
        self.assertEqual(self.ok("-p", "billing", "secrets", "get", "NEW", env=self.key_env()).out, b"client-value")

    def test_a_wrong_key_is_refused_before_anything_is_opened_or_sent(self):
        self.reset()
        r = self.cloud("-p", "billing", "secrets", "set", "NEW", stdin=b"x", env=self.key_env(WRONG_CLIENT_KEY))
        self.assert_failed(r, 65, r"the project key from .*client\.key does not match project billing: nothing was "
                                  r"read or written\n\Z")
        self.assertEqual(self.writes(), [])
        self.assertNotIn(WRONG_CLIENT_KEY.encode(), r.err)

    def test_no_key_is_78_naming_the_ways_to_give_one(self):
        r = self.cloud("-p", "billing", "secrets", "get")
        self.assert_failed(r, 78, r"project billing is client-managed: give its key with --key-file")


class Errors(SecretsTest):
    def test_401_names_where_the_token_came_from(self):
        env = self.env(DOTENV_CLOUD_TOKEN_FILE=self.file("bad-token", cloud_fixture.INVALID_TOKEN))
        r = self.cloud(*ENV_LEVEL, "secrets", "get", env=env)
        self.assert_failed(r, 77, r".*DOTENV_CLOUD_TOKEN_FILE.*401 unauthenticated")

    def test_403_names_the_ability(self):
        token = self.file("noread", TOKENS["noread"])
        r = self.cloud(*ENV_LEVEL, "secrets", "get", env=self.env(DOTENV_CLOUD_TOKEN_FILE=token))
        self.assert_failed(r, 77, r".*403.*secret:read")
        token = self.file("noretrieve", TOKENS["noretrieve"])
        r = self.cloud(*ENV_LEVEL, "secrets", "set", "X", stdin=b"v", env=self.env(DOTENV_CLOUD_TOKEN_FILE=token))
        self.assert_failed(r, 77, r".*403.*key:retrieve")

    def test_404_names_the_level(self):
        r = self.cloud("-p", "api", "-t", "web", "-e", "nope", "secrets", "get")
        self.assert_failed(r, 78, r".*404.*[Ee]nvironment nope")

    def test_422_on_the_write_is_65(self):
        self.script({"status": 422, "body": {"message": "The blob is invalid.", "error": "validation_failed",
                                             "errors": {"blob": ["The blob is invalid."]}}}, path=PUT, method="PUT")
        r = self.cloud(*ENV_LEVEL, "secrets", "set", "X", stdin=b"v")
        self.assert_failed(r, 65, r".*422.*The blob is invalid")


class Conflicts(SecretsTest):
    def test_an_injected_409_is_read_again_and_re_applied(self):
        self.script({"status": 409, "body": CONFLICT}, path=PUT, method="PUT")
        r = self.ok(*ENV_LEVEL, "secrets", "set", "X", stdin=b"after-conflict")
        self.assertRegex(r.err.decode(), r"\Adotenv-cloud: environment production of api/web was changed by someone "
                                         r"else; reading it again in [0-9.]+ s \(attempt 2\)\n\Z")
        self.assertEqual(len(self.writes()), 2)
        self.assertEqual(self.ok(*ENV_LEVEL, "secrets", "get", "X").out, b"after-conflict")

    def test_a_level_that_keeps_conflicting_gives_up_with_75_after_six_writes(self):
        self.script({"status": 409, "body": CONFLICT, "repeat": True}, path=PUT, method="PUT")
        r = self.cloud(*ENV_LEVEL, "secrets", "set", "X", stdin=b"never")
        self.assertEqual(r.code, 75, r.err)
        self.assertRegex(r.lines[-1], r"\Adotenv-cloud: error: environment production of api/web kept changing: the "
                                      r"write conflicted 6 times, nothing was written")
        self.assertEqual(len(self.writes()), 6)
        self.assertEqual(self.level()["version"], 1)

    def test_a_lost_answer_is_settled_by_reading_back_with_one_write(self):
        self.script({"action": "reset", "sent": 0}, path=PUT, method="PUT")
        self.ok(*ENV_LEVEL, "secrets", "set", "X", stdin=b"lost-answer")
        self.assertEqual(len(self.writes()), 1)
        self.assertEqual(self.level()["version"], 2)
        self.assertEqual(self.ok(*ENV_LEVEL, "secrets", "get", "X").out, b"lost-answer")

    def test_parallel_sets_on_one_level_lose_no_update(self):
        procs = [subprocess.Popen([CLOUD, *ENV_LEVEL, "secrets", "set", f"RACE_{i}"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env(), cwd=self.dir)
                 for i in range(8)]
        for i, p in enumerate(procs):
            out, err = p.communicate(f"value-{i}".encode(), timeout=60)
            self.assertEqual(p.returncode, 0, err)
        got = json.loads(self.ok(*ENV_LEVEL, "secrets", "get", "--json").out)
        for i in range(8):
            self.assertEqual(got.get(f"RACE_{i}"), f"value-{i}")
        self.assertEqual(got["C"], "environment-s3cr3t-c")
        self.assertEqual(self.level()["version"], 9)


class Edit(SecretsTest):
    """EDITOR is a script that records what it was given (path, modes, file system), then edits the file."""

    def editor(self, action):
        info = self.path("editor.json")
        if os.path.exists(info):
            os.unlink(info)
        script = self.file("editor.py", f"""
import json, os, subprocess, sys, time
path = sys.argv[1]
st, dst = os.stat(path), os.stat(os.path.dirname(path))
fs = subprocess.run(["stat", "-f", "-c", "%T", path], capture_output=True, text=True).stdout.strip()
json.dump({{"path": path, "mode": st.st_mode & 0o7777, "dir_mode": dst.st_mode & 0o7777, "fs": fs,
           "uid": st.st_uid, "pid": os.getpid(), "text": open(path, "rb").read().decode("latin-1"),
           "env": dict(os.environ)}},
          open({info!r} + ".tmp", "w"))
os.rename({info!r} + ".tmp", {info!r})
{action}
""", mode=0o700)
        return f"{cloud_fixture.PY} {script}", info

    def edit(self, action, **env):
        command, info = self.editor(action)
        r = self.cloud(*ENV_LEVEL, "secrets", "edit", env=self.env(EDITOR=command, **env))
        with open(info) as f:
            return r, json.load(f)

    def assert_private_ram_file_removed(self, seen, parent="/dev/shm"):
        self.assertEqual(os.path.dirname(os.path.dirname(seen["path"])), parent)
        self.assertEqual(seen["fs"], "tmpfs")
        self.assertEqual((seen["mode"], seen["dir_mode"], seen["uid"]), (0o600, 0o700, os.geteuid()))
        self.assertFalse(os.path.exists(os.path.dirname(seen["path"])), seen["path"])

    def test_the_edited_file_is_written_back_from_a_private_ram_file_that_is_removed(self):
        r, seen = self.edit("open(path, 'a').write('EDITED=yes\\n')")
        self.assertEqual(r.code, 0, r.err)
        self.assertEqual(seen["text"], "C=environment-s3cr3t-c\nURL=postgres://${HOST}:${PORT}/app\n")
        self.assert_private_ram_file_removed(seen)
        self.assertEqual(self.level_text(),
                         b"C=environment-s3cr3t-c\nURL=postgres://${HOST}:${PORT}/app\nEDITED=yes\n")
        self.assert_no_value(r)

    def test_xdg_runtime_dir_is_used_when_it_is_tmpfs_and_passed_over_when_it_is_not(self):
        with tempfile.TemporaryDirectory(dir="/dev/shm") as ram:
            r, seen = self.edit("pass", XDG_RUNTIME_DIR=ram)
            self.assertEqual(r.code, 0, r.err)
            self.assert_private_ram_file_removed(seen, parent=ram)
        self.assertNotEqual(subprocess.run(["stat", "-f", "-c", "%T", self.dir], capture_output=True,
                                                         text=True).stdout.strip(), "tmpfs")
        r, seen = self.edit("pass", XDG_RUNTIME_DIR=self.dir)  # on disk: /dev/shm instead
        self.assertEqual(r.code, 0, r.err)
        self.assert_private_ram_file_removed(seen)

    def test_no_ram_file_system_is_a_clear_refusal_before_any_request(self):
        probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount --bind / /dev/shm"], capture_output=True)
        if probe.returncode != 0:
            self.skipTest("needs a mount namespace (unshare -m) to hide /dev/shm: " + probe.stderr.decode().strip())
        self.reset()
        command, info = self.editor("pass")
        script = f'mount --bind "{self.dir}" /dev/shm && exec "$0" "$@"'
        proc = subprocess.run(["unshare", "-m", "sh", "-c", script, CLOUD, *ENV_LEVEL, "secrets", "edit"],
                              env=self.env(EDITOR=command, XDG_RUNTIME_DIR=self.dir), capture_output=True)
        r = Result(proc.returncode, proc.stdout, proc.stderr, 0, None)
        self.assert_failed(r, 78, r"no RAM file system for the decrypted file: .* refusing to write secrets to a disk")
        self.assertFalse(os.path.exists(info))
        self.assertEqual(self.log()["data"], [])

    def test_the_editor_is_not_given_the_token_or_the_key_variables(self):
        secret = {"DOTENV_CLOUD_TOKEN": cloud_fixture.TOKENS["full"], "DOTENV_CLOUD_TOKEN_FILE": self.token_file,
                  "DOTENV_CLOUD_KEY": CLIENT_KEY}
        r, seen = self.edit("pass", **secret)
        self.assertEqual(r.code, 0, r.err)
        self.assertEqual(sorted(set(secret) & set(seen["env"])), [])
        self.assertEqual(seen["env"].get("DOTENV_CLOUD_ORG"), cloud_fixture.ORG)

    def test_an_unchanged_file_sends_nothing(self):
        self.reset()
        r, seen = self.edit("pass")
        self.assertEqual(r.code, 0, r.err)
        self.assertIn(b"is unchanged; nothing was sent", r.out)
        self.assertEqual(self.writes(), [])

    def test_an_invalid_file_off_a_terminal_is_reported_with_its_line_and_never_uploaded(self):
        self.reset()
        r, seen = self.edit("open(path, 'a').write('BROKEN=\"open\\n')")
        self.assert_failed(r, 65, r"the edited file: line 3: BROKEN: unterminated double quote; nothing was sent\n\Z")
        self.assertEqual(self.writes(), [])
        self.assertFalse(os.path.exists(os.path.dirname(seen["path"])))

    def test_a_change_made_meanwhile_by_someone_else_is_not_overwritten(self):
        other = (f"subprocess.run([{CLOUD!r}, *{list(ENV_LEVEL)!r}, 'secrets', 'set', 'OTHER'], input=b'theirs', "
                 f"check=True, capture_output=True, env={{**os.environ, 'DOTENV_CLOUD_TOKEN_FILE': {self.token_file!r}}})\n"
                 "open(path, 'a').write('MINE=ours\\n')")
        r, seen = self.edit(other)
        self.assertEqual(r.code, 75, r.err)
        self.assertIn(b"was changed by someone else while it was being edited; nothing was written", r.err)
        self.assertEqual(json.loads(self.ok(*ENV_LEVEL, "secrets", "get", "--json").out).get("OTHER"), "theirs")
        self.assertNotIn(b"MINE", self.level_text())

    def editing(self):
        """Starts secrets edit with an editor that waits; returns (process, what the editor saw)."""
        command, info = self.editor("open(path, 'a').write('X=1\\n'); time.sleep(60)")
        # A job of its own, as an interactive shell starts it: the signal reaches the editor the shell ran.
        proc = subprocess.Popen([CLOUD, *ENV_LEVEL, "secrets", "edit"], env=self.env(EDITOR=command),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=self.dir, process_group=0)
        self.addCleanup(lambda: proc.poll() is not None or proc.kill())
        self.assertTrue(wait_until(lambda: os.path.exists(info), 20))
        with open(info) as f:
            seen = json.load(f)
        self.assertTrue(os.path.exists(seen["path"]))
        return proc, seen

    def test_sigterm_or_sighup_while_editing_removes_the_file_and_stops_the_editor(self):
        for signal_number in (signal.SIGTERM, signal.SIGHUP):
            with self.subTest(signal=signal_number):
                proc, seen = self.editing()
                proc.send_signal(signal_number)
                proc.communicate(timeout=20)
                self.assertEqual(proc.returncode, -signal_number)
                self.assertFalse(os.path.exists(os.path.dirname(seen["path"])))
                self.assertTrue(wait_until(lambda: not os.path.exists(f"/proc/{seen['pid']}"), 10), "editor lives")
                self.assertEqual(self.writes(), [])

    def test_ctrl_c_goes_to_the_editor_and_the_file_is_removed_with_nothing_sent(self):
        proc, seen = self.editing()
        os.killpg(proc.pid, signal.SIGINT)  # what the terminal does: the whole foreground job
        out, err = proc.communicate(timeout=20)
        self.assertEqual(proc.returncode, 126, err)
        self.assertIn(b"nothing was changed", err.splitlines()[-1])
        self.assertFalse(os.path.exists(os.path.dirname(seen["path"])))
        self.assertEqual(self.writes(), [])

    def test_an_editor_that_is_killed_changes_nothing_and_leaves_no_file(self):
        self.reset()
        r, seen = self.edit("open(path, 'a').write('X=1\\n'); os.kill(os.getpid(), 9)")
        self.assertEqual(r.code, 126, r.err)
        self.assertRegex(r.lines[-1], r"\Adotenv-cloud: error: the editor .* was killed by signal 9; nothing was "
                                      r"changed\Z")
        self.assertFalse(os.path.exists(os.path.dirname(seen["path"])))
        self.assertEqual(self.writes(), [])

    def test_no_editor_is_78(self):
        r = self.cloud(*ENV_LEVEL, "secrets", "edit", env=self.env(EDITOR=None, VISUAL=None))
        self.assert_failed(r, 78, r"no editor: set VISUAL or EDITOR")


class Terminal(SecretsTest):
    """Commands on a terminal (a pty as stdin and stderr): the value prompt without echo, the confirmation, and an
    invalid edit offered again."""

    def terminal(self, args, answers, env=None, at_prompt=None, own_group=False):
        """Runs dotenv-cloud on a pty, answering each prompt (after at_prompt(process, master), if given); returns (exit code,
        stdout, all the terminal showed)."""
        master, slave = os.openpty()
        # own_group: a process group of its own, whose parent (this test) is in another group of the same session,
        # so the kernel lets SIGTSTP stop it (it discards stop signals in an orphaned group, as a CI job's often is).
        proc = subprocess.Popen([CLOUD, *args], stdin=slave, stdout=subprocess.PIPE, stderr=slave,
                                env=self.env() if env is None else env, cwd=self.dir,
                                process_group=0 if own_group else None)
        os.close(slave)
        shown = b""

        def read_some(wait):
            nonlocal shown
            if select.select([master], [], [], wait)[0]:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # the other side is closed
                    return False
                shown += chunk
                return bool(chunk)
            return False

        try:
            for prompt, answer in answers:
                deadline = time.monotonic() + 20
                while prompt not in shown:
                    self.assertLess(time.monotonic(), deadline, f"no prompt {prompt!r} in {shown!r}")
                    read_some(0.2)
                if at_prompt is not None:
                    at_prompt(proc, master)
                os.write(master, answer)
            out = proc.stdout.read()
            proc.wait(timeout=20)
            while read_some(0.2):
                pass
        finally:
            os.close(master)
            proc.stdout.close()
        return proc.returncode, out, shown

    def test_set_asks_twice_without_echo(self):
        code, out, shown = self.terminal((*ENV_LEVEL, "secrets", "set", "PW"),
                                         [(b"Value of PW: ", b"pty-s3cr3t\n"), (b"Value of PW again: ", b"pty-s3cr3t\n")])
        self.assertEqual(code, 0, shown)
        self.assertNotIn(b"pty-s3cr3t", shown + out)
        self.assertEqual(self.ok(*ENV_LEVEL, "secrets", "get", "PW").out, b"pty-s3cr3t")

    def test_a_stop_and_continue_at_the_prompt_keeps_the_echo_off(self):
        def stop_and_continue(proc, master):
            proc.send_signal(signal.SIGTSTP)  # Ctrl-Z
            self.assertTrue(wait_until(lambda: termios.tcgetattr(master)[3] & termios.ECHO, 5), "echo not restored")
            proc.send_signal(signal.SIGCONT)  # fg
            wait_until(lambda: not termios.tcgetattr(master)[3] & termios.ECHO, 5)  # a fixed program turns it off

        code, out, shown = self.terminal((*ENV_LEVEL, "secrets", "set", "PW"),
                                         [(b"Value of PW: ", b"tstp-s3cr3t\n"), (b"again: ", b"tstp-s3cr3t\n")],
                                         at_prompt=stop_and_continue, own_group=True)
        self.assertEqual(code, 0, shown)
        self.assertNotIn(b"tstp-s3cr3t", shown + out)
        self.assertEqual(self.ok(*ENV_LEVEL, "secrets", "get", "PW").out, b"tstp-s3cr3t")

    def typed_on_stdin_only(self, args, typed):
        """Runs dotenv-cloud with a pty as stdin only, types `typed` then Ctrl-D; returns (process, out, err, shown)."""
        master, slave = os.openpty()
        proc = subprocess.Popen([CLOUD, *args], stdin=slave, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=self.env(), cwd=self.dir)
        os.close(slave)
        shown = b""
        try:
            # The program turns the echo off before it reads (the pty's master shows the slave's modes); a
            # program that never does is given 5 s, then typed at anyway (and fails the test).
            wait_until(lambda: not termios.tcgetattr(master)[3] & termios.ECHO, 5)
            os.write(master, typed)
            time.sleep(0.3)
            os.write(master, b"\x04")  # Ctrl-D: the end of the value
            out, err = proc.communicate(timeout=20)
            while select.select([master], [], [], 0.2)[0]:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                shown += chunk
        finally:
            os.close(master)
        return proc, out, err, shown

    def test_a_value_typed_on_a_terminal_is_not_echoed_when_stderr_is_not_one(self):
        proc, out, err, shown = self.typed_on_stdin_only((*ENV_LEVEL, "secrets", "set", "PW"), b"stdin-tty-s3cr3t\n")
        self.assertEqual(proc.returncode, 0, err)
        self.assertNotIn(b"s3cr3t", shown + out + err)
        self.assertEqual(self.ok(*ENV_LEVEL, "secrets", "get", "PW").out, b"stdin-tty-s3cr3t")

    def test_an_import_typed_on_a_terminal_is_not_echoed(self):
        proc, out, err, shown = self.typed_on_stdin_only((*ENV_LEVEL, "secrets", "import", "-"),
                                                         b"TYPED=import-tty-s3cr3t\n")
        self.assertEqual(proc.returncode, 0, err)
        self.assertNotIn(b"s3cr3t", shown + out + err)
        self.assertEqual(self.ok(*ENV_LEVEL, "secrets", "get", "TYPED").out, b"import-tty-s3cr3t")

    def test_two_different_values_change_nothing(self):
        self.reset()
        code, out, shown = self.terminal((*ENV_LEVEL, "secrets", "set", "PW"),
                                         [(b"Value of PW: ", b"one-s3cr3t\n"), (b"again: ", b"two-s3cr3t\n")])
        self.assertEqual(code, 65, shown)
        self.assertIn(b"the two values typed for PW differ; nothing was changed", shown)
        self.assertNotIn(b"s3cr3t", shown)
        self.assertEqual(self.log()["data"], [])

    def test_clear_asks_and_goes_on_with_yes(self):
        code, out, shown = self.terminal((*ENV_LEVEL, "secrets", "clear"), [(b"[y/N] ", b"y\n")])
        self.assertEqual(code, 0, shown)
        self.assertIsNone(self.level()["blob"])

    def test_an_invalid_edit_is_shown_with_its_line_and_offered_again(self):
        script = self.file("editor.py", """
import os, sys
path, runs = sys.argv[1], os.path.join(os.environ["EDIT_STATE"], "runs")
n = int(open(runs).read()) if os.path.exists(runs) else 0
open(runs, "w").write(str(n + 1))
text = open(path).read()
if n == 0:
    open(path, "a").write('BROKEN="open\\n')
else:
    open(path, "w").write(text.replace('BROKEN="open', 'FIXED="closed"'))
""", mode=0o700)
        env = self.env(EDITOR=f"{cloud_fixture.PY} {script}", EDIT_STATE=self.dir)
        code, out, shown = self.terminal((*ENV_LEVEL, "secrets", "edit"), [(b"Edit again? [Y/n] ", b"\n")], env=env)
        self.assertEqual(code, 0, shown)
        self.assertIn(b"the edited file: line 3: BROKEN: unterminated double quote", shown)
        self.assertEqual(self.level_text(),
                         b'C=environment-s3cr3t-c\nURL=postgres://${HOST}:${PORT}/app\nFIXED="closed"\n')


class RandomValues(SecretsTest):
    """300 random values (bytes that are not UTF-8, $, quotes, backslashes, #, line breaks, edge spaces): imported
    in batches from generated files and set one by one for a sample, then read back identical through secrets get
    and through dotenv-run --export --format json. The unit tests run thousands through the same engine."""

    def test_random_values_read_back_identical_through_both_programs(self):
        seed = int(os.environ.get("DOTENV_TEST_SEED", "20240917"))
        rng = random.Random(seed)
        values = {f"R{i}": random_value(rng) for i in range(300)}
        names = list(values)
        for batch in range(3):
            text = b"".join(b"%s=%s\n" % (n.encode(), env_quoted(values[n])) for n in names[batch::3][:90])
            self.ok(*ENV_LEVEL, "secrets", "import", self.file(f"batch{batch}.env", text))
        for name in names[270:]:  # the last 30 one by one, from stdin
            r = self.ok(*ENV_LEVEL, "secrets", "set", name, stdin=values[name] + b"\n")
            self.assert_no_value(r, *(v for v in (values[name],) if len(v) >= 6))

        got = json.loads(self.ok(*ENV_LEVEL, "secrets", "get", "--json").out.decode("utf-8", "surrogateescape"))
        for name in names:
            self.assertEqual(got[name].encode("utf-8", "surrogateescape"), values[name], f"{name} (seed {seed})")
        for name in rng.sample(names, 40):
            self.assertEqual(self.ok(*ENV_LEVEL, "secrets", "get", name).out, values[name], f"{name} (seed {seed})")

        run = subprocess.run([cloud_fixture.BINARY, *ENV_LEVEL, "--export", "--format", "json"], env=self.env(),
                             capture_output=True, cwd=self.dir)
        self.assertEqual(run.returncode, 0, run.stderr)
        exported = json.loads(run.stdout.decode("utf-8", "surrogateescape"))
        for name in names:
            self.assertEqual(exported[name].encode("utf-8", "surrogateescape"), values[name], f"{name} (seed {seed})")


if __name__ == "__main__":
    CLOUD = os.path.abspath(sys.argv.pop(1))
    cloud_fixture.BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main(module="__main__", verbosity=1)
