#!/usr/bin/python3
# Checks the systemd, Docker and Kubernetes examples against the code: exit codes, credential names, token file rules.
"""Usage: test_examples.py SOURCE_DIR

Docker cannot run here, so the Dockerfile and the Deployment are checked by reading;
the systemd unit also goes through `systemd-analyze verify` when it is available.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:
    sys.exit("FAIL: the Deployment check needs python3-yaml (apt install python3-yaml; scripts/install-deps)")

failures = []


def fail(message):
    failures.append(message)


def unit_settings(text):
    """[Section] -> {key: [values]}, with continuation lines joined as systemd does."""
    text = re.sub(r"\\\n\s*", " ", text)
    settings, section = {}, None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = settings.setdefault(line.strip("[]"), {})
        else:
            key, _, value = line.partition("=")
            section.setdefault(key, []).append(value)
    return settings


def check_unit(source_dir, permanent_codes, credential_names):
    path = os.path.join(source_dir, "packaging/systemd/dotenv-run-example.service")
    text = open(path, encoding="utf-8").read()
    service = unit_settings(text).get("Service", {})
    codes = {int(c) for v in service.get("RestartPreventExitStatus", []) for c in v.split()}
    if codes != permanent_codes:
        fail(f"RestartPreventExitStatus= is {sorted(codes)}, the permanent exit codes are {sorted(permanent_codes)}")
    loaded = {v.split(":", 1)[0] for v in service.get("LoadCredentialEncrypted", [])}
    if "dotenv-cloud-token" not in credential_names or "dotenv-cloud-token" not in loaded:
        fail(f"LoadCredentialEncrypted= loads {sorted(loaded)}; the code reads {sorted(credential_names)}")
    if "dotenv-cloud-fallback-key" not in credential_names or "dotenv-cloud-fallback-key" not in loaded:
        fail(f"LoadCredentialEncrypted= does not load the fallback key; the code reads {sorted(credential_names)}")
    state = service.get("StateDirectory", [""])[0]
    if not state or f"DOTENV_CLOUD_FALLBACK_DIR=%S/{state}" not in service.get("Environment", []):
        fail("the fallback directory is not the unit's StateDirectory= (DOTENV_CLOUD_FALLBACK_DIR=%S/<it>)")
    if not service.get("ExecStart", [""])[0].startswith("/usr/bin/dotenv-run "):
        fail("ExecStart= does not start /usr/bin/dotenv-run, where the packages install it")
    # After a --watch change the program exits by SIGTERM, which Restart=on-failure counts as clean.
    if " --watch " in service.get("ExecStart", [""])[0] and service.get("Restart") != ["always"]:
        fail(f"ExecStart= uses --watch but Restart= is {service.get('Restart')}, not always")
    for key, value in (("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"), ("ProtectHome", "yes"),
                       ("PrivateTmp", "yes"), ("CapabilityBoundingSet", ""), ("LimitCORE", "0")):
        if value not in service.get(key, []):
            fail(f"the unit lacks {key}={value}")
    if "yes" not in service.get("DynamicUser", []) and not service.get("User"):
        fail("the unit runs as root: it needs DynamicUser=yes or User=")
    if "MemoryDenyWriteExecute" in service:
        fail("MemoryDenyWriteExecute= breaks programs with a JIT: keep it commented out")
    if "systemd-creds encrypt" not in text:
        fail("the unit does not show how to encrypt the token with systemd-creds")
    if shutil.which("systemd-analyze"):
        with tempfile.TemporaryDirectory() as tmp:
            copy = os.path.join(tmp, "example-app.service")
            with open(copy, "w") as f:  # verify wants the executables to exist
                f.write(text.replace("/usr/bin/dotenv-run", "/bin/true").replace("/usr/bin/example-app", "/bin/true"))
            run = subprocess.run(["systemd-analyze", "verify", "--man=no", copy], capture_output=True, text=True)
            if run.returncode != 0 or run.stderr.strip():
                fail(f"systemd-analyze verify: {run.stderr.strip()}")


def check_dockerfile(source_dir, token_env):
    text = open(os.path.join(source_dir, "packaging/docker/Dockerfile"), encoding="utf-8").read()
    text = re.sub(r"\\\n", " ", text)
    stages = re.findall(r"^FROM (\S+)", text, re.M)
    if stages != ["debian:12", "debian:12-slim"]:
        fail(f"the Dockerfile's stages are {stages}, expected debian:12 then debian:12-slim")
    if '\nENTRYPOINT ["dotenv-run", "--"]\n' not in text:
        fail('the Dockerfile lacks ENTRYPOINT ["dotenv-run", "--"]')
    users = re.findall(r"^USER (\S+)", text, re.M)
    if not users or users[-1].split(":")[0] in ("root", "0"):
        fail(f"the image runs as {users[-1] if users else 'root'}")
    if not re.search(rf"^ENV {token_env}=/run/secrets/dotenv-cloud-token$", text, re.M):
        fail(f"the Dockerfile does not set {token_env}=/run/secrets/dotenv-cloud-token")
    runtime = text.split("FROM debian:12-slim", 1)[-1]
    for package in ("ca-certificates", "libsodium23", "libssl3"):
        if not re.search(rf"\s{re.escape(package)}\s", runtime):
            fail(f"the runtime stage does not install {package}")
    # libcurl is built in (cmake/curl.cmake): the system's libcurl4 and its 33 libraries are not needed.
    if re.search(r"\slibcurl4\s", runtime):
        fail("the runtime stage installs libcurl4, which the binary does not load")
    for source in re.findall(r"^COPY (?!--from)(.+) \S+$", text, re.M):
        for item in source.split():
            if not os.path.exists(os.path.join(source_dir, item)):
                fail(f"the Dockerfile copies {item}, which is not in the repository")


def check_deployment(source_dir, token_env):
    doc = yaml.safe_load(open(os.path.join(source_dir, "packaging/kubernetes/deployment.yaml"), encoding="utf-8"))
    pod = doc["spec"]["template"]["spec"]
    context = pod.get("securityContext", {})
    if not context.get("runAsNonRoot") or not context.get("runAsUser") or not context.get("fsGroup"):
        fail(f"the pod must set runAsNonRoot, runAsUser and fsGroup: {context}")
    volumes = {v["name"]: v for v in pod["volumes"]}
    secret = next((v for v in volumes.values() if "secret" in v), None)
    if secret is None:
        fail("no Secret volume")
    init = pod.get("initContainers", [{}])[0]
    command = init.get("command", [])
    if command[:3] != ["install", "-m", "0400"] or len(command) != 5:
        fail(f"the init container must copy the token with install -m 0400: {command}")
        return
    source, target = command[3], command[4]
    mounts = {m["mountPath"]: m["name"] for m in init.get("volumeMounts", [])}
    if secret and mounts.get(os.path.dirname(source)) != secret["name"]:
        fail(f"the init container reads {source}, which is not on the Secret volume")
    copy_volume = mounts.get(os.path.dirname(target))
    if volumes.get(copy_volume, {}).get("emptyDir", {}).get("medium") != "Memory":
        fail(f"the token copy {target} is not on a memory-backed emptyDir")
    app = pod["containers"][0]
    command = app.get("command", [])
    if "--watch" in command and command[-1:] != ["--"]:
        fail(f"the application's command must end with '--' so args are the program's: {command}")
    if pod.get("restartPolicy", "Always") != "Always":
        fail("a --watch container needs restartPolicy Always to come back with the new values")
    env = {e["name"]: e.get("value") for e in app.get("env", [])}
    if env.get(token_env) != target:
        fail(f"the application's {token_env} is {env.get(token_env)!r}, the copy is {target}")
    app_mounts = {m["mountPath"]: m for m in app.get("volumeMounts", [])}
    mount = app_mounts.get(os.path.dirname(target), {})
    if mount.get("name") != copy_volume or not mount.get("readOnly"):
        fail(f"the application does not mount {copy_volume} read-only at {os.path.dirname(target)}")
    if any(m["name"] == secret["name"] for m in app.get("volumeMounts", [])):
        fail("the application mounts the Secret itself: a symbolic link the launcher refuses")


def main(source_dir):
    header = open(os.path.join(source_dir, "src/core/exit_codes.hpp"), encoding="utf-8").read()
    codes = {name: int(n) for name, n in re.findall(r"(kExit\w+)\s*=\s*(\d+)\s*,", header)}
    permanent = {codes.get(n) for n in ("kExitUsage", "kExitDataError", "kExitAuth", "kExitConfig")}
    config = "".join(open(os.path.join(source_dir, f), encoding="utf-8").read()
                     for f in ("src/api/settings.hpp", "src/api/settings.cpp", "src/run/fallback.hpp"))
    credentials = set(re.findall(r'"(dotenv-cloud-(?:token|key|fallback-key))"', config))
    token_env = "DOTENV_CLOUD_TOKEN_FILE"
    if '"DOTENV_CLOUD_TOKEN"' not in config or "{}_FILE" not in config:
        fail("src/api/settings.cpp no longer reads DOTENV_CLOUD_TOKEN_FILE as the examples assume")
    check_unit(source_dir, permanent, credentials)
    check_dockerfile(source_dir, token_env)
    check_deployment(source_dir, token_env)
    for failure in failures:
        print("FAIL:", failure)
    print(f"systemd unit, Dockerfile and Deployment checked; {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
