# The HTTPS server: TLS per connection, HTTP/1.1 handling, fault execution and the control endpoint.
import http.server
import json
import socket
import ssl
import struct
import time
import urllib.parse

import cloud_faults as faults
import cloud_http as http_types

HANDSHAKE_TIMEOUT = 10
IDLE_TIMEOUT = 30
CHUNK = 64 * 1024
REASONS = {422: "Unprocessable Content", 429: "Too Many Requests"}


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


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "dotenv-cloud-local/1"

    def version_string(self):
        return self.server_version

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def do_GET(self):
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    # Reading

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self):
        started = time.time()
        split = urllib.parse.urlsplit(self.path)
        path, raw_query = split.path, split.query
        body = self._read_body()
        query = dict(urllib.parse.parse_qsl(raw_query, keep_blank_values=True))
        self._log_entry = None
        if self.server.control and path.startswith("/__control/"):
            self._write(self._control(path, query, body))
            return
        request = http_types.Request(self.command, path, query, self.headers, body, self.client_address[0])
        entry = self.server.faults.take(self.command, path) if self.server.control else None
        # Logged when the status line goes out (or at the end for a drop), so a slow body is already listed.
        self._log_entry = (self.command, path, raw_query, self.headers.get("Authorization") is not None,
                           entry["action"] if entry else None, started,
                           getattr(self.connection, "connection_number", None))
        try:
            if entry is None:
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
        self._head(response.status, response.headers, len(response.body))
        if self.command != "HEAD" and response.body:
            self.wfile.write(response.body)
        self.wfile.flush()

    def _close_now(self, reset):
        """Ends the connection without TLS close_notify; with reset, by a TCP RST."""
        self.close_connection = True
        self.wfile.flush()
        if reset:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.connection.close()

    def _run_fault(self, entry, request):
        """Answers as the entry says (README.md, "Control API")."""
        action = entry["action"]
        if action in ("respond", "non_json", "redirect"):
            response = faults.scripted_response(entry)
            self._write(response)
            return
        if action == "drop":
            self._close_now(reset=False)
            return
        if action == "huge":
            self._huge(entry)
            return
        response = self._app(request)
        if action == "pass":
            self._write(response)
            return
        if action == "flip_bit":
            self._write(faults.flip_bit(response, entry))
            return
        body = faults.entry_body(entry, response.body)
        status = entry.get("status", response.status)
        headers = dict(response.headers, **entry.get("headers", {}))
        if action == "drip":
            self._head(status, headers, len(body))
            self.wfile.flush()
            for index in range(len(body)):
                time.sleep(entry.get("interval", 10))
                self.wfile.write(body[index:index + 1])
                self.wfile.flush()
            return
        sent = entry.get("sent", len(body) // 2)
        self._head(status, headers, len(body) + (entry.get("extra", 1000) if action == "truncate" else 0))
        self.wfile.write(body[:sent])
        self._close_now(reset=(action == "reset"))

    def _huge(self, entry):
        size = entry.get("size", 20 * 1024 * 1024)
        prefix = entry.get("prefix", '{"data":{"blob":"').encode()
        fill = (entry.get("fill", "A").encode() or b"A") * CHUNK
        headers = {"Content-Type": "application/json"}
        chunked = entry.get("chunked", False)
        if chunked:
            headers["Transfer-Encoding"] = "chunked"
        status = entry.get("status", 200)
        self._head(status, headers, None if chunked else size)
        written = 0
        while written < size:
            piece = (prefix + fill)[:min(CHUNK, size - written)] if written == 0 else fill[:min(CHUNK, size - written)]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            written += len(piece)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    # The control endpoint

    def _control(self, path, query, body):
        method = self.command
        fault_log = self.server.faults
        try:
            if (method, path) == ("POST", "/__control/script"):
                try:
                    queued = fault_log.add_script(json.loads(body or b"null"))
                except (ValueError, faults.ScriptError) as error:
                    return http_types.Response(400, {"message": str(error), "error": "bad_script"})
                return http_types.Response(200, {"data": {"queued": queued}})
            if (method, path) == ("GET", "/__control/scripts"):
                return http_types.Response(200, {"data": fault_log.pending()})
            if (method, path) == ("GET", "/__control/log"):
                since = int(query.get("since", "0") or 0)
                return http_types.Response(200, fault_log.entries(since))
            if (method, path) == ("POST", "/__control/reset"):
                options = json.loads(body) if body else {}
                fault_log.reset()
                self.server.app.limiter.reset()
                if isinstance(options, dict) and options.get("reseed"):
                    self.server.reseed()
                return http_types.Response(200, {"data": {"reset": True}})
        except ValueError as error:
            return http_types.Response(400, {"message": str(error), "error": "bad_request"})
        return http_types.Response(404, {"message": "No such control endpoint.", "error": "not_found"})
