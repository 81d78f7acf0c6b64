# Handlers for project keys: show, history, server-side rotation, client-side re-encryption, retired versions.
import cloud_crypto as crypto
import cloud_http as http
from cloud_store import KeyVersion
from cloud_validate import Fields, check_blob, is_integer, paginate, proof_params
from cloud_views import key_info, version_json


def show_key(ctx):
    return http.ok(key_info(ctx.project("key:retrieve")))


def history(ctx):
    project = ctx.project("key:retrieve")
    items = []
    for entry in reversed(project.keys):
        item = {"version": entry.version, "created_at": entry.created_at, "retired_at": entry.retired_at}
        if project.encryption == "server":
            item["key"] = crypto.b64(entry.key)
        else:
            item["key_proof"] = dict(entry.key_proof)
        items.append(item)
    return paginate(items, ctx.request.query)


def _mode(project, wanted, other_endpoint):
    if project.encryption != wanted:
        raise http.conflict("conflict", f"Project {project.slug} is {project.encryption}-managed; "
                                        f"use key/{other_endpoint}.")


def rotate(ctx):
    project = ctx.project("key:rotate")
    _mode(project, "server", "reencrypt")
    old = project.keys[-1]
    new = KeyVersion(old.version + 1, key=crypto.new_key())
    opened = []  # every blob is opened before any is changed: a blob that does not open changes nothing
    for level in project.walk():
        if level.blob is not None:
            try:
                opened.append((level, crypto.open_blob(old.key, ctx.org.id, level.id, level.blob)))
            except ValueError:
                raise http.conflict("conflict", f"The {level.kind} {level.slug} holds a blob that does not open "
                                                f"with key version {old.version}; nothing was rotated.") from None
    for level, plaintext in opened:
        level.blob = crypto.seal(new.key, new.version, ctx.org.id, level.id, plaintext)
        level.key_version = new.version
    count = len(opened)
    old.retired_at = crypto.now_iso()
    project.keys.append(new)
    return http.ok({"mode": "server", "version": new.version, "created_at": new.created_at,
                    "reencrypted_levels": count})


def reencrypt(ctx):
    """Replaces every level's blob and the key in one step; any problem changes nothing."""
    project = ctx.project("key:rotate")
    ctx.require("secret:write")
    _mode(project, "client", "rotate")
    body = ctx.body()
    fields = Fields(body)
    current = project.keys[-1]
    key_version = fields.integer("key_version", required=True, minimum=1)
    if key_version is not None and key_version != current.version + 1:
        fields.add("key_version", f"The key_version must be {current.version + 1}.")
    new_proof = proof_params(fields, body.get("new_key_proof"), "new_key_proof")
    if not isinstance(body.get("key_proof"), str):
        fields.add("key_proof", "The key_proof of the current key is required.")
    levels = body.get("levels")
    by_id = {level.id: level for level in project.walk()}
    with_blob = {level.id for level in project.walk() if level.blob is not None}
    plan = {}
    if not isinstance(levels, list):
        fields.add("levels", "The levels must be a list of {id, blob, base_version?}.")
        levels = []
    for index, item in enumerate(levels):
        where = f"levels.{index}"
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or item["id"] not in by_id:
            fields.add(f"{where}.id", "The id must be a level of this project.")
            continue
        if item["id"] in plan:
            fields.add(f"{where}.id", "The level is listed twice.")
            continue
        check_blob(fields, item.get("blob"), key_version, key_version, f"{where}.blob")
        if item.get("base_version") is not None and not is_integer(item["base_version"], 0):
            fields.add(f"{where}.base_version", "The base_version must be an integer of at least 0.")
        plan[item["id"]] = item
    missing = with_blob - set(plan)
    if missing and isinstance(body.get("levels"), list):
        fields.add("levels", f"Every level with a blob must be re-encrypted; {len(missing)} missing.")
    extra = set(plan) - with_blob
    if extra:
        fields.add("levels", "Levels without a blob cannot be re-encrypted.")
    fields.check()
    if not crypto.proofs_equal(body["key_proof"], current.key_proof["proof"]):
        raise http.conflict("key_proof_mismatch", f"The key proof does not match project {project.slug}.")
    for level_id, item in plan.items():
        base_version = item.get("base_version")
        if base_version is not None and base_version != by_id[level_id].version:
            raise http.conflict("version_conflict", f"Level {level_id} is at version {by_id[level_id].version}, "
                                                    f"not {base_version}.")
    for level_id, item in plan.items():
        by_id[level_id].blob = item["blob"]
        by_id[level_id].key_version = key_version
    current.retired_at = crypto.now_iso()
    project.keys.append(KeyVersion(key_version, proof=new_proof))
    return http.ok(key_info(project))


def _retired(project):
    current = project.keys[-1].version
    return [saved for level in project.walk() for saved in level.versions if saved.key_version != current]


def list_retired(ctx):
    project = ctx.project("secret:read")
    return paginate([version_json(saved, with_blob=True) for saved in _retired(project)], ctx.request.query)


def replace_retired(ctx):
    project = ctx.project("secret:write")
    body = ctx.body()
    fields = Fields(body)
    current = project.keys[-1].version
    retired = {saved.id: saved for saved in _retired(project)}
    items = body.get("versions")
    if not isinstance(items, list) or not items:
        fields.add("versions", "The versions must be a non-empty list of {id, blob, key_version}.")
        items = []
    seen = set()
    for index, item in enumerate(items):
        where = f"versions.{index}"
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or item["id"] not in retired:
            fields.add(f"{where}.id", "The id must be a backup version under a retired key.")
            continue
        if item["id"] in seen:
            fields.add(f"{where}.id", "The version is listed twice.")
            continue
        seen.add(item["id"])
        key_version = item.get("key_version")
        if not is_integer(key_version):
            fields.add(f"{where}.key_version", "The key_version must be an integer.")
            continue
        check_blob(fields, item.get("blob"), key_version, current, f"{where}.blob", f"{where}.key_version")
    proof = body.get("key_proof")
    if project.encryption == "client" and proof is None:
        # As for upsert: a client holding a wrong key must not overwrite every backup.
        fields.add("key_proof", "The key_proof of the current key is required.")
    elif proof is not None and not isinstance(proof, str):
        fields.add("key_proof", "The key_proof must be a string.")
    fields.check()
    if project.encryption == "client" and not crypto.proofs_equal(proof, project.keys[-1].key_proof["proof"]):
        raise http.conflict("key_proof_mismatch", f"The key proof does not match project {project.slug}.")
    for item in items:
        saved = retired[item["id"]]
        saved.blob, saved.key_version = item["blob"], item["key_version"]
    return http.ok({"updated": len(items)})
