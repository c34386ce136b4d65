"""Rule: who uploaded the content is the platform's record (the scan ledger) when it has one,
not the account a report names. A report, from anyone and without an account, naming another
account for a scanned post would otherwise have that account struck and suspended for a post
it did not make, and leave the poster's record clean. The name given is kept in the audit log."""

from __future__ import annotations

from fastapi.testclient import TestClient

from takedown.api.app import create_app
from tests.enforcement_support import decide_violating, scan
from tests.media import generated_scene, jpeg
from tests.review_support import make_user, report, staff_headers


def test_the_scanned_uploader_outranks_an_account_a_report_names(settings, make_api_key):  # type: ignore[no-untyped-def]
    key = make_api_key("scan")
    with TestClient(create_app(settings)) as client:
        assert scan(client, key, jpeg(generated_scene(4040)), "c-40", "acct-real")
        filed = report(client, content_id="c-40", account_id="acct-innocent")
        make_user(settings, "lead", "child_safety_reviewer")
        headers = staff_headers(client, settings, "lead")
        case = client.get(f"/v1/cases/{filed['case_id']}", headers=headers).json()
        assert case["account_id"] == "acct-real"

        decide_violating(
            client, settings, filed["case_id"], classification="A1", search_copies=False
        )
        real = client.get("/v1/accounts/acct-real", headers=headers).json()
        innocent = client.get("/v1/accounts/acct-innocent", headers=headers)
        assert [s["case_id"] for s in real["strikes"]] == [filed["case_id"]]
        assert innocent.status_code == 404 or innocent.json()["strikes"] == [], innocent.text

        make_user(settings, "counsel", "legal")
        audit = client.get(
            f"/v1/audit?subject={filed['case_id']}",
            headers=staff_headers(client, settings, "counsel"),
        )
        assert audit.status_code == 200, audit.text
        received = next(e for e in audit.json()["entries"] if e["action"] == "report.received")
        assert received["details"]["account_named_not_the_uploader"] == "acct-innocent"


def test_an_account_named_for_a_post_never_scanned_is_kept(settings):  # type: ignore[no-untyped-def]
    with TestClient(create_app(settings)) as client:
        filed = report(client, content_id="c-41", account_id="acct-named")
        make_user(settings, "lead", "child_safety_reviewer")
        headers = staff_headers(client, settings, "lead")
        case = client.get(f"/v1/cases/{filed['case_id']}", headers=headers).json()
        assert case["account_id"] == "acct-named"
