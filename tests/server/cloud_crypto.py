# Blob sealing (docs/api.md section 8), key proofs, ULIDs and timestamps for the local dotEnv Cloud server.
import base64
import binascii
import datetime
import hashlib
import hmac
import os
import re
import time

from nacl import bindings

PAD_BLOCK = 256
NONCE_BYTES = bindings.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES  # 24
TAG_BYTES = bindings.crypto_aead_xchacha20poly1305_ietf_ABYTES  # 16
KEY_BYTES = 32
PROOF_ITERATIONS = 210000
BLOB_RE = re.compile(r"dcv1:([1-9][0-9]{0,8}):([A-Za-z0-9+/]+={0,2})")  # fullmatch only

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ULID_RE = re.compile(r"[0-7][0-9A-HJKMNP-TV-Z]{25}")  # fullmatch only


def ulid():
    """A ULID: 48-bit millisecond time then 80 random bits, 26 Crockford base32 characters."""
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    return "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(26)))


def is_ulid(text):
    return isinstance(text, str) and ULID_RE.fullmatch(text) is not None


def now_iso(at=None):
    moment = datetime.datetime.fromtimestamp(time.time() if at is None else at, datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text):
    """Seconds since the epoch for an ISO 8601 time such as 2026-01-01T00:00:00Z."""
    moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.timestamp()


def b64(data):
    return base64.b64encode(data).decode("ascii")


def unb64(text, length=None):
    """Strict standard base64 (with padding); None when malformed or of the wrong length."""
    if not isinstance(text, str):
        return None
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None
    if b64(data) != text or (length is not None and len(data) != length):
        return None
    return data


def new_key():
    return os.urandom(KEY_BYTES)


def pad(plaintext):
    """ISO/IEC 7816-4: one 0x80 byte, then zeros up to the next multiple of PAD_BLOCK."""
    padded = plaintext + b"\x80"
    return padded + b"\x00" * (-len(padded) % PAD_BLOCK)


def unpad(padded):
    stripped = padded.rstrip(b"\x00")
    if not stripped.endswith(b"\x80") or len(padded) % PAD_BLOCK != 0:
        raise ValueError("bad padding")
    return stripped[:-1]


def aad(key_version, org_id, level_id):
    return f"dcv1:{key_version}:{org_id}:{level_id}".encode("ascii")


def seal(key, key_version, org_id, level_id, plaintext):
    """The serialized blob `dcv1:<key_version>:<base64(nonce || ciphertext-with-tag)>`."""
    if isinstance(plaintext, str):
        plaintext = plaintext.encode("utf-8")
    nonce = os.urandom(NONCE_BYTES)
    sealed = bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(
        pad(plaintext), aad(key_version, org_id, level_id), nonce, key)
    return f"dcv1:{key_version}:{b64(nonce + sealed)}"


def parse_blob(blob):
    """(key_version, nonce||ciphertext bytes) of a well-formed blob, or None.

    Well formed also means the length fits a padded plaintext: 24 + 256*k + 16 bytes, k >= 1.
    """
    if not isinstance(blob, str):
        return None
    match = BLOB_RE.fullmatch(blob)
    if match is None:
        return None
    raw = unb64(match.group(2))
    if raw is None:
        return None
    body = len(raw) - NONCE_BYTES - TAG_BYTES
    if body < PAD_BLOCK or body % PAD_BLOCK != 0:
        return None
    return int(match.group(1)), raw


def open_blob(key, org_id, level_id, blob):
    """The plaintext bytes of a blob; raises ValueError when it does not open."""
    parsed = parse_blob(blob)
    if parsed is None:
        raise ValueError("malformed blob")
    key_version, raw = parsed
    try:
        padded = bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(
            raw[NONCE_BYTES:], aad(key_version, org_id, level_id), raw[:NONCE_BYTES], key)
    except Exception as error:  # nacl.exceptions.CryptoError
        raise ValueError("blob does not open") from error
    return unpad(padded)


def key_proof(key, salt=None, iterations=PROOF_ITERATIONS):
    """The key-proof parameters of section 8 for a client key."""
    salt = os.urandom(16) if salt is None else salt
    proof = hashlib.pbkdf2_hmac("sha256", key, salt, iterations, 32)
    return {"algorithm": "pbkdf2-sha256", "iterations": iterations, "salt": b64(salt), "proof": b64(proof)}


def proofs_equal(a, b):
    return isinstance(a, str) and isinstance(b, str) and hmac.compare_digest(a.encode(), b.encode())
