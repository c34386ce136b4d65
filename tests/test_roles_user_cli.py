"""`takedown user create --password-stdin` and `takedown user token --json` give automation a
staff login and a bearer token whose role the staff API enforces."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from tests.review_support import ConsoleBrowser, report


def test_create_user_and_token(cli, client: TestClient):
    created = cli(
        "user",
        "create",
        "--username",
        "dana",
        "--role",
        "child_safety_reviewer",
        "--password-stdin",
        input="a long enough password\n",
    )
    assert created.exit_code == 0, created.output
    duplicate = cli(
        "user",
        "create",
        "--username",
        "dana",
        "--role",
        "reviewer",
        "--password-stdin",
        input="another long password\n",
    )
    assert duplicate.exit_code == 1
    assert ConsoleBrowser(client).login("dana", "a long enough password").status_code == 303

    issued = cli("user", "token", "--username", "dana", "--json")
    assert issued.exit_code == 0, issued.output
    token = json.loads(issued.stdout)["token"]
    case_id = report(client, category="child_sexual_abuse", content_id="t1")["case_id"]
    listed = client.get("/v1/cases", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200
    assert [c["case_id"] for c in listed.json()["cases"]] == [case_id]


def test_bad_input_is_refused(cli):
    weak = cli(
        "user", "create", "--username", "x", "--role", "admin", "--password-stdin", input="short\n"
    )
    assert weak.exit_code == 1
    role = cli(
        "user",
        "create",
        "--username",
        "x",
        "--role",
        "overlord",
        "--password-stdin",
        input="a long enough password\n",
    )
    assert role.exit_code != 0
    unknown = cli("user", "token", "--username", "ghost", "--json")
    assert unknown.exit_code == 1
