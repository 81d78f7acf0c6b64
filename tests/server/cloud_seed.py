# The seed loader (README.md, "Seed format"): builds a Store from a seed file, sealing its levels.
import json

import cloud_crypto as crypto
from cloud_store import ABILITIES, ROLE_ABILITIES, KeyVersion, Level, Organization, Store, Token, User, new_token_value
from cloud_validate import slug_error


class SeedError(Exception):
    pass


def _env_text(value, where):
    if value is None:
        return None
    if isinstance(value, list) and all(isinstance(line, str) for line in value):
        return "".join(line + "\n" for line in value)
    if isinstance(value, str):
        return value
    raise SeedError(f"{where}: env must be a string or a list of lines")


def _seed_level(store, org, level, spec, where):
    """Writes the seeded history then the current text of one level, sealed by this server."""
    project = level.project
    key = project.keys[-1]
    texts = [_env_text(text, where) for text in spec.get("history", [])]
    current = _env_text(spec.get("env"), where)
    if current is not None:
        texts.append(current)
    secret = key.key if project.encryption == "server" else store.client_keys[project.id]
    for text in texts:
        level.write(org, crypto.seal(secret, key.version, org.id, level.id, text), key.version)
    if current is None and texts:
        level.clear(org)


def _given_id(store, spec, where):
    """The seed's `id` for an object (None: generate one); a ULID, and no two objects share one (a level id
    is bound into its blobs: two levels with one id would open each other's blobs)."""
    given = spec.get("id")
    if given is None:
        return None
    if not crypto.is_ulid(given):
        raise SeedError(f"{where}: id must be a ULID (26 Crockford base32 characters)")
    if given in store.seeded_ids:
        raise SeedError(f"{where}: id {given} is already used")
    store.seeded_ids.add(given)
    return given


def _check_slug(slug, where):
    problem = slug_error(slug)
    if problem:
        raise SeedError(f"{where}: {problem}")


def _seed_project(store, org, spec, where):
    slug = spec.get("slug")
    _check_slug(slug, where)
    encryption = spec.get("encryption", "server")
    if encryption not in ("server", "client"):
        raise SeedError(f"{where}: encryption must be server or client")
    project = Level("project", slug, spec.get("name", slug), encryption=encryption,
                    level_id=_given_id(store, spec, where))
    key_version = int(spec.get("key_version", 1))
    for version in range(1, key_version + 1):
        current = version == key_version
        if encryption == "server":
            key = crypto.unb64(spec["key"], 32) if current and "key" in spec else crypto.new_key()
            if key is None:
                raise SeedError(f"{where}: key must be base64 of 32 bytes")
            entry = KeyVersion(version, key=key)
        else:
            client_key = crypto.unb64(spec.get("client_key"), 32) if current else crypto.new_key()
            if client_key is None:
                raise SeedError(f"{where}: a client-managed project needs client_key, base64 of 32 bytes")
            if current:
                store.client_keys[project.id] = client_key
            entry = KeyVersion(version, proof=crypto.key_proof(
                client_key, iterations=int(spec.get("iterations", crypto.PROOF_ITERATIONS))))
        if not current:
            entry.retired_at = crypto.now_iso()
        project.keys.append(entry)
    if slug in org.projects:
        raise SeedError(f"{where}: the slug {slug} is taken")
    org.projects[slug] = project
    _seed_level(store, org, project, spec, where)
    for t_index, t_spec in enumerate(spec.get("targets", [])):
        t_where = f"{where}.targets[{t_index}]"
        _check_slug(t_spec.get("slug"), t_where)
        target = Level("target", t_spec["slug"], t_spec.get("name", t_spec["slug"]), project, level_id=_given_id(store, t_spec, t_where))
        if target.slug in project.children:
            raise SeedError(f"{t_where}: the slug {target.slug} is taken")
        project.children[target.slug] = target
        _seed_level(store, org, target, t_spec, t_where)
        for e_index, e_spec in enumerate(t_spec.get("environments", [])):
            e_where = f"{t_where}.environments[{e_index}]"
            _check_slug(e_spec.get("slug"), e_where)
            env = Level("environment", e_spec["slug"], e_spec.get("name", e_spec["slug"]), target,
                        level_id=_given_id(store, e_spec, e_where))
            if env.slug in target.children:
                raise SeedError(f"{e_where}: the slug {env.slug} is taken")
            target.children[env.slug] = env
            _seed_level(store, org, env, e_spec, e_where)


def _seed_token(store, spec, where):
    value = spec.get("value") or new_token_value()
    expires = spec.get("expires_at")
    expires_at = None if expires is None else crypto.parse_iso(expires)
    if "user" in spec:
        user = store.user_by_email(spec["user"])
        if user is None:
            raise SeedError(f"{where}: no user {spec['user']}")
        return Token(value, spec.get("name", value[:8]), user=user, expires_at=expires_at)
    org = store.orgs.get(spec.get("organization"))
    if org is None:
        raise SeedError(f"{where}: organization must be the id of a seeded organization")
    abilities = spec.get("abilities", ["*"])
    if abilities == ["*"]:
        abilities = ABILITIES
    unknown = set(abilities) - set(ABILITIES)
    if unknown:
        raise SeedError(f"{where}: unknown abilities {sorted(unknown)}")
    projects = None
    if spec.get("projects") is not None:
        projects = set()
        for slug in spec["projects"]:
            if slug not in org.projects:
                raise SeedError(f"{where}: no project {slug} in {org.id}")
            projects.add(org.projects[slug].id)
    return Token(value, spec.get("name", value[:8]), org_id=org.id, abilities=abilities,
                 projects=projects, expires_at=expires_at)


def load_seed(seed):
    """A Store built from a seed (a dict, or the path of a JSON file); see README.md for the format."""
    if isinstance(seed, str):
        with open(seed, encoding="utf-8") as handle:
            seed = json.load(handle)
    store = Store()
    if "plans" in seed:
        store.plans = seed["plans"]
    for o_index, o_spec in enumerate(seed.get("organizations", [])):
        where = f"organizations[{o_index}]"
        rate_limit = o_spec.get("rate_limit")
        if rate_limit is not None and not (isinstance(rate_limit, int) and not isinstance(rate_limit, bool)
                                           and rate_limit >= 1):
            raise SeedError(f"{where}: rate_limit must be a positive integer or null")
        org = Organization(o_spec.get("name", "Organization"), o_spec.get("plan", "team"),
                           _given_id(store, o_spec, where), rate_limit)
        store.orgs[org.id] = org
        for p_index, p_spec in enumerate(o_spec.get("projects", [])):
            _seed_project(store, org, p_spec, f"{where}.projects[{p_index}]")
    for u_index, u_spec in enumerate(seed.get("users", [])):
        user = User(u_spec.get("name", u_spec["email"]), u_spec["email"], _given_id(store, u_spec, f"users[{u_index}]"))
        for org_id, role in u_spec.get("memberships", {}).items():
            if org_id not in store.orgs or role not in ROLE_ABILITIES:
                raise SeedError(f"users[{u_index}]: bad membership {org_id}: {role}")
            user.memberships[org_id] = role
        store.users.append(user)
    for t_index, t_spec in enumerate(seed.get("tokens", [])):
        token = store.add_token(_seed_token(store, t_spec, f"tokens[{t_index}]"))
        store.named_tokens[token.name] = token
    store.demo = seed.get("demo", {})
    return store
