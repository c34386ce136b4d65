"""/openapi.json as the API answers: every error a route can give, as the problem document
(`application/problem+json`, api/problems.py) it is, in one place.

FastAPI documents a 422 of its own shape (`HTTPValidationError`) and no other error; the
answers are problem documents. Here each operation gets, with the one `Problem` schema:
422 (a field, a query parameter or a body that does not validate); 401 and 403 when it takes
an API key or staff token; 404 when its path names something; and the 409/413/415/429 listed in
`ROUTE_PROBLEMS` (or in the route's own `responses=`, whose descriptions name the codes).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from takedown.api.problems import PROBLEM
from takedown.auth.dependencies import optional_principal

PROBLEM_REF = "#/components/schemas/Problem"
PROBLEM_SCHEMAS: dict[str, Any] = {
    "Problem": {
        "title": "Problem",
        "description": "An error (RFC 9457). `code` is stable and names the error; `detail` "
        "says it for people; other members may follow (`retry_after_seconds`).",
        "type": "object",
        "required": ["type", "title", "status", "code", "detail"],
        "properties": {
            "type": {"type": "string", "examples": ["about:blank#invalid_input"]},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "code": {"type": "string", "examples": ["invalid_input"]},
            "detail": {"type": "string"},
            "errors": {
                "type": "array",
                "description": "each field that was refused, when the error is about fields",
                "items": {"$ref": "#/components/schemas/ProblemFieldError"},
            },
        },
        "additionalProperties": True,
    },
    "ProblemFieldError": {
        "title": "ProblemFieldError",
        "type": "object",
        "required": ["field", "message", "type"],
        "properties": {
            "field": {"type": "string", "description": "dotted path: `reporter.email`"},
            "message": {"type": "string"},
            "type": {"type": "string", "description": "the kind of error: `missing`"},
            "params": {"type": "object", "description": "the limit broken: {`most`: 200}"},
        },
        "additionalProperties": True,
    },
}
DESCRIPTIONS = {
    401: "missing_api_key, missing_token, invalid_api_key: no valid key or token",
    403: "missing_scope, insufficient_role: the key or token may not do this",
    404: "not_found: the path names nothing this caller may see",
    422: "invalid_input: a parameter or field that does not validate (`errors` names each)",
}
# The 409/413/415/429 of each operation (by the codes it answers with), where its route does not
# declare them itself (`responses=`).
ROUTE_PROBLEMS: dict[str, dict[int, str]] = {
    "POST /v1/reports": {
        413: "file_too_large",
        429: "report_rate_limited (DSA Art 23: reports an hour per address and per contact)",
    },
    "POST /v1/uploader-appeals": {409: "no_removal, appeal_not_open, appealed_already"},
    "POST /v1/cases/{case_id}/appeals": {409: "no_removal, appeal_not_open, appealed_already"},
    "POST /v1/reports/withdrawals": {409: "not_withdrawable"},
    "POST /v1/banks": {409: "bank_exists"},
    "PUT /v1/banks/{name}/exchange": {409: "exchange_exists"},
    "POST /v1/banks/{name}/exchange/sync": {409: "sync_running"},
    "POST /v1/cases/{case_id}/notes/{note_id}/redaction": {409: "note_redacted"},
    "POST /v1/cases/{case_id}/assignment": {409: "case_closed"},
    "POST /v1/cases/{case_id}/referrals": {
        409: "already_child_safety, case_not_under_review, nothing_to_refer"
    },
    "POST /v1/cases/{case_id}/claim": {409: "claimed_by_other, case_closed"},
    "POST /v1/cases/{case_id}/decisions": {
        409: "case_changed, claimed_by_other, case_closed, case_appealed"
    },
    "POST /v1/appeals/{appeal_id}/decisions": {
        409: "appeal_decided, case_changed, nothing_to_appeal"
    },
    "POST /v1/cases/{case_id}/ncmec": {409: "ncmec_already_filed"},
    "POST /v1/quality/{check_id}": {409: "quality_check_done"},
    "POST /v1/webhooks/outbox/{event_id}/retry": {409: "event_not_failed, later_event_for_item"},
    "POST /v1/accounts/{account_id}/sweeps": {409: "no_confirmed_case, sweep_running"},
    "POST /v1/accounts/{account_id}/clear-flag": {409: "not_flagged"},
    "POST /v1/accounts/{account_id}/restore": {409: "account_not_suspended"},
    "POST /v1/evidence/{package_id}/disclosures": {409: "evidence_purged, evidence_altered"},
    "GET /v1/evidence/{package_id}/files/{file_id}": {409: "evidence_purged, evidence_altered"},
}


def install(app: FastAPI) -> None:
    """Serve /openapi.json with the problems documented (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = with_problems(document, app.routes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def with_problems(document: dict[str, Any], routes: list[Any]) -> dict[str, Any]:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    _lift_definitions(document, schemas)
    schemas.update(copy.deepcopy(PROBLEM_SCHEMAS))
    for route in iter_route_contexts(routes):  # the routes of included routers too
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods or ():
            operation = document["paths"].get(route.path_format, {}).get(method.lower())
            if operation is not None:
                _document_problems(operation, route, method)
    for fastapi_own in ("HTTPValidationError", "ValidationError"):
        schemas.pop(fastapi_own, None)
    return document


def _document_problems(operation: dict[str, Any], route: RouteContext, method: str) -> None:
    responses = operation.setdefault("responses", {})
    path = route.path_format or ""
    # SCIM answers its own refusals in its own shape (scim/views.py); only what FastAPI and
    # the key check refuse before it is a problem document.
    scim = path.startswith("/scim/")
    statuses: set[int] = set()
    if operation.get("parameters") or operation.get("requestBody") or "422" in responses:
        statuses.add(422)
    if method == "GET" and path.startswith("/v1/"):
        statuses.add(422)  # an unknown query parameter (api/deps.py refuse_unknown_query)
    if any(call is optional_principal for call in _calls(route.dependant)):
        statuses |= {401, 403}
    if "{" in path and not scim:
        statuses.add(404)
    listed = ROUTE_PROBLEMS.get(f"{method} {path}", {})
    for status in sorted(statuses | set(listed)):
        responses.setdefault(str(status), {})
    for status_text, response in responses.items():
        status = int(status_text) if status_text.isdigit() else 0  # "default", "4XX": as given
        if status < 400 or (scim and status not in (401, 403, 422)):
            continue
        if status in listed:
            response["description"] = listed[status]
        elif status == 422 and response.get("description") in (None, "Validation Error"):
            response["description"] = DESCRIPTIONS[422]
        response.setdefault("description", DESCRIPTIONS.get(status, "a refusal"))
        response["content"] = {PROBLEM: {"schema": {"$ref": PROBLEM_REF}}}


def _lift_definitions(document: dict[str, Any], schemas: dict[str, Any]) -> None:
    """Schemas inlined with their own `$defs` (a route's `openapi_extra`, from a pydantic
    model) refer to `#/$defs/...`, which does not resolve in this document: the definitions
    move to components/schemas and the references follow."""
    for node in list(_nodes(document)):
        definitions = node.pop("$defs", None)
        if not definitions:
            continue
        for name, definition in definitions.items():
            if schemas.setdefault(name, definition) != definition:
                raise ValueError(f"two schemas named {name}: rename one")
    for node in _nodes(document):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            node["$ref"] = "#/components/schemas/" + ref.removeprefix("#/$defs/")


def _calls(dependant: Dependant) -> Iterator[Any]:
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from _calls(dependency)


def _nodes(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from _nodes(child)
    elif isinstance(value, list):
        for child in value:
            yield from _nodes(child)
