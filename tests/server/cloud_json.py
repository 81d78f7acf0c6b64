# Strict decoding of request JSON (API bodies, OAuth JSON bodies, control scripts): RFC 8259 text only.
import json
import re

SURROGATE_ESCAPE_RE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class JsonError(ValueError):
    """The body is not one JSON text this server accepts; the message says why, for a 422 or 400."""


def _no_constant(name):
    raise JsonError(f"The request body is not valid JSON ({name} is not a JSON number).")


def decode(raw):
    """The value of a UTF-8 JSON text. Refuses other encodings, NaN/Infinity, an unpaired UTF-16 surrogate
    escape (as PHP's json_decode does, so the service would), and nesting deep enough to exhaust the
    parser's recursion (about 1000 levels), which json.loads reports as RecursionError."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, (bytes, bytearray)) else raw
    except UnicodeDecodeError:
        raise JsonError("The request body is not valid JSON (not UTF-8).") from None
    try:
        value = json.loads(text, parse_constant=_no_constant)
        if SURROGATE_ESCAPE_RE.search(text):
            json.dumps(value, ensure_ascii=False).encode("utf-8")  # fails on a surrogate left unpaired
    except RecursionError:
        raise JsonError("The request body is nested too deeply.") from None
    except UnicodeEncodeError:
        raise JsonError("The request body is not valid JSON (an unpaired UTF-16 surrogate).") from None
    except JsonError:
        raise
    except ValueError:
        raise JsonError("The request body is not valid JSON.") from None
    return value
