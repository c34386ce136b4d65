"""Rule: disabling a staff user ends their console sessions and revokes their staff tokens for
good, whichever way they are disabled (`takedown user disable`, the console's staff page, the
identity provider's SCIM): enabling them again revives neither; they sign in afresh and need a
new token."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from takedown.audit.models import AuditEntry
from takedown.auth.models import Origin
from takedown.auth.users import create_user
from takedown.store.db import session_scope
from tests.review_support import PASSWORD, console, make_user, staff_headers, user_id_of


def signed_in(browser: Any) -> bool:
    return browser.get("/console/queue", follow_redirects=False).status_code == 200


def test_disabling_a_user_ends_their_sessions_for_good(client, app, settings, cli) -> None:  # type: ignore[no-untyped-def]
    make_user(settings, "rae", "reviewer")
    rae, token = console(app, "rae"), staff_headers(client, settings, "rae")
    assert signed_in(rae) and client.get("/v1/cases", headers=token).status_code == 200

    assert cli("user", "disable", "--username", "rae").exit_code == 0
    assert cli("user", "enable", "--username", "rae").exit_code == 0
    assert not signed_in(rae)
    assert client.get("/v1/cases", headers=token).status_code == 401
    assert signed_in(console(app, "rae"))  # enabled: a new sign-in works
    with session_scope(settings.resolved_database_url) as db_session:
        disabled = db_session.scalars(
            select(AuditEntry).where(AuditEntry.action == "user.disabled")
        ).one()
        assert disabled.details == {"username": "rae", "sessions_ended": 1, "tokens_revoked": 1}


def test_disabling_on_the_staff_page_ends_sessions_for_good(client, app, settings) -> None:  # type: ignore[no-untyped-def]
    make_user(settings, "lead", "admin")
    make_user(settings, "rae", "reviewer")
    lead = console(app, "lead")
    rae, token = console(app, "rae"), staff_headers(client, settings, "rae")
    rae_id = user_id_of(settings, "rae")
    for disabled in ("true", "false"):
        answer = lead.post(f"/console/staff/{rae_id}/disabled", {"disabled": disabled})
        assert answer.status_code == 303, answer.text
    assert not signed_in(rae)
    assert client.get("/v1/cases", headers=token).status_code == 401


def test_turning_off_through_scim_ends_sessions_for_good(
    client, app, settings, auth_header
) -> None:  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        create_user(
            db_session=db_session,
            username="sam@corp.example",
            role="reviewer",
            password=PASSWORD,
            origin=Origin.SCIM,
        )
    sam, token = (
        console(app, "sam@corp.example"),
        staff_headers(client, settings, "sam@corp.example"),
    )
    sam_id, provider = user_id_of(settings, "sam@corp.example"), auth_header("scim")
    for active in (False, True):
        body = {"Operations": [{"op": "replace", "path": "active", "value": active}]}
        assert (
            client.patch(f"/scim/v2/Users/{sam_id}", json=body, headers=provider).json()["active"]
            is active
        )
    assert not signed_in(sam)
    assert client.get("/v1/cases", headers=token).status_code == 401
