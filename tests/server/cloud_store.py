# The server's in-memory state: organizations, projects, levels, versions, keys, tokens.
import os
import secrets
import threading
import time

import cloud_crypto as crypto

ABILITIES = (
    "organization:read",
    "project:read", "project:create", "project:update", "project:delete",
    "target:read", "target:create", "target:update", "target:delete",
    "environment:read", "environment:create", "environment:update", "environment:delete",
    "secret:read", "secret:write", "key:retrieve", "key:rotate",
)
_READ = {a for a in ABILITIES if a.endswith(":read")}
ROLE_ABILITIES = {
    "owner": set(ABILITIES),
    "admin": set(ABILITIES),
    "developer": _READ | {"secret:write", "key:retrieve", "target:create", "target:update",
                          "environment:create", "environment:update"},
    "viewer": _READ,
}
DEFAULT_PLANS = [
    {"slug": "free", "name": "Free", "limits": {"projects": 3, "targets_per_project": 3,
                                                "environments_per_target": 3, "requests_per_minute": 100}},
    {"slug": "team", "name": "Team", "limits": {"projects": 25, "targets_per_project": 10,
                                                "environments_per_target": 10, "requests_per_minute": 100}},
    {"slug": "business", "name": "Business", "limits": {"projects": 200, "targets_per_project": 50,
                                                        "environments_per_target": 50, "requests_per_minute": 300}},
]
CHILD_KIND = {"project": "target", "target": "environment"}


class KeyVersion:
    def __init__(self, version, key=None, proof=None):
        self.version = version
        self.key = key            # server-managed only
        self.key_proof = proof    # client-managed only
        self.created_at = crypto.now_iso()
        self.retired_at = None


class Version:
    """A backup of a level's blob, saved before each upsert, clear or restore."""

    def __init__(self, level, version, key_version, blob, updated_at):
        self.id = crypto.ulid()
        self.level = level
        self.version = version
        self.key_version = key_version
        self.blob = blob
        self.blob_updated_at = updated_at
        self.created_at = crypto.now_iso()
        self.seq = next(_SEQUENCE)


def _counter():
    n = 0
    while True:
        n += 1
        yield n


_SEQUENCE = _counter()


class Level:
    """A project, target or environment: an object with a slug, children and one encrypted blob."""

    def __init__(self, kind, slug, name, parent=None, encryption=None, level_id=None):
        self.kind = kind
        self.id = level_id or crypto.ulid()
        self.slug = slug
        self.name = name
        self.parent = parent
        self.children = {}  # slug -> Level, insertion ordered
        self.created_at = self.updated_at = crypto.now_iso()
        self.blob = None
        self.version = None
        self.key_version = None
        self.blob_updated_at = None
        self.last_version = 0
        self.versions = []  # backups, newest first
        self.encryption = encryption  # projects only
        self.keys = []  # projects only: KeyVersion, oldest first

    @property
    def project(self):
        level = self
        while level.parent is not None:
            level = level.parent
        return level

    def current_key(self):
        return self.project.keys[-1]

    def walk(self):
        yield self
        for child in self.children.values():
            yield from child.walk()

    def backup(self, org):
        if self.blob is None:
            return None
        saved = Version(self, self.version, self.key_version, self.blob, self.blob_updated_at)
        self.versions.insert(0, saved)
        org.versions[saved.id] = saved
        return saved

    def write(self, org, blob, key_version):
        self.backup(org)
        self.last_version += 1
        self.blob, self.version, self.key_version = blob, self.last_version, key_version
        self.blob_updated_at = crypto.now_iso()

    def clear(self, org):
        self.backup(org)
        self.blob = self.version = self.key_version = self.blob_updated_at = None

    def forget_versions(self, org):
        for level in self.walk():
            for saved in level.versions:
                org.versions.pop(saved.id, None)
            level.versions = []


class Organization:
    def __init__(self, name, plan, org_id=None, rate_limit=None):
        self.id = org_id or crypto.ulid()
        self.name = name
        self.plan = plan
        self.rate_limit = rate_limit
        self.created_at = self.updated_at = crypto.now_iso()
        self.projects = {}  # slug -> Level
        self.versions = {}  # version id -> Version


class User:
    def __init__(self, name, email, user_id=None):
        self.id = user_id or crypto.ulid()
        self.name = name
        self.email = email
        self.memberships = {}  # org id -> role


class Token:
    """An organization API token, or a user's OAuth access token (user set, org None)."""

    def __init__(self, value, name, org_id=None, user=None, abilities=None, projects=None, expires_at=None):
        self.id = crypto.ulid()
        self.value = value
        self.name = name
        self.org_id = org_id
        self.user = user
        self.abilities = set(abilities or ())
        self.projects = projects  # None, or a set of project ids
        self.expires_at = expires_at  # epoch seconds or None

    def expired(self):
        return self.expires_at is not None and time.time() >= self.expires_at

    def abilities_in(self, org):
        if self.user is not None:
            return ROLE_ABILITIES.get(self.user.memberships.get(org.id), set())
        return self.abilities if org.id == self.org_id else set()


def new_token_value():
    return "dcs_" + secrets.token_hex(20)


class Store:
    """Everything the server knows. Handlers hold `lock` for the whole of a request's work."""

    def __init__(self):
        self.lock = threading.RLock()
        self.plans = [dict(plan) for plan in DEFAULT_PLANS]
        self.orgs = {}
        self.users = []
        self.tokens = {}  # value -> Token
        self.auth_codes = {}  # code -> dict
        self.refresh_tokens = {}  # value -> dict
        self.named_tokens = {}  # seed name -> Token
        self.client_keys = {}  # project id -> client key bytes (seed only, for the demo key file)
        self.demo = {}
        self.seeded_ids = set()  # ids the seed gave, to refuse one given twice

    def plan(self, slug):
        return next((p for p in self.plans if p["slug"] == slug), self.plans[0])

    def add_token(self, token):
        self.tokens[token.value] = token
        return token

    def user_by_email(self, email):
        return next((u for u in self.users if u.email == email), None)


def write_secret_file(path, text):
    """Writes text to a new file of mode 0600 (tokens, keys), replacing any old one."""
    if os.path.lexists(path):
        os.unlink(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text + "\n")
