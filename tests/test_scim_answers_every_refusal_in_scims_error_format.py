"""Rule: an identity provider reads SCIM's error document (RFC 7644 3.12), so every refusal
under /scim/v2 is one, `application/scim+json`: a missing or wrong key and a key without the
`scim` scope as much as a bad filter or an unknown user or path; the rest of the API keeps
problem+json. SCIM is described by RFC 7644, not by the OpenAPI document (which described its
answers wrongly: 200 for a 201 and a 204, problem+json for SCIM's errors)."""

from __future__ import annotations

from fastapi.testclient import TestClient

SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def _is_scim_error(answer, status: int) -> None:  # type: ignore[no-untyped-def]
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/scim+json"), answer.headers
    body = answer.json()
    assert body["schemas"] == [SCIM_ERROR] and body["status"] == str(status), body
    assert body["detail"]


def test_scim_answers_every_refusal_in_scims_error_format(client: TestClient, auth_header) -> None:  # type: ignore[no-untyped-def]
    missing_key = client.get("/scim/v2/Users")
    _is_scim_error(missing_key, 401)
    assert missing_key.headers["www-authenticate"] == "Bearer"
    _is_scim_error(client.get("/scim/v2/Users", headers={"Authorization": "Bearer nope"}), 401)
    _is_scim_error(client.get("/scim/v2/Users", headers=auth_header("cases")), 403)
    provider = auth_header("scim")
    _is_scim_error(client.get("/scim/v2/Users/usr_nobody", headers=provider), 404)
    _is_scim_error(client.get("/scim/v2/Groups", headers=provider), 404)
    bad_filter = client.get("/scim/v2/Users", params={"filter": "title sw 1"}, headers=provider)
    _is_scim_error(bad_filter, 400)
    assert bad_filter.json()["scimType"] == "invalidFilter"
    not_json = client.post(
        "/scim/v2/Users",
        content=b"{not json",
        headers={**provider, "Content-Type": "application/scim+json"},
    )
    _is_scim_error(not_json, 400)

    outside = client.get("/v1/cases")  # the rest of the API: problem+json as ever
    assert outside.status_code == 401
    assert outside.headers["content-type"].startswith("application/problem+json")


def test_the_openapi_document_leaves_scim_to_its_rfc(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert paths and not [path for path in paths if path.startswith("/scim")]
