# Strict decoding of request JSON (API bodies, OAuth JSON bodies, control scripts): RFC 8259 text only.
import json


class JsonError(ValueError):
    """The body is not one JSON text this server accepts; the message says why, for a 422 or 400."""


def _no_constant(name):
    raise JsonError(f"The request body is not valid JSON ({name} is not a JSON number).")


def decode(raw):
    """The value of a UTF-8 JSON text. Refuses other encodings, NaN/Infinity, and nesting deep enough to
    exhaust the parser's recursion (about 1000 levels), which json.loads reports as RecursionError."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, (bytes, bytearray)) else raw
    except UnicodeDecodeError:
        raise JsonError("The request body is not valid JSON (not UTF-8).") from None
    try:
        return json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise JsonError("The request body is nested too deeply.") from None
    except JsonError:
        raise
    except ValueError:
        raise JsonError("The request body is not valid JSON.") from None
