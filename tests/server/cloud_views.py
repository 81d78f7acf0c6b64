# The JSON shapes of organizations, levels, blobs, backup versions and keys.
import cloud_crypto as crypto


def org_json(org):
    return {"id": org.id, "name": org.name, "plan": org.plan, "created_at": org.created_at,
            "updated_at": org.updated_at}


def level_json(level):
    data = {"id": level.id, "slug": level.slug, "name": level.name,
            "created_at": level.created_at, "updated_at": level.updated_at}
    if level.kind == "project":
        data["encryption"] = level.encryption
        data["key_version"] = level.keys[-1].version
    return data


def level_entry(level):
    return {"level": level.kind, "id": level.id, "version": level.version, "key_version": level.key_version,
            "blob": level.blob, "updated_at": level.blob_updated_at}


def version_json(saved, with_blob=False):
    level = saved.level
    names = {}
    walk = level
    while walk is not None:
        names[walk.kind] = walk.slug
        walk = walk.parent
    data = {"id": saved.id, "level": level.kind, "level_id": level.id, "project": names.get("project"),
            "target": names.get("target"), "environment": names.get("environment"),
            "version": saved.version, "key_version": saved.key_version,
            "updated_at": saved.blob_updated_at, "created_at": saved.created_at}
    if with_blob:
        data["blob"] = saved.blob
    return data


def key_info(project):
    """What GET key answers, and resolve puts under "key"."""
    current = project.keys[-1]
    if project.encryption == "server":
        return {"mode": "server", "version": current.version, "key": crypto.b64(current.key)}
    return {"mode": "client", "version": current.version, "key_proof": dict(current.key_proof)}
