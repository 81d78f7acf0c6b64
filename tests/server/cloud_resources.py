# Handlers for identity, organizations, plans, telemetry, and project/target/environment CRUD.
import cloud_crypto as crypto
import cloud_http as http
from cloud_store import KeyVersion, Level, Organization
from cloud_validate import Fields, paginate, proof_params
from cloud_views import level_json, org_json


# Identity and organizations


def me(ctx):
    token = ctx.token
    if token.user is not None:
        user = token.user
        return http.ok({"type": "user", "id": user.id, "name": user.name, "email": user.email,
                        "organizations": [{"id": org_id, "name": ctx.store.orgs[org_id].name, "role": role}
                                          for org_id, role in user.memberships.items()]})
    org = ctx.store.orgs[token.org_id]
    projects = None
    if token.projects is not None:
        projects = sorted(p.slug for p in org.projects.values() if p.id in token.projects)
    return http.ok({"type": "organization_token", "id": token.id, "name": token.name,
                    "organization": {"id": org.id, "name": org.name}, "abilities": sorted(token.abilities),
                    "projects": projects,
                    "expires_at": None if token.expires_at is None else crypto.now_iso(token.expires_at)})


def list_organizations(ctx):
    token = ctx.token
    ids = list(token.user.memberships) if token.user is not None else [token.org_id]
    return paginate([org_json(ctx.store.orgs[i]) for i in ids], ctx.request.query)


def create_organization(ctx):
    if ctx.token.user is None:
        raise http.ApiError(403, "forbidden", "Only a user token can create organizations.")
    fields = Fields(ctx.body())
    name = fields.string("name", required=True)
    fields.check()
    org = Organization(name, "free")
    ctx.store.orgs[org.id] = org
    ctx.token.user.memberships[org.id] = "owner"
    return http.ok(org_json(org), 201)


def show_organization(ctx):
    if "org" not in ctx.params:
        if ctx.token.user is not None:
            raise http.not_found("A user token belongs to no single organization; the organization")
        ctx.params["org"] = ctx.token.org_id
    ctx.require("organization:read")
    return http.ok(org_json(ctx.org))


def list_plans(ctx):
    return paginate(ctx.store.plans, ctx.request.query)


def telemetry(ctx):
    ctx.body()
    return http.no_content()


# Projects, targets and environments share one shape: a Level with a slug.

_ABILITY_PREFIX = {"project": "project", "target": "target", "environment": "environment"}
_LIMIT = {"project": "projects", "target": "targets_per_project", "environment": "environments_per_target"}


def _parent(ctx, kind, ability):
    """The project (for targets) or target (for environments) named in the path, or None for projects."""
    if kind == "project":
        ctx.require(ability)
        return None
    project = ctx.project(ability)
    if kind == "target":
        return project
    return ctx.child(project, ctx.params["target"])


def _siblings(ctx, kind, parent):
    return ctx.org.projects if parent is None else parent.children


def _list(ctx, kind):
    parent = _parent(ctx, kind, f"{kind}:read")
    items = [level for level in _siblings(ctx, kind, parent).values()
             if kind != "project" or ctx.in_scope(level)]
    return paginate([level_json(level) for level in items], ctx.request.query)


def _create(ctx, kind):
    ability = f"{kind}:create"
    parent = _parent(ctx, kind, ability)
    if kind == "project" and ctx.token.projects is not None:
        raise http.forbidden(ability, "A token limited to some projects cannot create projects.")
    body = ctx.body()
    fields = Fields(body)
    slug = fields.slug("slug", required=True)
    name = fields.string("name") or slug
    encryption, proof = None, None
    if kind == "project":
        encryption = body.get("encryption", "server")
        if encryption not in ("server", "client"):
            fields.add("encryption", "The encryption must be server or client.")
        elif encryption == "client":
            proof = proof_params(fields, body.get("key_proof"), "key_proof")
    fields.check()
    siblings = _siblings(ctx, kind, parent)
    if slug in siblings:
        raise http.conflict("conflict", f"The slug {slug} is already taken.")
    limit = ctx.store.plan(ctx.org.plan)["limits"][_LIMIT[kind]]
    if len(siblings) >= limit:
        raise http.ApiError(403, "plan_limit", f"The {ctx.org.plan} plan allows {limit} {_LIMIT[kind].replace('_', ' ')}.")
    level = Level(kind, slug, name, parent, encryption=encryption)
    if kind == "project":
        level.keys.append(KeyVersion(1, key=crypto.new_key()) if encryption == "server"
                          else KeyVersion(1, proof=proof))
    siblings[slug] = level
    return http.ok(level_json(level), 201)


def _find(ctx, kind, ability):
    if kind == "project":
        return ctx.project(ability)
    parent = _parent(ctx, kind, ability)
    return ctx.child(parent, ctx.params[kind])


def _show(ctx, kind):
    return http.ok(level_json(_find(ctx, kind, f"{kind}:read")))


def _update(ctx, kind):
    level = _find(ctx, kind, f"{kind}:update")
    body = ctx.body()
    fields = Fields(body)
    slug = fields.slug("slug")
    name = fields.string("name")
    if "encryption" in body and body["encryption"] != level.encryption:
        fields.add("encryption", "The encryption of a project cannot change.")
    fields.check()
    siblings = _siblings(ctx, kind, level.parent)
    if slug is not None and slug != level.slug:
        if slug in siblings:
            raise http.conflict("conflict", f"The slug {slug} is already taken.")
        renamed = {(slug if key == level.slug else key): value for key, value in siblings.items()}
        siblings.clear()
        siblings.update(renamed)
        level.slug = slug
    if name is not None:
        level.name = name
    level.updated_at = crypto.now_iso()
    return http.ok(level_json(level))


def _delete(ctx, kind):
    level = _find(ctx, kind, f"{kind}:delete")
    level.forget_versions(ctx.org)
    del _siblings(ctx, kind, level.parent)[level.slug]
    return http.no_content()


def _bind(action, kind):
    handler = lambda ctx: action(ctx, kind)  # noqa: E731
    handler.__name__ = f"{action.__name__.strip('_')}_{kind}"
    return handler


list_projects, create_project = _bind(_list, "project"), _bind(_create, "project")
show_project, update_project, delete_project = (_bind(_show, "project"), _bind(_update, "project"),
                                                _bind(_delete, "project"))
list_targets, create_target = _bind(_list, "target"), _bind(_create, "target")
show_target, update_target, delete_target = (_bind(_show, "target"), _bind(_update, "target"),
                                             _bind(_delete, "target"))
list_environments, create_environment = _bind(_list, "environment"), _bind(_create, "environment")
show_environment, update_environment, delete_environment = (_bind(_show, "environment"),
                                                            _bind(_update, "environment"),
                                                            _bind(_delete, "environment"))
