# The /api/v1 router: short and deprecated long paths, authentication, rate limits, content negotiation.
import urllib.parse

import cloud_body
import cloud_http as http
import cloud_json
import cloud_keys as keys
import cloud_oauth as oauth
import cloud_resources as resources
import cloud_secrets as secrets_api
from cloud_validate import RESERVED

TOP_LEVEL = {"me", "organizations", "organization", "plans", "telemetry"}

# (method, pattern, handler, whether a valid token is needed)
ROUTES = [
    ("GET", "me", resources.me, True),
    ("GET", "organizations", resources.list_organizations, True),
    ("POST", "organizations", resources.create_organization, True),
    ("GET", "organization", resources.show_organization, True),
    ("GET", "plans", resources.list_plans, True),
    ("POST", "telemetry", resources.telemetry, False),
    ("GET", "{org}", resources.show_organization, True),  # reached by the long form /organizations/{org}
    ("GET", "{org}/projects", resources.list_projects, True),
    ("POST", "{org}/projects", resources.create_project, True),
    ("GET", "{org}/secrets/resolve", secrets_api.resolve, True),
    ("PUT", "{org}/secrets", secrets_api.upsert, True),
    ("DELETE", "{org}/secrets", secrets_api.clear, True),
    ("GET", "{org}/secrets/versions", secrets_api.list_versions, True),
    ("DELETE", "{org}/secrets/versions", secrets_api.purge_versions, True),
    ("GET", "{org}/secrets/versions/{version}", secrets_api.show_version, True),
    ("DELETE", "{org}/secrets/versions/{version}", secrets_api.delete_version, True),
    ("POST", "{org}/secrets/versions/{version}/restore", secrets_api.restore_version, True),
    ("GET", "{org}/{project}", resources.show_project, True),
    ("PATCH", "{org}/{project}", resources.update_project, True),
    ("DELETE", "{org}/{project}", resources.delete_project, True),
    ("GET", "{org}/{project}/secrets", secrets_api.show_level, True),
    ("GET", "{org}/{project}/key", keys.show_key, True),
    ("GET", "{org}/{project}/key/history", keys.history, True),
    ("POST", "{org}/{project}/key/rotate", keys.rotate, True),
    ("POST", "{org}/{project}/key/reencrypt", keys.reencrypt, True),
    ("GET", "{org}/{project}/key/retired-versions", keys.list_retired, True),
    ("POST", "{org}/{project}/key/retired-versions", keys.replace_retired, True),
    ("GET", "{org}/{project}/targets", resources.list_targets, True),
    ("POST", "{org}/{project}/targets", resources.create_target, True),
    ("GET", "{org}/{project}/{target}", resources.show_target, True),
    ("PATCH", "{org}/{project}/{target}", resources.update_target, True),
    ("DELETE", "{org}/{project}/{target}", resources.delete_target, True),
    ("GET", "{org}/{project}/{target}/secrets", secrets_api.show_level, True),
    ("GET", "{org}/{project}/{target}/environments", resources.list_environments, True),
    ("POST", "{org}/{project}/{target}/environments", resources.create_environment, True),
    ("GET", "{org}/{project}/{target}/{environment}", resources.show_environment, True),
    ("PATCH", "{org}/{project}/{target}/{environment}", resources.update_environment, True),
    ("DELETE", "{org}/{project}/{target}/{environment}", resources.delete_environment, True),
    ("GET", "{org}/{project}/{target}/{environment}/secrets", secrets_api.show_level, True),
]
ROUTES = [(method, pattern.split("/"), handler, auth) for method, pattern, handler, auth in ROUTES]
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def long_to_short(segments):
    """Maps organizations/{org}/projects/{p}/targets/{t}/environments/{e}/rest to {org}/{p}/{t}/{e}/rest."""
    out, rest = [segments[1]], segments[2:]
    for word in ("projects", "targets", "environments"):
        if len(rest) >= 2 and rest[0] == word:
            out.append(rest[1])
            rest = rest[2:]
        else:
            break
    return out + rest


