"""Schemathesis hooks of `cargo xtask fuzz`.

`filter_failure`: a schema-valid request may still be refused with 422 for a reason no JSON
Schema can state — a reference to a row that does not exist (or belongs to someone else), a
rule across fields, the per-type shape of an activity's metadata — or, for the CSV import, with
400 for a file that is not CSV. Those failures (and only those) are dropped; every other 422
reason (a length, a pattern, an enum, a range) means the OpenAPI document lied, and fails the
run. It also drops ST302 ("created resource not found") on an activity that went with its
deal or contact, which `after_call` records (see below). `before_call`: see below.
"""

import re

import schemathesis

# (field, message) pairs of the rules a schema cannot express; both are regular expressions
# matched against the whole text of `error.details.fields`.
SEMANTIC = [
    (r".*", r"no such (stage in your pipeline|user|deal|contact|company)"),
    (r"contact_id", r"a contact_id or a deal_id is required"),
    (r"move_to", r"must be another stage"),
    (r"stage", r"is required"),
    (r"company", r"give company_id or company, not both"),
    (r"from|to", r"must be (before to|after from)|the range must be at most 731 days( long)?"),
    (r"metadata(\..*)?", r".*"),
]


def _is_semantic(field: str, message: str) -> bool:
    return any(
        re.fullmatch(f, field) and re.fullmatch(m, message, re.DOTALL) for f, m in SEMANTIC
    )


def _is_explained(case, response) -> bool:
    """Whether a schema-valid request was refused only for reasons a schema cannot state."""
    if response.status_code == 400 and case.operation.path == "/api/crm/contacts/import":
        # The upload must be a CSV file (UTF-8 text, a header row, balanced quotes); a schema
        # of an upload can only say "bytes". Those refusals name the line (`details.line`).
        # A form whose part names are not valid header text is refused by the multipart
        # reader before any field is looked at.
        try:
            error = response.json()["error"]
            return "line" in error["details"] or error["message"].startswith("bad multipart body")
        except (ValueError, KeyError, TypeError):
            return False
    if response.status_code != 422:
        return False
    try:
        fields = response.json()["error"]["details"]["fields"]
    except (ValueError, KeyError, TypeError):
        return False
    return bool(fields) and all(
        _is_semantic(field, message) for field, messages in fields.items() for message in messages
    )


# Activities go with their deal, and an activity about a contact alone goes with its contact
# (the documented cascades; activities of a contact's deals stay, without the contact). ST302
# ("created resource not found") counts only a DELETE of the resource's own path as its
# removal, so an activity removed with its deal looks lost. `after_call` records the deal and
# contact of each activity the API answers with and every path a successful DELETE removed;
# `filter_failure` drops an ST302 on an activity only when one of those removals explains it.
ACTIVITY_OWNERS: dict = {}
DELETED_PATHS: set = set()
ACTIVITY_PATH = "/api/crm/activities/{id}"


@schemathesis.hook
def after_call(context, case, response):
    """Record the owners of the activities answered and the paths deleted (see above)."""
    if not 200 <= response.status_code < 300:
        return
    method = case.operation.method.upper()
    if method == "DELETE":
        DELETED_PATHS.add(case.formatted_path)
    elif case.operation.path.startswith("/api/crm/activities") and method in ("POST", "PATCH"):
        try:
            body = response.json()
        except ValueError:
            return
        if isinstance(body, dict) and isinstance(body.get("id"), str):
            ACTIVITY_OWNERS[body["id"]] = (body.get("deal_id"), body.get("contact_id"))


def _removed_with_its_owner(case) -> bool:
    """Whether the activity `case` addresses went with its deal or (having no deal) with its
    contact, both deleted by a successful request earlier in the run."""
    if case.operation.path != ACTIVITY_PATH:
        return False
    deal, contact = ACTIVITY_OWNERS.get((case.path_parameters or {}).get("id"), (None, None))
    if deal is not None:
        return f"/api/crm/deals/{deal}" in DELETED_PATHS
    return contact is not None and f"/api/crm/contacts/{contact}" in DELETED_PATHS


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Keep every failure except ST202 (schema-valid request rejected) for a reason the
    document cannot express (a 422 for a length, pattern, enum or range still fails) and
    ST302 on an activity that went with its deal or contact."""
    kind = type(failure).__name__
    if kind == "EnsureResourceAvailability":
        return not _removed_with_its_owner(case)
    if kind != "RejectedPositiveData":
        return True
    return not _is_explained(case, response)


NIL_UUID = "00000000-0000-0000-0000-000000000000"


@schemathesis.hook
def before_call(context, case, kwargs):
    """A stateful link whose source value is `null` (e.g. an activity's `deal_id`) fills the
    path with the text `None`, which is not the id the link promises; send the nil UUID — an
    id of no row, answered with 404 — instead, so the request stays schema-valid."""
    params = case.path_parameters or {}
    for name, value in list(params.items()):
        if value is None or value == "None":
            params[name] = NIL_UUID
