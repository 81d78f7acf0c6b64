# Request bodies: framing (Content-Length or chunked, RFC 9112 section 6), the size limit, reading on demand.
import re
import ssl

import cloud_http as http

MAX_BODY = 8 * 1024 * 1024
LINE_LIMIT = 4096  # one chunk-size line or trailer line
MAX_TRAILER_LINES = 64
LENGTH_RE = re.compile(r"[0-9]+")
CHUNK_LINE_RE = re.compile(rb"([0-9A-Fa-f]+)[ \t]*(?:;[^\r\n]*)?\r\n")


class ClientGone(ConnectionError):
    """The client closed the connection before it sent the body it announced."""


# What reading a body raises when the client goes away or stalls: no answer can be sent, and this is not
# a bug in the server, so these pass through the app's 500 handler untouched.
CLIENT_ERRORS = (ConnectionError, TimeoutError, ssl.SSLError)


def bad_request(message):
    return http.ApiError(400, "bad_request", message)


def too_large():
    return http.ApiError(413, "payload_too_large", "The request body is too large.")


def _number(digits, base):
    """The value of a digit string (str or bytes) of any length: past 15 digits, just "far too large"
    (int() refuses over 4300 digits, and no limit here comes close to 16 hex digits)."""
    digits = digits.lstrip("0" if isinstance(digits, str) else b"0")
    if len(digits) > 15:
        return 1 << 62
    return int(digits, base) if digits else 0


class Body:
    """One request's body: its framing is checked from the headers at once, the bytes are read only when
    `read` is called, so a request refused on its headers (401, 413, ...) costs no reading."""

    def __init__(self, headers, rfile, before_reading=None, limit=MAX_BODY):
        self.rfile = rfile
        self.before_reading = before_reading  # sends "100 Continue" when the client waits for it
        self.limit = limit
        self.data = None
        self.length = 0
        self.chunked = False
        self.error = None  # an ApiError when the framing is malformed (400) or not supported (501)
        try:
            self._frame(headers.get_all("Transfer-Encoding") or [], headers.get_all("Content-Length") or [])
        except http.ApiError as error:
            self.error = error

    def _frame(self, codings, lengths):
        if codings:
            names = [name.strip(" \t").lower() for field in codings for name in field.split(",")]
            if lengths:
                raise bad_request("A request cannot have both Transfer-Encoding and Content-Length.")
            if names[-1] != "chunked" or names.count("chunked") > 1:
                raise bad_request("The body's length is unknown: chunked must be the last transfer coding, once.")
            if len(names) > 1:
                raise http.ApiError(501, "not_implemented", "The only transfer coding accepted is chunked.")
            self.chunked = True
            return
        if len(lengths) > 1:
            raise bad_request("Content-Length must be given once.")
        if lengths:
            text = lengths[0].strip(" \t")
            if not LENGTH_RE.fullmatch(text):
                raise bad_request("Content-Length must be a decimal number of bytes.")
            self.length = _number(text, 10)

    @property
    def present(self):
        return self.chunked or self.length > 0

    @property
    def settled(self):
        """Whether the next request on this connection starts where this one ends (else close it)."""
        return self.error is None and (self.data is not None or not self.present)

    def read(self):
        """The body bytes; raises the framing ApiError, 413 (before reading anything when the length says
        so), 400 for a malformed chunk, or ClientGone."""
        if self.data is not None:
            return self.data
        if self.error is not None:
            raise self.error
        if self.length > self.limit:
            raise too_large()
        if self.present and self.before_reading is not None:
            self.before_reading()
        self.data = self._chunks() if self.chunked else self._exactly(self.length)
        return self.data

    def _exactly(self, size):
        data = self.rfile.read(size) if size else b""
        if len(data) < size:
            raise ClientGone()
        return data

    def _line(self):
        line = self.rfile.readline(LINE_LIMIT + 1)
        if not line.endswith(b"\n"):
            if len(line) > LINE_LIMIT:
                raise bad_request("A chunk-size or trailer line is too long.")
            raise ClientGone()
        if not line.endswith(b"\r\n"):
            raise bad_request("The lines of a chunked body end with CRLF.")
        return line

    def _chunks(self):
        parts, total = [], 0
        while True:
            match = CHUNK_LINE_RE.fullmatch(self._line())
            if match is None:
                raise bad_request("A chunk size must be hexadecimal digits.")
            size = _number(match.group(1), 16)
            if size == 0:
                break
            total += size
            if total > self.limit:
                raise too_large()
            parts.append(self._exactly(size))
            if self._exactly(2) != b"\r\n":
                raise bad_request("A chunk must end with CRLF.")
        for _ in range(MAX_TRAILER_LINES):
            if self._line() == b"\r\n":
                return b"".join(parts)
        raise bad_request("Too many trailer lines.")
