"""Rule: /openapi.json describes the API as it answers. Every $ref resolves in the document;
errors are the one `Problem` schema as `application/problem+json` (never FastAPI's own
`HTTPValidationError`): 422 on every operation that takes input, 401 and 403 on every operation
that takes a key or token, 404 on every operation whose path names something; and real error
answers of the API are documents of that schema."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from takedown.api.openapi import ROUTE_PROBLEMS
from takedown.settings import Settings
from tests.enforcement_support import platform_key
from tests.review_support import make_user, staff_headers

PROBLEM = "application/problem+json"
TYPES: dict[str, Any] = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "array": list,
    "object": dict,
    "null": type(None),
}


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        assert isinstance(node, dict) and part in node, f"{ref} does not resolve"
        node = node[part]
    return node


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for child in node.values() for ref in _refs(child)]
    if isinstance(node, list):
        return [ref for child in node for ref in _refs(child)]
    return []


def _errors(document: dict[str, Any], value: Any, schema: dict[str, Any], at: str = "$") -> list:
    """Where `value` breaks `schema` (the JSON Schema the document uses for problems)."""
    if "$ref" in schema:
        return _errors(document, value, _resolve(document, schema["$ref"]), at)
    if "anyOf" in schema:
        fits = [_errors(document, value, option, at) for option in schema["anyOf"]]
        return [] if any(not f for f in fits) else [f"{at}: fits no anyOf"]
    expected = schema.get("type")
    if expected and (
        not isinstance(value, TYPES[expected])
        or (isinstance(value, bool) and expected in ("integer", "number"))
    ):
        return [f"{at}: {type(value).__name__}, not {expected}"]
    found = []
    if isinstance(value, dict):
        found += [f"{at}: no {name}" for name in schema.get("required", []) if name not in value]
        for name, member in schema.get("properties", {}).items():
            if name in value:
                found += _errors(document, value[name], member, f"{at}.{name}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            found += _errors(document, item, schema["items"], f"{at}[{i}]")
    return found


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


def _problem_schema(operation: dict[str, Any], status: int) -> dict[str, Any]:
    response = operation["responses"][str(status)]
    assert list(response["content"]) == [PROBLEM], response
    return response["content"][PROBLEM]["schema"]


def test_the_openapi_document_describes_every_answer(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    for ref in _refs(document):
        _resolve(document, ref)
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert {"type", "title", "status", "code", "detail"} <= set(schemas["Problem"]["required"])

    for method, path, operation in _operations(document):
        where = f"{method} {path}"
        takes_input = bool(operation.get("parameters") or operation.get("requestBody"))
        if takes_input or (method == "GET" and path.startswith("/v1/")):
            assert _problem_schema(operation, 422) == {"$ref": "#/components/schemas/Problem"}, (
                where
            )
        for status_text, response in operation["responses"].items():
            if int(status_text) >= 400:
                assert list(response.get("content", {})) == [PROBLEM], f"{where} {status_text}"
        if "{" in path:
            _problem_schema(operation, 404)
    for where in ("GET /v1/cases", "POST /v1/uploader-appeals", "GET /v1/webhooks/outbox"):
        method, path = where.split(" ")
        operation = document["paths"][path][method.lower()]
        for status in (401, 403):
            _problem_schema(operation, status)
    assert "409" in document["paths"]["/v1/uploader-appeals"]["post"]["responses"]
    for where, problems in ROUTE_PROBLEMS.items():  # the table names operations that exist
        method, path = where.split(" ")
        operation = document["paths"][path][method.lower()]
        for status in problems:
            _problem_schema(operation, status)


def test_a_report_documents_its_idempotency_key_and_its_refusals(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/v1/reports"]["post"]
    headers = [p for p in operation["parameters"] if p["in"] == "header"]
    assert [p["name"] for p in headers] == ["Idempotency-Key"]
    assert {"201", "401", "403", "413", "422", "429"} <= set(operation["responses"])
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert "$defs" not in body
    assert all(ref.startswith("#/components/schemas/") for ref in _refs(body))


def test_real_error_answers_are_documented_problems(client: TestClient, settings: Settings) -> None:
    document = client.get("/openapi.json").json()
    make_user(settings, "rev-oa", "reviewer")
    staff = staff_headers(client, settings, "rev-oa")
    platform = {"Authorization": f"Bearer {platform_key(client, 'report')}"}
    answers = [
        ("GET", "/v1/cases", 401, client.get("/v1/cases")),
        ("GET", "/v1/cases", 422, client.get("/v1/cases?limit=0", headers=staff)),
        ("GET", "/v1/cases/{case_id}", 404, client.get("/v1/cases/case_x", headers=staff)),
        ("GET", "/v1/webhooks/outbox", 403, client.get("/v1/webhooks/outbox", headers=staff)),
        ("POST", "/v1/reports", 422, client.post("/v1/reports", json={"category": "nope"})),
        (
            "POST",
            "/v1/uploader-appeals",
            422,
            client.post("/v1/uploader-appeals", json={"reason": ""}, headers=platform),
        ),
    ]
    for method, path, status, answer in answers:
        assert answer.status_code == status, (path, answer.text)
        assert answer.headers["content-type"].startswith(PROBLEM)
        schema = _problem_schema(document["paths"][path][method.lower()], status)
        assert _errors(document, answer.json(), schema) == [], (path, answer.json())
