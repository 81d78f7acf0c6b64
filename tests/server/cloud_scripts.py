# Validation of fault-script entries (README.md, "Control API"): a bad entry is refused when it is posted,
# so nothing malformed reaches the wire (no header injection, no traceback halfway through an answer).
import math
import re

import cloud_crypto as crypto

ACTIONS = ("respond", "pass", "drop", "reset", "truncate", "huge", "drip", "flip_bit", "redirect", "non_json")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "*")
HEADER_NAME_RE = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
UNSAFE_IN_HEADER = re.compile(r"[\x00\r\n]")
COUNTS = {"sent": 0, "extra": 0, "size": 0, "byte": 0, "bit": 0, "times": 1}  # integer fields, their minimum
SECONDS = ("delay", "interval")
FLAGS = ("repeat", "chunked")
TEXTS = ("prefix", "fill")
HEADER_TEXTS = ("location", "content_type")
OTHER = ("action", "status", "body", "body_base64", "headers", "retry_after", "level")
KNOWN = set(COUNTS) | set(SECONDS) | set(FLAGS) | set(TEXTS) | set(HEADER_TEXTS) | set(OTHER)


class ScriptError(Exception):
    pass


def _integer(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _header_value(value):
    """A header value from a string or an integer, or None when it could not go on the wire as one line."""
    if _integer(value):
        return str(value)
    if isinstance(value, str) and not UNSAFE_IN_HEADER.search(value):
        return value
    return None


def check_script(body):
    """(method, path, entries, replace) of a POST /__control/script body; raises ScriptError."""
    if not isinstance(body, dict):
        raise ScriptError("the body must be a JSON object")
    unknown = set(body) - {"path", "method", "responses", "replace"}
    if unknown:
        raise ScriptError(f"unknown fields: {', '.join(sorted(unknown))}")
    path, method = body.get("path"), body.get("method", "*")
    if not isinstance(path, str) or not (path.startswith("/") or path == "*") or "?" in path:
        raise ScriptError("path must be an absolute path (no query) or *")
    if method not in METHODS:
        raise ScriptError(f"method must be one of {', '.join(METHODS)}")
    if not isinstance(body.get("replace", False), bool):
        raise ScriptError("replace must be true or false")
    responses = body.get("responses")
    if not isinstance(responses, list) or not responses:
        raise ScriptError("responses must be a non-empty list")
    return method, path, [check_entry(entry, index) for index, entry in enumerate(responses)], body.get("replace", False)


def check_entry(entry, index):
    """The entry with its action filled in and a use counter; raises ScriptError naming the bad field."""
    where = f"responses[{index}]"
    if not isinstance(entry, dict):
        raise ScriptError(f"{where} must be an object")
    unknown = set(entry) - KNOWN
    if unknown:
        raise ScriptError(f"{where}: unknown fields: {', '.join(sorted(unknown))}")
    action = entry.get("action", "respond" if "status" in entry else None)
    if action not in ACTIONS:
        raise ScriptError(f"{where}.action must be one of {', '.join(ACTIONS)}")
    entry = dict(entry, action=action)
    if action == "respond" and "status" not in entry:
        raise ScriptError(f"{where}.status must be an integer")
    if action == "redirect":
        if entry.setdefault("status", 302) not in (301, 302, 303, 307, 308) or not isinstance(entry.get("location"), str):
            raise ScriptError(f"{where}: a redirect needs a 3xx status and a location")
    if "status" in entry and not (_integer(entry["status"]) and 100 <= entry["status"] <= 599):
        raise ScriptError(f"{where}.status must be an integer from 100 to 599")
    for field, minimum in COUNTS.items():
        if field in entry and not (_integer(entry[field]) and entry[field] >= minimum):
            raise ScriptError(f"{where}.{field} must be an integer of at least {minimum}")
    for field in SECONDS:
        value = entry.get(field, 0)
        if not (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0):
            raise ScriptError(f"{where}.{field} must be a number of seconds")
    for field in FLAGS:
        if not isinstance(entry.get(field, False), bool):
            raise ScriptError(f"{where}.{field} must be true or false")
    for field in TEXTS:
        if not isinstance(entry.get(field, ""), str):
            raise ScriptError(f"{where}.{field} must be a string")
    for field in HEADER_TEXTS:
        if field in entry and (not isinstance(entry[field], str) or _header_value(entry[field]) is None):
            raise ScriptError(f"{where}.{field} must be a string without CR, LF or NUL")
    if "retry_after" in entry and _header_value(entry["retry_after"]) is None:
        raise ScriptError(f"{where}.retry_after must be an integer or a string without CR, LF or NUL")
    headers = entry.get("headers", {})
    if not isinstance(headers, dict) or not all(HEADER_NAME_RE.fullmatch(name) and _header_value(value) is not None
                                                for name, value in headers.items()):
        raise ScriptError(f"{where}.headers must map header names to strings (without CR, LF or NUL) or integers")
    if "body_base64" in entry and crypto.unb64(entry["body_base64"]) is None:
        raise ScriptError(f"{where}.body_base64 must be standard base64")
    if entry.get("level", "project") not in ("project", "target", "environment"):
        raise ScriptError(f"{where}.level must be project, target or environment")
    entry["_left"] = entry.get("times", 1)
    return entry
