# A throwaway CA and server certificate made with the openssl command line at every start.
import base64
import hashlib
import os
import shutil
import ssl
import subprocess
import tempfile

# What the served certificate names: "normal" is right, the others exist so clients can prove they refuse.
CERT_MODES = ("normal", "wrong-name", "untrusted-ca")
_NAMES = {
    "normal": ("127.0.0.1", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
    "wrong-name": ("wrong.example", "subjectAltName=DNS:wrong.example"),
    "untrusted-ca": ("127.0.0.1", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
}


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _make_ca(workdir, name, stem):
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", f"{stem}.key", "-out", f"{stem}.pem", "-days", "7", "-subj", f"/CN={name}",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=workdir)


class ServerCertificate:
    """Makes the CA (written to ca_out) and a leaf for the chosen mode; private keys never leave a temp dir."""

    def __init__(self, mode, ca_out):
        if mode not in CERT_MODES:
            raise ValueError(f"unknown certificate mode {mode}")
        workdir = tempfile.mkdtemp(prefix="dotenv-cloud-tls-")
        try:
            _make_ca(workdir, "dotenv-run local test CA", "ca")
            signer = "ca"
            if mode == "untrusted-ca":
                _make_ca(workdir, "dotenv-run UNTRUSTED test CA", "other")
                signer = "other"
            common_name, san = _NAMES[mode]
            with open(os.path.join(workdir, "leaf.ext"), "w") as ext:
                ext.write(f"{san}\nbasicConstraints=critical,CA:FALSE\n"
                          "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n")
            _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                     "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", f"/CN={common_name}", cwd=workdir)
            _openssl("x509", "-req", "-in", "leaf.csr", "-CA", f"{signer}.pem", "-CAkey", f"{signer}.key",
                     "-CAcreateserial", "-out", "leaf.pem", "-days", "7", "-extfile", "leaf.ext", cwd=workdir)
            spki = subprocess.run(
                "openssl x509 -in leaf.pem -noout -pubkey | openssl pkey -pubin -outform DER",
                shell=True, cwd=workdir, check=True, capture_output=True).stdout
            self.pin = "sha256//" + base64.b64encode(hashlib.sha256(spki).digest()).decode()
            self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.context.minimum_version = ssl.TLSVersion.TLSv1_2
            self.context.load_cert_chain(os.path.join(workdir, "leaf.pem"), os.path.join(workdir, "leaf.key"))
            self.context.set_alpn_protocols(["http/1.1"])
            os.makedirs(os.path.dirname(os.path.abspath(ca_out)), exist_ok=True)
            shutil.copyfile(os.path.join(workdir, "ca.pem"), ca_out)
            self.ca_file = os.path.abspath(ca_out)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
