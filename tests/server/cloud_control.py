# The /__control/ endpoint behind --test-control (README.md, "Control API"): scripts, the log, reset.
import re

import cloud_http as http
import cloud_json
from cloud_scripts import ScriptError

SEQ_RE = re.compile(r"[0-9]{1,15}")


def _bad(message, error="bad_request"):
    return http.Response(400, {"message": message, "error": error})


def handle(server, method, path, query, body):
    """The answer to one control request; `body` is the request's bytes."""
    fault_log = server.faults
    if (method, path) == ("POST", "/__control/script"):
        try:
            queued = fault_log.add_script(cloud_json.decode(body or b"null"))
        except (ValueError, ScriptError) as error:
            return _bad(str(error), "bad_script")
        return http.Response(200, {"data": {"queued": queued}})
    if (method, path) == ("GET", "/__control/scripts"):
        return http.Response(200, {"data": fault_log.pending()})
    if (method, path) == ("GET", "/__control/log"):
        since = query.get("since", "0") or "0"
        if not SEQ_RE.fullmatch(since):
            return _bad("since must be a sequence number.")
        return http.Response(200, fault_log.entries(int(since)))
    if (method, path) == ("POST", "/__control/reset"):
        try:
            options = cloud_json.decode(body) if body else {}
        except ValueError as error:
            return _bad(str(error))
        if not isinstance(options, dict) or not isinstance(options.get("reseed", False), bool):
            return _bad('The body must be {} or {"reseed": true|false}.')
        fault_log.reset()
        server.app.limiter.reset()
        if options.get("reseed"):
            server.reseed()
        return http.Response(200, {"data": {"reset": True}})
    return http.Response(404, {"message": "No such control endpoint.", "error": "not_found"})
