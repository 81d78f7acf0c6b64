# Request, Response and the Laravel-style error answers shared by every handler.
import json
import secrets
import sys
import traceback


class Request:
    def __init__(self, method, path, query, headers, client_ip, framing=None, malformed=None):
        self.method = method
        self.path = path
        self.query = query  # dict: name -> last value
        self.headers = headers  # email.message.Message (case-insensitive)
        self.client_ip = client_ip
        self.framing = framing  # a cloud_body.Body, read on demand; None: no body
        self.malformed = malformed or (framing.error if framing is not None else None)  # ApiError (400, ...)
        self.body = b""  # the bytes, once read_body() ran
        self.json = None  # the parsed body, once a handler asked for it

    def header(self, name, default=None):
        return self.headers.get(name, default)

    @property
    def has_body(self):
        return self.framing is not None and self.framing.present

    def read_body(self):
        """Raises the malformed-request error, 413, or cloud_body.ClientGone; see cloud_body.Body.read."""
        if self.malformed is not None:
            raise self.malformed
        if self.framing is not None:
            self.body = self.framing.read()
        return self.body


class Response:
    def __init__(self, status, body=None, headers=None, content_type="application/json"):
        self.status = status
        self.headers = dict(headers or {})
        if body is None:
            self.body = b""
        elif isinstance(body, (bytes, bytearray)):
            self.body = bytes(body)
        elif isinstance(body, str):
            self.body = body.encode("utf-8")
        else:
            self.body = json.dumps(body, separators=(",", ":")).encode("utf-8")
        if self.body or status not in (204, 304):
            self.headers.setdefault("Content-Type", content_type)

    def json(self):
        return json.loads(self.body)


class ApiError(Exception):
    """An error answer: `{"message": ..., "error": ..., extra fields}` with a status."""

    def __init__(self, status, error, message, headers=None, **extra):
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.headers = headers or {}
        self.extra = extra

    def response(self):
        body = {"message": self.message}
        if self.error is not None:
            body["error"] = self.error
        body.update(self.extra)
        return Response(self.status, body, self.headers)


def unauthenticated(message="Unauthenticated."):
    return ApiError(401, "unauthenticated", message)


def forbidden(ability, message=None):
    return ApiError(403, "forbidden", message or f"The token lacks the ability {ability}.", required_ability=ability)


def not_found(what):
    return ApiError(404, "not_found", f"{what} not found.")


def validation(errors):
    """422 with `errors`: {field: [text, ...]}; the message is the first text, as Laravel does."""
    first = next(iter(errors.values()))[0]
    more = sum(len(v) for v in errors.values()) - 1
    message = first if more == 0 else f"{first} (and {more} more error{'s' if more > 1 else ''})"
    return ApiError(422, "validation_failed", message, errors=errors)


def conflict(error, message):
    return ApiError(409, error, message)


def ok(data, status=200):
    return Response(status, {"data": data})


def no_content():
    return Response(204)


def internal_error():
    """A 500 for a bug (call it in an except block): the traceback goes to stderr, where test_server.py
    looks for it, and the client gets the error shape."""
    traceback.print_exc(file=sys.stderr)
    return Response(500, {"message": "Internal server error.", "error": "internal"})


def request_id():
    return secrets.token_hex(8)
