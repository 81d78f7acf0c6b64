# Input rules: slugs and reserved words, body fields, pagination.
import re

import cloud_crypto as crypto
import cloud_http as http

SLUG_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")  # always fullmatch: `$` also matches before a final \n
DIGITS_RE = re.compile(r"[0-9]{1,9}")  # ASCII only: str.isdigit() takes "²", int() takes "١٠" and "+1"
MAX_BLOB = 1024 * 1024
RESERVED = frozenset({"projects", "targets", "environments", "secrets", "key", "versions", "resolve"})


def slug_error(slug):
    if slug is None:
        return "The slug field is required."
    if not isinstance(slug, str):
        return "The slug must be a string."
    if not SLUG_RE.fullmatch(slug):
        return "The slug must match ^[a-z0-9][a-z0-9_-]{0,63}$."
    if slug in RESERVED:
        return f"The slug {slug} is reserved."
    return None


def is_integer(value, minimum=None):
    """A JSON integer (not a bool, not 1.0) of at least minimum."""
    return isinstance(value, int) and not isinstance(value, bool) and (minimum is None or value >= minimum)


class Fields:
    """Collects per-field errors from a JSON object body, then raises one 422."""

    def __init__(self, body):
        self.body = body
        self.errors = {}

    def add(self, field, text):
        self.errors.setdefault(field, []).append(text)

    def string(self, field, required=False, max_length=255):
        value = self.body.get(field)
        if value is None:
            if required:
                self.add(field, f"The {field} field is required.")
            return None
        if not isinstance(value, str) or value == "":
            self.add(field, f"The {field} must be a non-empty string.")
            return None
        if len(value) > max_length:
            self.add(field, f"The {field} may not be greater than {max_length} characters.")
            return None
        return value

    def slug(self, field, required=False):
        value = self.body.get(field)
        if value is None and not required:
            return None
        problem = slug_error(value)
        if problem:
            self.add(field, problem.replace("The slug", f"The {field}"))
            return None
        return value

    def integer(self, field, required=False, minimum=None):
        value = self.body.get(field)
        if value is None:
            if required:
                self.add(field, f"The {field} field is required.")
            return None
        if not is_integer(value, minimum):
            self.add(field, f"The {field} must be an integer" + (f" of at least {minimum}." if minimum is not None else "."))
            return None
        return value

    def check(self):
        if self.errors:
            raise http.validation(self.errors)


def page_params(query):
    errors = {}
    values = {}
    for name, default, top in (("page", 1, None), ("per_page", 50, 100)):
        text = query.get(name)
        if text is None:
            values[name] = default
            continue
        if not DIGITS_RE.fullmatch(text) or int(text) < 1 or (top is not None and int(text) > top):
            errors[name] = [f"The {name} must be an integer between 1 and {top}." if top
                            else f"The {name} must be a positive integer."]
            continue
        values[name] = int(text)
    if errors:
        raise http.validation(errors)
    return values["page"], values["per_page"]


def paginate(items, query):
    page, per_page = page_params(query)
    start = (page - 1) * per_page
    return http.Response(200, {"data": items[start:start + per_page],
                               "meta": {"page": page, "per_page": per_page, "total": len(items)}})


def check_blob(fields, blob, key_version, current_version, field="blob", key_version_field="key_version"):
    """Blob format and key version checks shared by upsert, reencrypt and retired versions (whose errors are
    named after the list item: versions.N.blob, versions.N.key_version)."""
    if isinstance(blob, str) and len(blob) > MAX_BLOB:
        raise http.ApiError(413, "payload_too_large", "The blob is larger than 1 MiB.")
    parsed = crypto.parse_blob(blob)
    if blob is None:
        pass
    elif parsed is None:
        fields.add(field, "The blob must be dcv1:<key_version>:<base64 of nonce and ciphertext>, padded to 256 bytes.")
    elif key_version is not None and parsed[0] != key_version:
        fields.add(field, "The blob's key version differs from key_version.")
    if key_version is not None and key_version != current_version:
        fields.add(key_version_field, f"The key_version must be the current key version ({current_version}).")


def proof_params(fields, proof, field):
    if not isinstance(proof, dict):
        fields.add(field, f"The {field} must be {{algorithm, iterations, salt, proof}}.")
        return None
    if proof.get("algorithm") != "pbkdf2-sha256":
        fields.add(f"{field}.algorithm", "The algorithm must be pbkdf2-sha256.")
    iterations = proof.get("iterations")
    if not is_integer(iterations) or not 100000 <= iterations <= 10000000:
        fields.add(f"{field}.iterations", "The iterations must be an integer between 100000 and 10000000.")
    if crypto.unb64(proof.get("salt"), 16) is None:
        fields.add(f"{field}.salt", "The salt must be base64 of 16 bytes.")
    if crypto.unb64(proof.get("proof"), 32) is None:
        fields.add(f"{field}.proof", "The proof must be base64 of 32 bytes.")
    return {"algorithm": "pbkdf2-sha256", "iterations": iterations, "salt": proof.get("salt"),
            "proof": proof.get("proof")}
