# Test-only fault scripts and the request log behind --test-control (see README.md, "Control API").
import base64
import json
import threading
import time

import cloud_crypto as crypto
import cloud_http as http
from cloud_scripts import check_script


class Faults:
    """Scripted answers per (method, path), consumed in order, and the log of answered requests."""

    def __init__(self):
        self.lock = threading.Lock()
        self.scripts = {}
        self.log = []
        self.seq = 0
        self.accepted = 0
        self.tls_failed = 0

    def add_script(self, body):
        """Queues the entries of a POST /__control/script body; raises cloud_scripts.ScriptError."""
        method, path, entries, replace = check_script(body)
        with self.lock:
            queue = self.scripts.setdefault((method, path), [])
            if replace:
                queue.clear()
            queue.extend(entries)
            return len(queue)

    def take(self, method, path):
        """The next scripted entry for this request, or None: exact path before *, method before *."""
        with self.lock:
            for key in ((method, path), ("*", path), (method, "*"), ("*", "*")):
                queue = self.scripts.get(key)
                if queue:
                    entry = queue[0]
                    if not entry.get("repeat"):
                        entry["_left"] -= 1
                        if entry["_left"] == 0:
                            queue.pop(0)
                    return entry
            return None

    def pending(self):
        with self.lock:
            return [{"method": method, "path": path,
                     "responses": [{k: v for k, v in e.items() if not k.startswith("_")} for e in queue]}
                    for (method, path), queue in self.scripts.items() if queue]

    def record(self, method, path, query, status, authorization, fault, started, connection):
        with self.lock:
            self.seq += 1
            self.log.append({"seq": self.seq, "time": crypto.now_iso(started), "epoch": round(started, 6),
                             "duration_ms": round((time.time() - started) * 1000, 3), "method": method,
                             "path": path, "query": query, "status": status, "authorization": authorization,
                             "fault": fault, "connection": connection})

    def count_connection(self, tls_ok):
        with self.lock:
            if tls_ok:
                self.accepted += 1
                return self.accepted
            self.tls_failed += 1
            return None

    def entries(self, since=0):
        with self.lock:
            return {"data": [e for e in self.log if e["seq"] > since],
                    "connections": {"accepted": self.accepted, "tls_failed": self.tls_failed}}

    def reset(self):
        with self.lock:
            self.scripts.clear()
            self.log.clear()
            self.seq = 0
            self.accepted = self.tls_failed = 0


def entry_body(entry, default=None):
    """The bytes an entry names: body (a string as is, anything else as JSON) or body_base64."""
    if "body_base64" in entry:
        return base64.b64decode(entry["body_base64"])
    if "body" in entry:
        body = entry["body"]
        return body.encode("utf-8") if isinstance(body, str) else json.dumps(body).encode("utf-8")
    return default


def scripted_response(entry):
    """A complete Response for respond, non_json and redirect entries."""
    action = entry["action"]
    headers = dict(entry.get("headers", {}))
    if action == "redirect":
        headers["Location"] = entry["location"]
        return http.Response(entry["status"], entry_body(entry, b""), headers)
    if action == "non_json":
        body = entry_body(entry, b"<html><body><h1>502 Bad Gateway</h1></body></html>")
        return http.Response(entry.get("status", 200), body, headers, entry.get("content_type", "application/json"))
    status = entry["status"]
    if "retry_after" in entry:
        headers["Retry-After"] = str(entry["retry_after"])
    default = None
    if status == 429:
        default = {"message": "Too many requests.", "error": "rate_limited"}
    elif status >= 400:
        default = {"message": "Scripted error.", "error": "scripted"}
    body = entry_body(entry, default)
    if isinstance(body, dict):
        body = json.dumps(body)
    return http.Response(status, body, headers, entry.get("content_type", "application/json"))


def flip_bit(response, entry):
    """Flips one bit of one blob's ciphertext in a resolve or level answer, keeping the base64 valid."""
    try:
        payload = json.loads(response.body)
    except ValueError:
        return response
    data = payload.get("data") if isinstance(payload, dict) else None
    holders = [data] if isinstance(data, dict) and data.get("blob") else []
    if isinstance(data, dict) and isinstance(data.get("levels"), list):
        holders = [lv for lv in data["levels"] if isinstance(lv, dict) and lv.get("blob")]
        wanted = entry.get("level")
        if wanted is not None:
            holders = [lv for lv in holders if lv.get("level") == wanted]
    if not holders:
        return response
    target = holders[-1]
    prefix, _, encoded = target["blob"].rpartition(":")
    raw = bytearray(base64.b64decode(encoded))
    byte = entry.get("byte", crypto.NONCE_BYTES) % len(raw)
    raw[byte] ^= 1 << (entry.get("bit", 0) % 8)
    target["blob"] = f"{prefix}:{crypto.b64(bytes(raw))}"
    response.body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    return response
