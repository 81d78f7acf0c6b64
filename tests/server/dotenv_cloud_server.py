#!/usr/bin/python3
# The local dotEnv Cloud API server (docs/api.md) for tests and demos: start it, read its `ready` line.
import argparse
import os
import signal
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cloud_crypto as crypto  # noqa: E402
import cloud_faults as faults  # noqa: E402
import cloud_ratelimit  # noqa: E402
import cloud_routes  # noqa: E402
import cloud_seed  # noqa: E402
import cloud_server  # noqa: E402
import cloud_store  # noqa: E402
import cloud_tls  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


class Config:
    def __init__(self, args):
        self.rate_limit = args.rate_limit
        self.rate_window = args.rate_window
        self.oauth_rate_limit = args.oauth_rate_limit
        self.telemetry_rate_limit = args.telemetry_rate_limit
        self.access_token_ttl = args.access_token_ttl
        self.oauth_user = args.oauth_user

    def default_rate_limit(self):
        return self.rate_limit if self.rate_limit is not None else 100

    def org_rate_limit(self, org, plan):
        if org.rate_limit is not None:
            return org.rate_limit
        if self.rate_limit is not None:
            return self.rate_limit
        return plan["limits"].get("requests_per_minute", 100)


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Local dotEnv Cloud API server (HTTPS only) for tests and demos.")
    parser.add_argument("--seed", default=os.path.join(HERE, "seed-demo.json"), help="seed file (README.md)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    parser.add_argument("--state-dir", help="where the CA and the demo token/key files go (default: a new temp dir)")
    parser.add_argument("--ca-out", help="write the CA certificate here (default STATE_DIR/ca.pem)")
    parser.add_argument("--token-file", help="write the demo token here, mode 0600 (default STATE_DIR/token)")
    parser.add_argument("--cert-mode", choices=cloud_tls.CERT_MODES, default="normal",
                        help="normal; wrong-name (certificate for wrong.example only); untrusted-ca "
                             "(signed by a CA other than the one written to --ca-out)")
    parser.add_argument("--pin-out", help="write the served key's pin (sha256//base64 of the SPKI) here")
    parser.add_argument("--rate-limit", type=int, help="requests per window per organization/IP (default: plan, 100)")
    parser.add_argument("--rate-window", type=float, default=60.0, help="rate-limit window in seconds (default 60)")
    parser.add_argument("--oauth-rate-limit", type=int, default=10, help="token endpoint requests per window per IP")
    parser.add_argument("--telemetry-rate-limit", type=int, default=60, help="telemetry requests per window per IP")
    parser.add_argument("--access-token-ttl", type=int, default=3600, help="OAuth access token lifetime, seconds")
    parser.add_argument("--oauth-user", help="email of the user the authorize URL approves (default: the first)")
    parser.add_argument("--test-control", action="store_true", help="enable /__control/ (fault scripts, request log)")
    parser.add_argument("--port-file", help="write the port number here once listening")
    parser.add_argument("--ready-file", help="write the base URL here once listening (after everything else)")
    return parser.parse_args(argv)


def _write_atomically(path, text):
    temporary = f"{path}.tmp{os.getpid()}"
    with open(temporary, "w") as handle:
        handle.write(text + "\n")
    os.replace(temporary, path)


def export_lines(store, base_url, ca_file, state_dir, token_file):
    """The `export DOTENV_CLOUD_...` lines a person needs; secrets go to 0600 files, never to stdout."""
    demo = store.demo
    lines = [f"export DOTENV_CLOUD_API_URL={base_url}", f"export DOTENV_CLOUD_CA_FILE={ca_file}"]
    project_slug = demo.get("project")
    org = store.orgs.get(demo.get("organization")) or next(iter(store.orgs.values()), None)
    if org is not None:
        lines.append(f"export DOTENV_CLOUD_ORG={org.id}")
    token = store.named_tokens.get(demo.get("token")) or next(iter(store.named_tokens.values()), None)
    if token is not None:
        cloud_store.write_secret_file(token_file, token.value)
        lines.append(f"export DOTENV_CLOUD_TOKEN_FILE={token_file}")
    for name in ("project", "target", "environment"):
        if demo.get(name):
            lines.append(f"export DOTENV_CLOUD_{name.upper()}={demo[name]}")
    project = org.projects.get(project_slug) if org is not None and project_slug else None
    if project is not None and project.id in store.client_keys:
        key_file = os.path.join(state_dir, "client-key")
        cloud_store.write_secret_file(key_file, crypto.b64(store.client_keys[project.id]))
        lines.append(f"export DOTENV_CLOUD_KEY_FILE={key_file}")
    return lines


def main(argv=None):
    args = parse_args(argv)
    try:
        store = cloud_seed.load_seed(args.seed)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, cloud_seed.SeedError) as error:
        print(f"dotenv_cloud_server: bad seed {args.seed}: {error}", file=sys.stderr)
        return 78
    state_dir = args.state_dir or tempfile.mkdtemp(prefix="dotenv-cloud-")
    os.makedirs(state_dir, exist_ok=True)
    ca_file = os.path.abspath(args.ca_out or os.path.join(state_dir, "ca.pem"))
    certificate = cloud_tls.ServerCertificate(args.cert_mode, ca_file)
    if args.pin_out:
        _write_atomically(args.pin_out, certificate.pin)
    app = cloud_routes.App(store, Config(args), cloud_ratelimit.RateLimiter())

    def reseed():
        app.store = cloud_seed.load_seed(args.seed)

    server = cloud_server.Server((args.host, args.port), app, certificate.context, faults.Faults(),
                                 args.test_control, reseed)
    port = server.server_address[1]
    base_url = f"https://{args.host}:{port}"
    lines = export_lines(store, base_url, ca_file, state_dir,
                         os.path.abspath(args.token_file or os.path.join(state_dir, "token")))
    if args.port_file:
        _write_atomically(args.port_file, str(port))
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())
    print(f"ready {base_url}", flush=True)
    print("\n".join(lines), flush=True)
    if args.ready_file:
        _write_atomically(args.ready_file, base_url)
    try:
        server.serve_forever(poll_interval=0.05)  # SIGTERM stops it within 50 ms
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
