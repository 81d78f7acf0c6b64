# OAuth: an authorize URL that approves at once, and the token endpoint (PKCE S256 codes, refresh tokens).
import base64
import hashlib
import re
import secrets
import time
import urllib.parse

import cloud_http as http
import cloud_json
from cloud_store import Token, new_token_value

CODE_TTL = 60
REFRESH_TTL = 30 * 24 * 3600
VERIFIER_RE = re.compile(r"[A-Za-z0-9._~-]{43,128}")  # fullmatch only: `$` also matches before a final \n
CHALLENGE_RE = re.compile(r"[A-Za-z0-9_-]{43}")
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
URI_RE = re.compile(r"[!-~]+")  # printable ASCII, no space


def _oauth_error(status, description, error="invalid_request"):
    return http.Response(status, {"error": error, "error_description": description}, {"Cache-Control": "no-store"})


def _with_query(uri, params):
    return uri + ("&" if "?" in uri else "?") + urllib.parse.urlencode(params)


def _loopback(uri):
    """Whether uri is an http:// URL on a loopback host with a valid port and no fragment, in printable
    ASCII (it goes into a Location header as is: a CR or LF there would add headers)."""
    if not URI_RE.fullmatch(uri) or "#" in uri:
        return False
    try:
        parsed = urllib.parse.urlsplit(uri)
        parsed.port  # noqa: B018 - raises ValueError for a port that is not 0-65535
    except ValueError:  # also "Invalid IPv6 URL"
        return False
    return parsed.scheme == "http" and parsed.hostname in LOOPBACK_HOSTS


def authorize(app, request):
    """Approves at once as the --oauth-user (or login_hint) and redirects to the loopback redirect_uri."""
    if request.method != "GET":
        return _oauth_error(405, "Use GET.")
    query = request.query
    redirect_uri = query.get("redirect_uri", "")
    if not _loopback(redirect_uri):
        return _oauth_error(400, "The redirect_uri must be an http:// loopback address.")
    state = query.get("state")

    def refuse(description, error="invalid_request"):
        params = {"error": error, "error_description": description}
        if state is not None:
            params["state"] = state
        return http.Response(302, None, {"Location": _with_query(redirect_uri, params)})

    if query.get("response_type") != "code":
        return refuse("The response_type must be code.")
    if not query.get("client_id"):
        return refuse("The client_id is required.")
    challenge = query.get("code_challenge", "")
    if query.get("code_challenge_method") != "S256" or not CHALLENGE_RE.fullmatch(challenge):
        return refuse("A code_challenge with code_challenge_method S256 is required.")
    store = app.store
    with store.lock:
        user = store.user_by_email(query.get("login_hint") or app.config.oauth_user or "")
        if user is None and not query.get("login_hint") and not app.config.oauth_user and store.users:
            user = store.users[0]
        if user is None:
            return refuse("No such user.", "access_denied")
        code = secrets.token_urlsafe(32)
        store.auth_codes[code] = {"user": user, "client_id": query["client_id"], "redirect_uri": redirect_uri,
                                  "challenge": challenge, "expires": time.time() + CODE_TTL}
    params = {"code": code}
    if state is not None:
        params["state"] = state
    return http.Response(302, None, {"Location": _with_query(redirect_uri, params)})


def _form(request, raw):
    content_type = (request.header("Content-Type") or "").split(";")[0].strip().lower()
    try:
        if content_type == "application/json":
            body = cloud_json.decode(raw or b"{}")
        elif content_type == "application/x-www-form-urlencoded":
            body = dict(urllib.parse.parse_qsl(raw.decode("utf-8")))
        else:
            return None
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def _issue(app, user, client_id):
    ttl = app.config.access_token_ttl
    access = app.store.add_token(Token(new_token_value(), f"oauth:{client_id}", user=user,
                                       expires_at=time.time() + ttl))
    refresh = secrets.token_urlsafe(40)
    app.store.refresh_tokens[refresh] = {"user": user, "client_id": client_id,
                                         "expires": time.time() + REFRESH_TTL}
    return http.Response(200, {"access_token": access.value, "token_type": "Bearer", "expires_in": ttl,
                               "refresh_token": refresh}, {"Cache-Control": "no-store"})


def _s256(verifier):
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()


def _malformed(body, names):
    """The 400 description for missing or non-string fields, or None."""
    missing = [name for name in names if body.get(name) in (None, "")]
    if missing:
        return f"Missing {', '.join(missing)}."
    wrong = [name for name in names if not isinstance(body[name], str)]
    if wrong:
        return f"The {', '.join(wrong)} must be {'a string' if len(wrong) == 1 else 'strings'}."
    return None


def token_endpoint(app, request, raw):
    if request.method != "POST":
        return _oauth_error(405, "Use POST.")
    body = _form(request, raw)
    if body is None:
        return _oauth_error(400, "The body must be a JSON object or a form.")
    grant = body.get("grant_type")
    store = app.store
    with store.lock:
        if grant == "authorization_code":
            problem = _malformed(body, ("code", "client_id", "code_verifier", "redirect_uri"))
            if problem:
                return _oauth_error(400, problem)
            if not VERIFIER_RE.fullmatch(body["code_verifier"]):
                return _oauth_error(400, "The code_verifier must be 43 to 128 unreserved characters.")
            entry = store.auth_codes.pop(body["code"], None)
            if entry is None or entry["expires"] < time.time():
                return _oauth_error(401, "The authorization code is invalid, used or expired.")
            if entry["client_id"] != body["client_id"] or entry["redirect_uri"] != body["redirect_uri"]:
                return _oauth_error(401, "The client_id or redirect_uri differs from the authorization request.")
            if _s256(body["code_verifier"]) != entry["challenge"]:
                return _oauth_error(401, "The code_verifier does not match the code_challenge.")
            return _issue(app, entry["user"], entry["client_id"])
        if grant == "refresh_token":
            problem = _malformed(body, ("refresh_token", "client_id"))
            if problem:
                return _oauth_error(400, problem)
            entry = store.refresh_tokens.pop(body["refresh_token"], None)
            if entry is None or entry["expires"] < time.time() or entry["client_id"] != body["client_id"]:
                return _oauth_error(401, "The refresh token is invalid, used or expired.")
            return _issue(app, entry["user"], entry["client_id"])
        return _oauth_error(400, "The grant_type must be authorization_code or refresh_token.")
