"""A report that gives only the post's address (all a victim or a parent has) is tied to the upload
the platform scanned at that address: the case gets its content id and uploader, the uploader's
history raises the priority, the platform's own report about the content id joins the same case,
and a violating decision removes the post and banks its hashes."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from pydantic import SecretStr

from takedown.api.app import create_app
from takedown.enforcement.delivery import deliver_due
from tests.enforcement_support import SECRET, Receiver, decide_violating
from tests.media import generated_scene, jpeg
from tests.review_support import make_user, staff_headers


def _scan(client, key, picture, content_id, account_id, url=None):  # type: ignore[no-untyped-def]
    answer = client.post(
        "/v1/scan",
        files={"file": ("upload.jpg", picture, "image/jpeg")},
        data={"content_id": content_id, "account_id": account_id, "content_url": url or ""},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def _case_seen_by_reviewer(client, settings, case_id: str) -> dict:  # type: ignore[no-untyped-def]
    """The case as a child-safety reviewer reads it through the staff API."""
    make_user(settings, "reviewer-1", "child_safety_reviewer")
    answer = client.get(
        f"/v1/cases/{case_id}", headers=staff_headers(client, settings, "reviewer-1")
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def _case_id_from_form(page_html: str) -> str:
    match = re.search(r'id="case-reference">([^<]+)<', page_html)
    assert match, page_html
    return match.group(1)


def test_report_by_address_finds_the_scanned_upload(settings, make_api_key):
    receiver = Receiver().start()
    settings = settings.model_copy(
        update={
            "platform_webhook_url": receiver.url,
            "platform_webhook_secret": SecretStr(SECRET),
        }
    )
    key = make_api_key("scan", "report")
    picture = jpeg(generated_scene(4242))
    with TestClient(create_app(settings)) as client:
        _scan(client, key, picture, "post-77", "acct-77", "https://platform.example/p/77")
        _scan(
            client,
            key,
            jpeg(generated_scene(4243)),
            "post-78",
            "acct-78",
            "https://platform.example/p/78",
        )

        # The parent's report through the public form: a shared link, nothing else.
        page = client.post(
            "/report",
            data={
                "category": "child_sexual_abuse",
                "content_url": "https://www.platform.example/p/77/?utm_source=share",
                "subject_is_minor": "yes",
                "reporter.role": "parent_or_guardian",
            },
        )
        assert page.status_code == 201, page.text
        case_id = _case_id_from_form(page.text)

        make_user(settings, "lee", "child_safety_reviewer")
        lee = staff_headers(client, settings, "lee")
        case = client.get(f"/v1/cases/{case_id}", headers=lee).json()
        assert case["content_id"] == "post-77"
        assert case["account_id"] == "acct-77"

        # The platform's own report names the content id: it joins the parent's case.
        joined = client.post(
            "/v1/reports",
            json={"category": "child_sexual_abuse", "content_id": "post-77"},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert joined.status_code == 201, joined.text
        assert joined.json()["case_id"] == case_id

        decide_violating(client, settings, case_id, username="csr-77", classification="A2")
        deliver_due(settings)
        removed = {e["data"]["content_id"] for e in receiver.events("content.remove")}
        assert removed == {"post-77"}
        assert [e["data"]["account_id"] for e in receiver.events("account.suspend")] == ["acct-77"]

        client.app.state.index.refresh()
        again = _scan(client, key, picture, "post-79", "acct-79")
        assert again["verdict"] == "block"
    receiver.stop()


def test_uploader_found_by_address_raises_priority_by_its_history(client, make_api_key, settings):
    key = make_api_key("scan", "banks")
    banked = jpeg(generated_scene(5151))
    bank = client.post(
        "/v1/banks",
        json={"name": "industry", "category": "csam", "action": "block"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert bank.status_code == 201, bank.text
    hashed = client.post(
        "/v1/hash",
        files={"file": ("b.jpg", banked, "image/jpeg")},
        headers={"Authorization": f"Bearer {key}"},
    ).json()
    pdq = next(s["value"] for s in hashed["signals"] if s["type"] == "pdq")
    added = client.post(
        "/v1/banks/industry/entries",
        json={"entries": [{"signal_type": "pdq", "value": pdq}]},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert added.status_code in (200, 201), added.text
    client.app.state.index.refresh()
    assert _scan(client, key, banked, "post-90", "acct-90")["verdict"] == "block"
    _scan(
        client,
        key,
        jpeg(generated_scene(5152)),
        "post-91",
        "acct-90",
        "https://platform.example/p/91",
    )

    filed = client.post(
        "/v1/reports",
        json={
            "category": "child_sexual_exploitation",
            "content_url": "https://platform.example/p/91",
        },
    )
    assert filed.status_code == 201, filed.text
    case = _case_seen_by_reviewer(client, settings, filed.json()["case_id"])
    assert case["account_id"] == "acct-90"
    assert case["priority"] == "P0"
    assert "the uploader has earlier violations" in case["priority_reasons"]


def test_address_nobody_scanned_opens_a_case_by_address_only(client, settings):
    filed = client.post(
        "/v1/reports",
        json={"category": "child_sexual_abuse", "content_url": "https://platform.example/p/404"},
    )
    assert filed.status_code == 201, filed.text
    case = _case_seen_by_reviewer(client, settings, filed.json()["case_id"])
    assert case["content_id"] is None and case["account_id"] is None
    assert case["content_url"] == "https://platform.example/p/404"


def test_uploads_scanned_before_the_upgrade_are_found_by_address(database_url, client, settings):
    """Migration 0010 keys the ledger rows written before it, so old uploads are found too."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from takedown.store.migrate import alembic_config, upgrade

    command.downgrade(alembic_config(database_url), "0009_designated_trusted_flaggers")
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO content_items (scan_id, content_id, account_id, content_url,"
                " media_type, size_bytes, verdict, signals, scanned_at) VALUES ('scan_old',"
                " 'post-old', 'acct-old', 'https://platform.example/p/old', 'image', 1, 'allow',"
                " '[]', CURRENT_TIMESTAMP)"
            )
        )
    engine.dispose()
    upgrade(database_url)

    filed = client.post(
        "/v1/reports",
        json={"category": "child_sexual_abuse", "content_url": "https://platform.example/p/old/"},
    )
    assert filed.status_code == 201, filed.text
    case = _case_seen_by_reviewer(client, settings, filed.json()["case_id"])
    assert (case["content_id"], case["account_id"]) == ("post-old", "acct-old")
