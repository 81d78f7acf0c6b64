#!/usr/bin/python3
# The project key is not left on the launcher's ordinary stack when it execs the program or exits on an error.
"""Usage: test_stack_wipe.py DOTENV_RUN_BINARY

Found in review (issue 15): about 200 bytes of the resolve answer, a server-managed key in base64
among them, stayed in the unlocked stack at execve and at every error exit (register spills of the
dynamic linker and of library calls, below the frames still in use). The launcher runs here under
ptrace (tests/e2e/stack_scan.py), is stopped at the entry of execve or exit_group, and its whole
stack mapping is searched for the key, in base64 and raw, whole or any 12-byte piece of it.
"""
import base64
import os
import sys
import unittest

import cloud_fixture
from cloud_fixture import ORG, TOKENS, CloudTest
import stack_scan

PIECE = 12  # a piece this long of a random key or of its base64 is not found by chance


def pieces(secret):
    return {secret[i:i + PIECE] for i in range(0, len(secret) - PIECE + 1)}


@unittest.skipIf(stack_scan.supported(), stack_scan.supported())
class StackWipeTest(CloudTest):
    def server_key(self, project="api"):
        key = self.server.request("GET", f"/api/v1/{ORG}/{project}/key", token=TOKENS["full"]).json["data"]["key"]
        return key.encode(), base64.b64decode(key)

    def stop_at(self, syscall, args, command=("/usr/bin/true",)):
        """Runs the launcher until `syscall`; returns (exit status, stderr, the stack at the stop)."""
        with open(self.path("out"), "wb") as out, open(self.path("err"), "wb+") as err:
            code, stop = stack_scan.run_until_syscall(
                [cloud_fixture.BINARY, *args, "--", *command], self.env(), self.dir, {syscall}, out.fileno(),
                err.fileno())
            err.seek(0)
            message = err.read().decode(errors="replace")
        self.assertIsNotNone(stop, f"never reached {syscall} (exit {code}: {message})")
        return code, message, stop

    def assert_key_not_on_stack(self, stop, key_b64, key_raw):
        found = {}
        for name, secret in (("base64 key", key_b64), ("raw key", key_raw)):
            for piece in pieces(secret):
                if at := stop.find(piece):
                    found.setdefault(name, set()).update(at)
        where = {name: sorted(offsets)[:8] for name, offsets in found.items()}
        self.assertFalse(found, f"at {stop.syscall}: pieces of the key on the stack ({len(stop.memory)} bytes "
                                    f"scanned), at these offsets from the stack pointer: {where}")

    def test_the_key_is_not_on_the_stack_at_execve(self):
        key_b64, key_raw = self.server_key()
        code, err, stop = self.stop_at("execve", ("-p", "api", "-t", "web", "-e", "production"))
        self.assertEqual(code, 0, err)
        self.assertGreater(len(stop.memory), 4096)
        self.assert_key_not_on_stack(stop, key_b64, key_raw)

    def test_the_key_is_not_on_the_stack_at_an_error_exit_after_decryption(self):
        key_b64, key_raw = self.server_key()
        self.store_level(b"OK=1\nBROKEN=${\n")
        code, err, stop = self.stop_at("exit_group", ("-p", "api", "-t", "web", "-e", "production"))
        self.assertEqual(code, 65, err)
        self.assertIn("line 2: BROKEN: unterminated ${", err)
        self.assert_key_not_on_stack(stop, key_b64, key_raw)

    def test_the_key_is_not_on_the_stack_when_the_command_is_not_found(self):
        key_b64, key_raw = self.server_key()
        code, err, stop = self.stop_at("exit_group", ("-p", "api", "-t", "web", "-e", "production"),
                                       command=("/nonexistent/program",))
        self.assertEqual(code, 127, err)
        self.assert_key_not_on_stack(stop, key_b64, key_raw)


if __name__ == "__main__":
    cloud_fixture.main()
