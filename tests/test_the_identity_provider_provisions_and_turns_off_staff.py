"""Rule: the organisation's identity provider keeps the staff list through SCIM 2.0
(`/scim/v2/Users`, an API key of scope `scim`): it adds a person (who starts as
`TAKEDOWN_SCIM_ROLE`, never an administrator, and has no password to use), finds them by
userName, renames them, and turns them off, at which moment their open console session and their
staff token stop working; DELETE turns off too, since decisions and the audit log name them.
An administrator is not turned off through SCIM (nor anyone it did not provision:
test_scim_changes_only_the_users_it_provisioned.py). Every change is audited as the key's.

As Okta and Entra ID send it (Entra's "False" as a string, Okta's value objects)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from takedown.audit.models import AuditEntry
from takedown.auth.models import Origin
from takedown.auth.users import create_user
from takedown.store.db import session_scope
from tests.review_support import PASSWORD, console, make_user, staff_headers, user_id_of

SCIM = "application/scim+json"


def scim_user(user_name: str, active: bool = True) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "name": {"givenName": "Dana", "familyName": "Reviewer"},  # not kept: let pass
        "emails": [{"value": user_name, "primary": True}],
        "active": active,
    }


def active_is(value: object) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "active", "value": value}],
    }


def test_the_identity_provider_provisions_and_turns_off_staff(client, settings, auth_header):  # type: ignore[no-untyped-def]
    provider = auth_header("scim")
    created = client.post(
        "/scim/v2/Users",
        json=scim_user("dana@corp.example"),
        headers={**provider, "Content-Type": SCIM},
    )
    assert created.status_code == 201, created.text
    assert created.headers["content-type"].startswith(SCIM)
    dana = created.json()
    assert dana["userName"] == "dana@corp.example" and dana["active"] is True
    assert dana["roles"] == [{"value": "reviewer", "primary": True}]
    assert dana["meta"]["location"].endswith(f"/scim/v2/Users/{dana['id']}")
    again = client.post("/scim/v2/Users", json=scim_user("DANA@corp.example"), headers=provider)
    assert again.status_code == 409 and again.json()["scimType"] == "uniqueness"

    found = client.get(
        '/scim/v2/Users?filter=userName eq "Dana@Corp.example"', headers=provider
    ).json()
    assert found["totalResults"] == 1 and found["Resources"][0]["id"] == dana["id"]
    nobody = client.get('/scim/v2/Users?filter=userName eq "eve@corp.example"', headers=provider)
    assert nobody.json()["totalResults"] == 0 and nobody.json()["Resources"] == []
    unsupported = client.get('/scim/v2/Users?filter=emails co "corp"', headers=provider)
    assert unsupported.status_code == 400 and unsupported.json()["scimType"] == "invalidFilter"

    # At work, with a staff token; a lead is signed in to the console beside her.
    make_user(settings, "lead", "admin")
    lead = console(client.app, "lead")
    token = staff_headers(client, settings, "dana@corp.example")
    assert client.get("/v1/cases", headers=token).status_code == 200

    make_user(settings, "Lee@corp.example", "reviewer")
    clash = client.patch(
        f"/scim/v2/Users/{dana['id']}",
        json={"Operations": [{"op": "replace", "path": "userName", "value": "lee@corp.example"}]},
        headers=provider,
    )
    assert clash.status_code == 409 and clash.json()["scimType"] == "uniqueness"
    renamed = client.patch(
        f"/scim/v2/Users/{dana['id']}",
        json={"Operations": [{"op": "replace", "value": {"userName": "dana.r@corp.example"}}]},
        headers=provider,
    )
    assert renamed.status_code == 200 and renamed.json()["userName"] == "dana.r@corp.example"

    turned_off = client.patch(
        f"/scim/v2/Users/{dana['id']}", json=active_is("False"), headers=provider
    )
    assert turned_off.status_code == 200 and turned_off.json()["active"] is False
    assert client.get("/v1/cases", headers=token).status_code == 401  # at once
    turned_on = client.patch(f"/scim/v2/Users/{dana['id']}", json=active_is(True), headers=provider)
    assert turned_on.json()["active"] is True
    assert client.delete(f"/scim/v2/Users/{dana['id']}", headers=provider).status_code == 204
    kept = client.get(f"/scim/v2/Users/{dana['id']}", headers=provider).json()
    assert kept["active"] is False and kept["userName"] == "dana.r@corp.example"
    assert client.get("/scim/v2/Users/usr_nobody", headers=provider).status_code == 404
    assert lead.get("/console/queue").status_code == 200  # others carry on

    with session_scope(settings.resolved_database_url) as db_session:
        changes = [
            (entry.action, entry.actor)
            for entry in db_session.scalars(
                select(AuditEntry).where(AuditEntry.subject == dana["id"]).order_by(AuditEntry.seq)
            )
        ]
    by_key = [action for action, actor in changes if actor.startswith("scim:")]
    assert by_key == [
        "user.created",
        "user.renamed",
        "user.disabled",
        "user.enabled",
        "user.disabled",
    ], changes


def test_a_provisioned_persons_open_console_session_ends_when_turned_off(  # type: ignore[no-untyped-def]
    client, settings, auth_header
):
    provider = auth_header("scim")
    with session_scope(settings.resolved_database_url) as db_session:  # provisioned, signed in
        create_user(  # (by SSO in life; a password here)
            db_session=db_session,
            username="sam@corp.example",
            role="reviewer",
            password=PASSWORD,
            origin=Origin.SCIM,
        )
    sam = console(client.app, "sam@corp.example")
    assert sam.get("/console/queue").status_code == 200
    sam_id = user_id_of(settings, "sam@corp.example")
    off = client.patch(f"/scim/v2/Users/{sam_id}", json=active_is(False), headers=provider)
    assert off.status_code == 200
    assert sam.get("/console/queue", follow_redirects=False).status_code in (303, 401)


def test_an_administrator_is_not_turned_off(client, settings, auth_header):  # type: ignore[no-untyped-def]
    make_user(settings, "only-admin", "admin")
    admin_id = user_id_of(settings, "only-admin")
    refused = client.patch(
        f"/scim/v2/Users/{admin_id}", json=active_is(False), headers=auth_header("scim")
    )
    assert refused.status_code == 403, refused.text
    assert refused.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]


def test_scim_takes_a_key_with_its_scope(client, auth_header):  # type: ignore[no-untyped-def]
    assert client.get("/scim/v2/Users").status_code == 401
    assert client.get("/scim/v2/Users", headers=auth_header("cases")).status_code == 403
    config = client.get("/scim/v2/ServiceProviderConfig", headers=auth_header("scim")).json()
    assert config["patch"]["supported"] is True and config["bulk"]["supported"] is False
