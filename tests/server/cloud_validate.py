# Input rules: slugs and reserved words, body fields, pagination.
import re

import cloud_http as http

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
RESERVED = frozenset({"projects", "targets", "environments", "secrets", "key", "versions", "resolve"})


def slug_error(slug):
    if not isinstance(slug, str):
        return "The slug field is required."
    if not SLUG_RE.match(slug):
        return "The slug must match ^[a-z0-9][a-z0-9_-]{0,63}$."
    if slug in RESERVED:
        return f"The slug {slug} is reserved."
    return None


class Fields:
    """Collects per-field errors from a JSON object body, then raises one 422."""

    def __init__(self, body):
        self.body = body
        self.errors = {}

    def add(self, field, text):
        self.errors.setdefault(field, []).append(text)

    def string(self, field, required=False, max_length=255):
        value = self.body.get(field)
        if value is None:
            if required:
                self.add(field, f"The {field} field is required.")
            return None
        if not isinstance(value, str) or value == "":
            self.add(field, f"The {field} must be a non-empty string.")
            return None
        if len(value) > max_length:
            self.add(field, f"The {field} may not be greater than {max_length} characters.")
            return None
        return value

    def slug(self, field, required=False):
        value = self.body.get(field)
        if value is None and not required:
            return None
        problem = slug_error(value)
        if problem:
            self.add(field, problem.replace("The slug", f"The {field}"))
            return None
        return value

    def integer(self, field, required=False, minimum=None):
        value = self.body.get(field)
        if value is None:
            if required:
                self.add(field, f"The {field} field is required.")
            return None
        if not isinstance(value, int) or isinstance(value, bool) or (minimum is not None and value < minimum):
            self.add(field, f"The {field} must be an integer" + (f" of at least {minimum}." if minimum is not None else "."))
            return None
        return value

    def check(self):
        if self.errors:
            raise http.validation(self.errors)


def page_params(query):
    errors = {}
    values = {}
    for name, default, top in (("page", 1, None), ("per_page", 50, 100)):
        text = query.get(name)
        if text is None:
            values[name] = default
            continue
        if not text.isdigit() or int(text) < 1 or (top is not None and int(text) > top):
            errors[name] = [f"The {name} must be an integer between 1 and {top}." if top
                            else f"The {name} must be a positive integer."]
            continue
        values[name] = int(text)
    if errors:
        raise http.validation(errors)
    return values["page"], values["per_page"]


def paginate(items, query):
    page, per_page = page_params(query)
    start = (page - 1) * per_page
    return http.Response(200, {"data": items[start:start + per_page],
                               "meta": {"page": page, "per_page": per_page, "total": len(items)}})
