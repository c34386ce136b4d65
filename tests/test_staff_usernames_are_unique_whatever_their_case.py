"""Rule: a staff username is unique whatever its case (single sign-on matches the provider's
claim without regard to case, so `rev-1` and `REV-1` would both answer one sign-in), made of
letters, digits and the characters of an email address, at most 120 characters. The same rule
holds wherever users are made or renamed: `takedown user create`, the console's invite, SCIM.
Users made before the rule keep their names and still sign in."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from takedown import clock
from takedown.auth.models import User
from takedown.auth.passwords import hash_password
from takedown.settings import Settings
from takedown.store.db import session_scope
from tests.review_support import PASSWORD, console, csrf_from, make_user

REFUSED = ["REV-1", "two words", "<b>bold</b>", "x" * 121, ".dot-first"]


def test_takedown_user_create_refuses_a_name_taken_in_another_case_or_badly_made(
    cli: Any,
) -> None:
    made = cli(
        "user",
        "create",
        "--username",
        "rev-1",
        "--role",
        "reviewer",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    assert made.exit_code == 0, made.output

    for name in REFUSED:
        refused = cli(
            "user",
            "create",
            "--username",
            name,
            "--role",
            "reviewer",
            "--password-stdin",
            input=PASSWORD + "\n",
        )
        assert refused.exit_code != 0, name
    taken = cli(
        "user",
        "create",
        "--username",
        "REV-1",
        "--role",
        "reviewer",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    assert "'rev-1' exists" in taken.output
    email = cli(
        "user",
        "create",
        "--username",
        "Ana.O'Neil+cs@corp.example",
        "--role",
        "reviewer",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    assert email.exit_code == 0, email.output


def test_the_console_invite_refuses_a_name_taken_in_another_case_or_badly_made(
    client: TestClient, app: Any, settings: Settings
) -> None:
    make_user(settings, "lead", "admin")
    make_user(settings, "rev-1", "reviewer")
    browser = console(app, "lead")

    for name in REFUSED:
        answer = browser.post("/console/staff/invite", {"username": name, "role": "reviewer"})
        assert answer.status_code in (409, 422), (name, answer.status_code)
        assert "invite-link" not in answer.text
    taken = browser.post("/console/staff/invite", {"username": "REV-1", "role": "reviewer"})
    assert "rev-1" in taken.text and "whatever its case" in taken.text
    long = browser.post("/console/staff/invite", {"username": "x" * 121, "role": "reviewer"})
    assert "at most 120 characters" in long.text


def test_scim_keeps_the_same_username_rule(
    client: TestClient, settings: Settings, auth_header: Any
) -> None:
    provider = auth_header("scim")
    make_user(settings, "rev-1", "reviewer")

    def create(user_name: str) -> Any:
        body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": user_name}
        return client.post("/scim/v2/Users", json=body, headers=provider)

    assert create("REV-1").json()["scimType"] == "uniqueness"
    for name in ("two words", "<b>bold</b>", "x" * 121):
        answer = create(name)
        assert answer.status_code == 400, (name, answer.text)
        assert answer.json()["scimType"] == "invalidValue"
    dana = create("dana@corp.example").json()
    rename = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "userName", "value": "dana at corp"}],
    }
    renamed = client.patch(f"/scim/v2/Users/{dana['id']}", json=rename, headers=provider)
    assert renamed.status_code == 400 and renamed.json()["scimType"] == "invalidValue"


@pytest.mark.parametrize("old_name", ["Old Timer", "Café-staff"])
def test_a_user_named_before_the_rule_still_signs_in(
    client: TestClient, app: Any, settings: Settings, old_name: str
) -> None:
    with session_scope(settings.resolved_database_url) as db_session:
        db_session.add(
            User(
                id="usr_" + "0" * 26,
                username=old_name,
                password_hash=hash_password(PASSWORD),
                role="reviewer",
                disabled=False,
                created_at=clock.now(),
                last_login_at=None,
            )
        )
    browser = console(app, old_name)
    assert csrf_from(browser.get("/console/queue").text)
