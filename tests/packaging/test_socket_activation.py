#!/usr/bin/python3
# Socket activation (LISTEN_FDS) through the launcher: the listening socket on fd 3 and LISTEN_PID reach the program.
"""Usage: test_socket_activation.py BINARY

Plays systemd: passes a listening TCP socket as fd 3 with LISTEN_FDS=1 and
LISTEN_PID set to the pid of the process that execs the launcher, whose source is
a local --env-file (no network). The program, a Python script, checks that
LISTEN_PID is its own pid (the launcher exec'd it, no fork), that fd 3 is the
listening socket and that no other fd leaked, then accepts one connection and
answers with its pid and a variable from the env file.
"""
import os
import socket
import subprocess
import sys
import tempfile

CHILD = r'''
import os, socket, sys

problems = []
if os.environ.get("LISTEN_PID") != str(os.getpid()):
    problems.append(f"LISTEN_PID is {os.environ.get('LISTEN_PID')!r}, the pid is {os.getpid()}")
if os.environ.get("LISTEN_FDS") != "1":
    problems.append(f"LISTEN_FDS is {os.environ.get('LISTEN_FDS')!r}")
open_fds = []
for fd in range(256):
    try:
        os.fstat(fd)
        open_fds.append(fd)
    except OSError:
        pass
if open_fds != [0, 1, 2, 3]:
    problems.append(f"open fds are {open_fds}, expected [0, 1, 2, 3]")
listener = socket.socket(fileno=3)
if listener.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) != 1:
    problems.append("fd 3 is not a listening socket")
if listener.getsockname()[1] != int(sys.argv[1]):
    problems.append(f"fd 3 listens on port {listener.getsockname()[1]}, not {sys.argv[1]}")
if problems:
    sys.exit("child: " + "; ".join(problems))
listener.settimeout(30)
connection, _ = listener.accept()
connection.sendall(f"pid={os.getpid()} greeting={os.environ.get('GREETING')}\n".encode())
connection.close()
'''


def main(binary):
    with tempfile.TemporaryDirectory() as tmp:
        env_file = os.path.join(tmp, "app.env")
        with open(env_file, "w") as f:
            f.write("GREETING='hello from the env file'\n")
        child = os.path.join(tmp, "child.py")
        with open(child, "w") as f:
            f.write(CHILD)

        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        if listener.fileno() != 3:
            os.dup2(listener.fileno(), 3)  # systemd always starts at fd 3 (SD_LISTEN_FDS_START)

        # The launcher's environment: this one without any dotEnv Cloud setting, so the env file is the only source.
        for name in list(os.environ):
            if name.startswith(("DOTENV_CLOUD_", "LISTEN_")) or name in ("CREDENTIALS_DIRECTORY", "XDG_CONFIG_HOME"):
                del os.environ[name]
        os.environ["HOME"] = tmp
        os.environ["LISTEN_FDS"] = "1"

        def as_systemd():
            # In the forked child, before exec: env=None below makes exec use this environment.
            os.environ["LISTEN_PID"] = str(os.getpid())

        launcher = subprocess.Popen([binary, "--env-file", env_file, "--", sys.executable, child, str(port)],
                                    cwd=tmp, pass_fds=(3,), preexec_fn=as_systemd, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
        # Only the launcher holds the socket now: if it dies before accepting, connecting fails at once.
        if listener.fileno() != 3:
            os.close(3)
        listener.close()
        answer = b""
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
                while chunk := connection.recv(4096):
                    answer += chunk
        except OSError as e:
            answer = f"(no answer: {e})".encode()
        try:
            out, err = launcher.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            launcher.kill()
            out, err = launcher.communicate()
        expected = f"pid={launcher.pid} greeting=hello from the env file\n"
        if launcher.returncode != 0 or answer.decode() != expected:
            print(f"FAIL: exit {launcher.returncode}; answer {answer!r}, expected {expected!r}\n"
                  f"stdout: {out}\nstderr: {err}")
            return 1
        print(f"the program answered on the activated socket as pid {launcher.pid}: {answer.decode().strip()}")
        return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
