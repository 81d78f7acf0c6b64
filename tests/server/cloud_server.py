# The HTTPS server: TLS per connection, HTTP/1.1 handling, routing to the app, the control endpoint or a fault.
import email.message
import http.server
import socket
import ssl
import time
import urllib.parse

import cloud_body
import cloud_control
import cloud_http as http_types
from cloud_fault_wire import CHUNK, FaultWire

HANDSHAKE_TIMEOUT = 10
IDLE_TIMEOUT = 30
LINGER = 2
REASONS = {413: "Content Too Large", 422: "Unprocessable Content", 429: "Too Many Requests"}  # RFC 9110 names
ERROR_NAMES = {414: "uri_too_long", 431: "request_header_fields_too_large", 505: "http_version_not_supported"}
ERROR_MESSAGES = {414: "The request line is too long.", 431: "A header line is too long, or there are too many.",
                  505: "Only HTTP/1.x is supported."}


class Server(http.server.ThreadingHTTPServer):
    """A thread per connection; the TLS handshake runs in that thread, so a slow or plain-HTTP client
    holds up nobody else, and gets no HTTP answer."""

    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True

    def __init__(self, address, app, tls_context, fault_log, control, reseed):
        self.app = app
        self.tls_context = tls_context
        self.faults = fault_log
        self.control = control
        self.reseed = reseed
        super().__init__(address, Handler)

    def get_request(self):
        sock, address = self.socket.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock, address

    def process_request_thread(self, request, client_address):
        try:
            request.settimeout(HANDSHAKE_TIMEOUT)
            tls = self.tls_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            self.faults.count_connection(False)
            request.close()
            return
        tls.connection_number = self.faults.count_connection(True)
        try:
            tls.settimeout(IDLE_TIMEOUT)
            self.finish_request(tls, client_address)
        except (ConnectionError, TimeoutError, ssl.SSLError, OSError):
            pass
        finally:
            self.shutdown_request(tls)


class Handler(FaultWire, http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "dotenv-cloud-local/1"

    def version_string(self):
        return self.server_version

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def __getattr__(self, name):
        """Every method (OPTIONS, TRACE, FOO ...) reaches the app, which answers 404 or 405 with Allow,
        instead of the base class's HTML 501."""
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def handle_one_request(self):
        self.path = None  # not the previous request's, when this one fails before its request line parses
        self._body = None
        self._log_entry = None
        self._expects_continue = False
        super().handle_one_request()

    # Reading

    def parse_request(self):
        if not super().parse_request():
            return False
        if self.request_version == "HTTP/0.9":  # "GET /path" with no version: answered without a status line
            self.send_error(505)
            return False
        return True

    def handle_expect_100(self):
        """"100 Continue" waits until the body is wanted: a request refused on its headers (401, 413 ...)
        gets that final answer instead, and the client never sends the body."""
        self._expects_continue = True
        return True

    def _send_continue(self):
        if self._expects_continue:
            self._expects_continue = False
            self.send_response_only(100)
            self.end_headers()

    def send_error(self, code, message=None, explain=None):
        """Requests the base class refuses (bad request line, 414, 431, 505) get the JSON error shape,
        X-Request-Id, and on /api/v1 the rate-limit headers, like every other answer."""
        error = http_types.ApiError(code, ERROR_NAMES.get(code, "bad_request"),
                                    ERROR_MESSAGES.get(code, "The request is malformed."))
        self.request_version = "HTTP/1.1"  # else an unparsed request counts as HTTP/0.9: no status line
        target = self._split_target() if self.path else None
        path = target[0] if target else ""
        request = http_types.Request(self.command or "GET", path, {}, email.message.Message(),
                                     self.client_address[0], malformed=error)
        response = self._app(request)
        response.headers["Connection"] = "close"
        self._write(response)
        self._linger()  # the client may still be sending what was refused

    def _split_target(self):
        """(path, query) of the request target, or None when it does not parse (an absolute URL whose host
        is a broken IPv6 literal)."""
        try:
            split = urllib.parse.urlsplit(self.path)
        except ValueError:
            return None
        return split.path, split.query

    def _serve(self):
        started = time.time()
        target = self._split_target()
        if target is None:
            self.send_error(400)
            return
        path, raw_query = target
        self._body = cloud_body.Body(self.headers, self.rfile, self._send_continue)
        query = dict(urllib.parse.parse_qsl(raw_query, keep_blank_values=True))
        request = http_types.Request(self.command, path, query, self.headers, self.client_address[0], self._body)
        if self.server.control and path.startswith("/__control/"):
            self._write(self._control(path, query, request))
            return
        entry = self.server.faults.take(self.command, path) if self.server.control else None
        # Logged when the status line goes out (or at the end for a drop), so a slow body is already listed.
        self._log_entry = (self.command, path, raw_query, self.headers.get("Authorization") is not None,
                           entry["action"] if entry else None, started,
                           getattr(self.connection, "connection_number", None))
        try:
            if entry is None:
                self._write(self._app(request))
                return
            try:
                request.read_body()  # a fault acts on a whole request, as a real server would
            except http_types.ApiError as error:
                request.malformed = error  # answered as the app answers a malformed request
                self._write(self._app(request))
                return
            if entry.get("delay"):
                time.sleep(entry["delay"])
            self._run_fault(entry, request)
        finally:
            self._log(None)

    def _log(self, status):
        if self._log_entry is not None:
            method, path, query, authorization, fault, started, connection = self._log_entry
            self._log_entry = None
            self.server.faults.record(method, path, query, status, authorization, fault, started, connection)

    def _app(self, request):
        try:
            return self.server.app.handle(request)
        except cloud_body.CLIENT_ERRORS:
            raise  # the client went away while its body was read: no answer
        except Exception:  # noqa: BLE001 - App answers its own bugs; this catches bugs in App itself
            return http_types.internal_error()

    # Writing

    def _head(self, status, headers, length):
        self._log(status)
        self.send_response(status, REASONS.get(status))
        for name, value in headers.items():
            self.send_header(name, value)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()

    def _write(self, response):
        unread = self._body is not None and not self._body.settled
        if unread:
            response.headers["Connection"] = "close"  # the rest of the body is not the next request
        self._head(response.status, response.headers, len(response.body))
        if self.command != "HEAD" and response.body:
            self.wfile.write(response.body)
        self.wfile.flush()
        if unread:
            self._linger()

    def _linger(self):
        """After answering a request whose body was not read: stop sending, then read and discard what the
        client still sends for up to LINGER seconds, so that closing with unread data (a TCP RST) does not
        destroy the answer before the client has read it."""
        self.close_connection = True
        deadline = time.monotonic() + LINGER
        try:
            self.connection.shutdown(socket.SHUT_WR)  # on an SSLSocket: a TCP FIN, no close_notify
            while (left := deadline - time.monotonic()) > 0:
                self.connection.settimeout(left)
                if not self.connection.recv(CHUNK):
                    break
        except OSError:
            pass

    # The control endpoint

    def _control(self, path, query, request):
        try:
            body = request.read_body()
        except http_types.ApiError as error:
            return error.response()
        return cloud_control.handle(self.server, self.command, path, query, body)
