# Handlers for blobs: the three level reads, resolve, upsert, clear and the backup versions.
import cloud_crypto as crypto
import cloud_http as http
from cloud_validate import Fields, check_blob, paginate
from cloud_views import key_info, level_entry, version_json

def show_level(ctx):
    project = ctx.project("secret:read")
    level = project
    if "target" in ctx.params:
        level = ctx.child(project, ctx.params["target"])
        if "environment" in ctx.params:
            level = ctx.child(level, ctx.params["environment"])
    return http.ok(level_entry(level))


def _named_level(ctx, source, ability, fields=None):
    """The level named by project/target/environment in a dict (query or body), after all checks."""
    own = fields is None
    fields = fields or Fields(source)
    project_slug = source.get("project")
    target_slug = source.get("target")
    env_slug = source.get("environment")
    if not isinstance(project_slug, str) or project_slug == "":
        fields.add("project", "The project field is required.")
    for name, value in (("target", target_slug), ("environment", env_slug)):
        if value is not None and (not isinstance(value, str) or value == ""):
            fields.add(name, f"The {name} must be a non-empty string.")
    if target_slug is not None and project_slug is None:
        fields.add("target", "The target needs a project.")
    if env_slug is not None and target_slug is None:
        fields.add("environment", "The environment needs a target.")
    if own or fields.errors:
        fields.check()
    ctx.require(ability)
    project = ctx.project(ability, project_slug)
    chain = [project]
    if target_slug is not None:
        chain.append(ctx.child(project, target_slug))
        if env_slug is not None:
            chain.append(ctx.child(chain[-1], env_slug))
    return chain


def resolve(ctx):
    query = ctx.request.query
    include = query.get("include")
    if include not in (None, "", "key"):
        raise http.validation({"include": ["The include must be key."]})
    merge = query.get("merge")
    if merge not in (None, "", "0", "1", "true", "false"):
        raise http.validation({"merge": ["The merge must be 0 or 1."]})
    chain = _named_level(ctx, {name: query[name] for name in ("project", "target", "environment") if name in query},
                         "secret:read")
    if include == "key":
        ctx.require("key:retrieve")
    project = chain[0]
    data = {"organization": {"id": ctx.org.id},
            "project": {"id": project.id, "slug": project.slug, "encryption": project.encryption},
            "target": None, "environment": None}
    for level in chain[1:]:
        data[level.kind] = {"id": level.id, "slug": level.slug}
    levels = chain if merge in ("1", "true") else chain[-1:]
    data["levels"] = [level_entry(level) for level in levels]
    if include == "key":
        data["key"] = key_info(project)
    return http.ok(data)


def _check_key_proof(project, body, fields):
    if project.encryption != "client":
        return
    proof = body.get("key_proof")
    if not isinstance(proof, str) or proof == "":
        fields.add("key_proof", "A client-managed project needs key_proof.")
        fields.check()
    if not crypto.proofs_equal(proof, project.keys[-1].key_proof["proof"]):
        raise http.conflict("key_proof_mismatch", f"The key proof does not match project {project.slug}.")


def _check_base_version(level, base_version):
    current = level.version if level.version is not None else 0
    if base_version is not None and base_version != current:
        raise http.conflict("version_conflict",
                            f"The level is at version {current}, not {base_version}.")


def upsert(ctx):
    body = ctx.body()
    fields = Fields(body)
    blob = body.get("blob")
    key_version = fields.integer("key_version", required=True, minimum=1)
    base_version = fields.integer("base_version", minimum=0)
    chain = _named_level(ctx, body, "secret:write", fields)
    project, level = chain[0], chain[-1]
    if blob is None:
        fields.add("blob", "The blob field is required.")
    check_blob(fields, blob, key_version, project.keys[-1].version)
    fields.check()
    _check_key_proof(project, body, fields)
    _check_base_version(level, base_version)
    level.write(ctx.org, blob, key_version)
    return http.ok(level_entry(level))


def clear(ctx):
    body = ctx.body()
    fields = Fields(body)
    base_version = fields.integer("base_version", minimum=0)
    chain = _named_level(ctx, body, "secret:write", fields)
    fields.check()
    _check_base_version(chain[-1], base_version)
    chain[-1].clear(ctx.org)
    return http.no_content()


def _level_source(ctx):
    body = ctx.body()
    return body if any(name in body for name in ("project", "target", "environment")) else ctx.request.query


def list_versions(ctx):
    level = _named_level(ctx, _level_source(ctx), "secret:read")[-1]
    return paginate([version_json(saved) for saved in level.versions], ctx.request.query)


def purge_versions(ctx):
    level = _named_level(ctx, _level_source(ctx), "secret:write")[-1]
    for saved in level.versions:
        ctx.org.versions.pop(saved.id, None)
    level.versions = []
    return http.no_content()


def _version(ctx, ability):
    ctx.require(ability)
    saved = ctx.org.versions.get(ctx.params["version"])
    if saved is None:
        raise http.not_found("Version")
    project = saved.level.project
    if not ctx.in_scope(project):
        raise http.forbidden(ability, f"The token is not allowed to access project {project.slug}.")
    return saved


def show_version(ctx):
    return http.ok(version_json(_version(ctx, "secret:read"), with_blob=True))


def delete_version(ctx):
    saved = _version(ctx, "secret:write")
    saved.level.versions.remove(saved)
    del ctx.org.versions[saved.id]
    return http.no_content()


def restore_version(ctx):
    saved = _version(ctx, "secret:write")
    body = ctx.body()
    fields = Fields(body)
    base_version = fields.integer("base_version", minimum=0)
    fields.check()
    level = saved.level
    project = level.project
    current = project.keys[-1]
    blob = saved.blob
    if saved.key_version != current.version:
        if project.encryption == "client":
            raise http.conflict("conflict", f"The version is sealed with retired key version {saved.key_version}; "
                                            "re-encrypt it through key/retired-versions first.")
        old_key = next(k for k in project.keys if k.version == saved.key_version)
        try:
            plaintext = crypto.open_blob(old_key.key, ctx.org.id, level.id, blob)
        except ValueError:
            raise http.conflict("conflict", f"The version does not open with key version {saved.key_version}, so it "
                                            f"cannot be sealed again with key version {current.version}.") from None
        blob = crypto.seal(current.key, current.version, ctx.org.id, level.id, plaintext)
    _check_base_version(level, base_version)
    level.write(ctx.org, blob, current.version)
    return http.ok(level_entry(level))