def _segment_fits(name, value):
    if name == "org":
        return value not in TOP_LEVEL and value != ""
    if name == "version":
        return value != ""
    return value != "" and value not in RESERVED


def match(method, segments):
    """(handler, params, auth) or raises 404 / 405."""
    allowed = []
    for route_method, pattern, handler, auth in ROUTES:
        if len(pattern) != len(segments):
            continue
        params = {}
        for part, value in zip(pattern, segments):
            if part.startswith("{"):
                if not _segment_fits(part[1:-1], value):
                    break
                params[part[1:-1]] = value
            elif part != value:
                break
        else:
            if route_method == method:
                return handler, params, auth
            allowed.append(route_method)
    if allowed:
        raise http.ApiError(405, "method_not_allowed", f"The {method} method is not supported for this route.",
                            headers={"Allow": ", ".join(sorted(set(allowed)))})
    raise http.ApiError(404, "not_found", "The route was not found.")


def accepts_json(accept):
    if accept is None or accept.strip() == "":
        return True
    for item in accept.split(","):
        media = item.split(";")[0].strip().lower()
        quality = 1.0
        for param in item.split(";")[1:]:
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0 and (media in ("application/json", "application/*", "*/*") or media.endswith("+json")):
            return True
    return False


def is_json_type(content_type):
    return content_type is not None and content_type.split(";")[0].strip().lower() == "application/json"


class Context:
    """What a handler gets: the request, the store, the token, the path parameters and the org."""

    def __init__(self, app, request, token, params):
        self.app = app
        self.store = app.store
        self.config = app.config
        self.request = request
        self.token = token
        self.params = params
        self._org = None

    @property
    def org(self):
        if self._org is None:
            self._org = self.app.accessible_org(self.token, self.params.get("org"))
            if self._org is None:
                raise http.not_found("Organization")
        return self._org

    def abilities(self):
        return self.token.abilities_in(self.org)

    def require(self, *abilities):
        for ability in abilities:
            if ability not in self.abilities():
                raise http.forbidden(ability)

    def in_scope(self, project):
        return self.token.projects is None or project.id in self.token.projects

    def project(self, ability, slug=None):
        """The named project after the ability and scope checks (403), or 404."""
        self.require(ability)
        slug = self.params.get("project") if slug is None else slug
        project = self.org.projects.get(slug)
        if project is None:
            raise http.not_found(f"Project {slug}")
        if not self.in_scope(project):
            raise http.forbidden(ability, f"The token is not allowed to access project {slug}.")
        return project

    def child(self, parent, slug):
        level = parent.children.get(slug)
        if level is None:
            kind = "Target" if parent.kind == "project" else "Environment"
            raise http.not_found(f"{kind} {slug}")
        return level

    def body(self):
        """The JSON object body ({} when empty); 422 when it is not a JSON object."""
        if self.request.json is None:
            if not self.request.body:
                self.request.json = {}
            else:
                try:
                    self.request.json = cloud_json.decode(self.request.body)
                except cloud_json.JsonError as error:
                    raise http.validation({"body": [str(error)]}) from None
                if not isinstance(self.request.json, dict):
                    raise http.validation({"body": ["The request body must be a JSON object."]})
        return self.request.json


