# How scripted faults go on the wire (README.md, "Control API"): the part of the request handler that
# drops, resets, truncates, drips, streams huge bodies or flips a bit.
import socket
import struct
import time

import cloud_faults as faults

CHUNK = 64 * 1024


class FaultWire:
    """A mixin for the request handler: needs its _app, _write, _head, wfile and connection."""

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
