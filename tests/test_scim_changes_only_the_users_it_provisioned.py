"""Rule: the identity provider's SCIM key renames, turns off and on (and DELETEs) only the users
it provisioned itself, and never an administrator: renaming a local administrator to one of the
provider's names would let single sign-on hand that account to whoever holds the name. Its "on"
never undoes a disable made by staff in Takedown. A refused change is a SCIM error (403, or 409
for the disable, scimType "mutability", a detail saying why) and is audited; a change that
changes nothing is let pass, so a provider that matched an existing user keeps working."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from takedown.api.app import create_app
from takedown.audit.models import AuditEntry
from takedown.store.db import session_scope
from tests.identity_provider import IdentityProvider, identity_provider
from tests.review_support import PASSWORD, user_id_of
from tests.test_staff_sign_in_through_the_organisations_identity_provider import (
    signed_in,
    through_the_provider,
    with_provider,
)

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def patch(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations}


def rename_to(user_name: str) -> dict[str, Any]:
    return patch({"op": "replace", "path": "userName", "value": user_name})


def active_is(value: object) -> dict[str, Any]:
    return patch({"op": "replace", "path": "active", "value": value})


def local_user(cli: Any, username: str, role: str) -> None:
    """A staff user created in Takedown: `takedown user create`."""
    cli(
        "user",
        "create",
        "--username",
        username,
        "--role",
        role,
        "--password-stdin",
        input=PASSWORD + "\n",
    )


def provisioned(client: TestClient, provider: dict[str, str], user_name: str) -> str:
    body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": user_name}
    created = client.post("/scim/v2/Users", json=body, headers=provider)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def refused_as(answer: Any, status: int, words: str) -> None:
    assert answer.status_code == status, answer.text
    error = answer.json()
    assert error["schemas"] == [ERROR] and error["scimType"] == "mutability"
    assert words in error["detail"], error


def refusals(settings: Any, user_id: str) -> list[str]:
    with session_scope(settings.resolved_database_url) as db_session:
        return [
            entry.details["code"]
            for entry in db_session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "scim.refused", AuditEntry.subject == user_id)
                .order_by(AuditEntry.seq)
            )
        ]


def test_scim_changes_only_the_users_it_provisioned(client, settings, auth_header, cli):  # type: ignore[no-untyped-def]
    provider = auth_header("scim")
    local_user(cli, "root", "admin")
    local_user(cli, "lee", "reviewer")
    root, lee = user_id_of(settings, "root"), user_id_of(settings, "lee")

    taken = client.patch(
        f"/scim/v2/Users/{root}", json=rename_to("mallory@idp.example"), headers=provider
    )
    refused_as(taken, 403, "created in Takedown")
    refused_as(
        client.patch(f"/scim/v2/Users/{lee}", json=active_is(False), headers=provider),
        403,
        "created in Takedown",
    )
    refused_as(client.delete(f"/scim/v2/Users/{lee}", headers=provider), 403, "not provisioned")
    kept = client.get(f"/scim/v2/Users/{root}", headers=provider).json()
    assert kept["userName"] == "root" and kept["active"] is True
    assert client.get(f"/scim/v2/Users/{lee}", headers=provider).json()["active"] is True
    assert refusals(settings, root) == ["scim_not_provisioned"]
    assert refusals(settings, lee) == ["scim_not_provisioned"] * 2

    # A provider that matched lee by userName and sends what is already so changes nothing.
    same = patch({"op": "replace", "value": {"userName": "lee", "active": True}})
    assert client.patch(f"/scim/v2/Users/{lee}", json=same, headers=provider).status_code == 200

    dana = provisioned(client, provider, "dana@corp.example")
    renamed = client.patch(
        f"/scim/v2/Users/{dana}", json=rename_to("dana.r@corp.example"), headers=provider
    )
    assert renamed.status_code == 200 and renamed.json()["userName"] == "dana.r@corp.example"
    assert client.delete(f"/scim/v2/Users/{dana}", headers=provider).status_code == 204


def test_scim_never_changes_an_administrator(client, settings, auth_header, cli):  # type: ignore[no-untyped-def]
    provider = auth_header("scim")
    local_user(cli, "root", "admin")
    ana = provisioned(client, provider, "ana@corp.example")
    assert cli("user", "set-role", "--username", "ana@corp.example", "--role", "admin")
    refused_as(
        client.patch(f"/scim/v2/Users/{ana}", json=rename_to("x@corp.example"), headers=provider),
        403,
        "administrator",
    )
    refused_as(
        client.patch(f"/scim/v2/Users/{ana}", json=active_is("False"), headers=provider),
        403,
        "administrator",
    )
    assert client.get(f"/scim/v2/Users/{ana}", headers=provider).json()["active"] is True
    assert refusals(settings, ana) == ["scim_not_provisioned"] * 2


def test_scim_does_not_undo_a_disable_by_staff(client, settings, auth_header, cli):  # type: ignore[no-untyped-def]
    provider = auth_header("scim")
    bo = provisioned(client, provider, "bo@corp.example")
    cli("user", "disable", "--username", "bo@corp.example")
    refused_as(
        client.patch(f"/scim/v2/Users/{bo}", json=active_is(True), headers=provider),
        409,
        "disabled in Takedown",
    )
    assert client.get(f"/scim/v2/Users/{bo}", headers=provider).json()["active"] is False
    assert client.delete(f"/scim/v2/Users/{bo}", headers=provider).status_code == 204  # so it is
    assert refusals(settings, bo) == ["scim_disabled_by_staff"]

    cli("user", "enable", "--username", "bo@corp.example")  # staff let them back in
    assert (
        client.patch(f"/scim/v2/Users/{bo}", json=active_is(False), headers=provider).json()[
            "active"
        ]
        is False
    )
    back = client.patch(f"/scim/v2/Users/{bo}", json=active_is(True), headers=provider)
    assert back.status_code == 200 and back.json()["active"] is True  # its own disable


@pytest.fixture
def provider() -> Iterator[IdentityProvider]:
    with identity_provider() as provider:
        provider.person = {
            "sub": "00u-mallory",
            "email": "mallory@idp.example",
            "email_verified": True,
            "amr": ["pwd", "mfa"],
        }
        yield provider


def test_scim_cannot_hand_a_local_administrator_to_a_provider_account(  # type: ignore[no-untyped-def]
    settings, provider, make_api_key, cli
):
    configured = with_provider(settings, provider.base)
    local_user(cli, "root", "admin")
    root = user_id_of(configured, "root")
    scim = {"Authorization": f"Bearer {make_api_key('scim')}"}
    with TestClient(create_app(configured)) as client:
        taken = client.patch(
            f"/scim/v2/Users/{root}", json=rename_to("mallory@idp.example"), headers=scim
        )
        assert taken.status_code == 403
        assert through_the_provider(client).status_code == 403  # nobody of that name
        assert not signed_in(client)