class App:
    """Turns a Request into a Response; no sockets here, so faults can wrap or transform answers."""

    def __init__(self, store, config, limiter):
        self.store = store
        self.config = config
        self.limiter = limiter

    def accessible_org(self, token, org_id):
        org = self.store.orgs.get(org_id)
        if org is None or token is None:
            return None
        if token.user is not None:
            return org if org.id in token.user.memberships else None
        return org if org.id == token.org_id else None

    def handle(self, request):
        """Every answer gets an X-Request-Id; /api/v1 and the token endpoint also get rate-limit headers."""
        response = self._route(request)
        response.headers["X-Request-Id"] = http.request_id()
        return response

    def _route(self, request):
        try:
            if request.path == "/api/oauth/token":
                return self._limited(request, ("oauth", request.client_ip), self.config.oauth_rate_limit,
                                     lambda: oauth.token_endpoint(self, request, request.read_body()))
            if request.path == "/api/v1" or request.path.startswith("/api/v1/"):
                return self._api(request)
            if request.malformed is not None:
                raise request.malformed
            if request.path == "/oauth/authorize":
                return oauth.authorize(self, request)
            raise http.not_found("Route")
        except http.ApiError as error:
            return error.response()
        except cloud_body.CLIENT_ERRORS:
            raise  # the client went away while its body was read: no answer
        except Exception:  # noqa: BLE001 - a handler bug is a 500 with the usual headers, not a dropped connection
            return http.internal_error()

    def _limited(self, request, key, limit, produce):
        allowed, remaining, retry_after = self.limiter.hit(key, limit, self.config.rate_window)
        headers = {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining)}
        if not allowed:
            headers["Retry-After"] = str(retry_after)
            response = http.ApiError(429, "rate_limited", "Too many requests.").response()
        else:
            try:
                response = produce()
            except http.ApiError as error:
                response = error.response()
            except cloud_body.CLIENT_ERRORS:
                raise
            except Exception:  # noqa: BLE001 - see _route
                response = http.internal_error()
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response

    def _token(self, request):
        """(token or None, problem): problem is None, "missing", "invalid" or "expired"."""
        header = request.header("Authorization")
        if header is None:
            return None, "missing"
        scheme, _, value = header.partition(" ")
        token = self.store.tokens.get(value.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            return None, "invalid"
        if token.expired():
            return None, "expired"
        return token, None

    def _api(self, request):
        raw = [urllib.parse.unquote(part) for part in request.path[len("/api/v1/"):].split("/")]
        if raw and raw[-1] == "" and len(raw) > 1:
            raw = raw[:-1]
        deprecated = len(raw) >= 2 and raw[0] == "organizations"
        segments = long_to_short(raw) if deprecated else raw
        try:
            route = match(request.method, segments)
            route_error = None
        except http.ApiError as error:
            route, route_error = None, error
        with self.store.lock:
            token, problem = self._token(request)
            key, limit = self._rate_key(request, token, segments)
        response = self._limited(request, key, limit, lambda: self._dispatch(request, token, problem,
                                                                              route, route_error))
        if deprecated:
            response.headers["Deprecation"] = "true"
        return response

    def _rate_key(self, request, token, segments):
        if segments == ["telemetry"]:
            return ("telemetry", request.client_ip), self.config.telemetry_rate_limit
        if token is None:
            return ("ip", request.client_ip), self.config.default_rate_limit()
        org = self.accessible_org(token, segments[0] if segments else None)
        if org is None and token.org_id is not None:
            org = self.store.orgs.get(token.org_id)
        if org is None:
            return ("user", token.user.id), self.config.default_rate_limit()
        return ("org", org.id), self.config.org_rate_limit(org, self.store.plan(org.plan))

    def _dispatch(self, request, token, problem, route, route_error):
        """The checks of the request line and headers, then the body is read (outside the store lock, so
        a slow client holds up only its own thread), then the handler runs under the lock."""
        if request.malformed is not None:
            raise request.malformed
        if not accepts_json(request.header("Accept")):
            raise http.ApiError(406, "not_acceptable", "This API only answers application/json.")
        if route_error is not None:
            raise route_error
        handler, params, needs_token = route
        if needs_token and token is None:
            if problem == "expired":
                raise http.ApiError(401, "token_expired", "The token has expired.")
            raise http.unauthenticated("Unauthenticated." if problem == "missing" else "The token is invalid.")
        if request.method in WRITE_METHODS:
            content_type = request.header("Content-Type")
            if (request.has_body or content_type is not None) and not is_json_type(content_type):
                raise http.ApiError(415, "unsupported_media_type", "Write requests must send application/json.")
        request.read_body()  # 413 from Content-Length before a byte is read; 400 for a malformed chunk
        with self.store.lock:
            return handler(Context(self, request, token, params))
