"""Done when: a violating decision (through POST /v1/cases/{id}/decisions) sends signed
content.remove for the reported item and for an earlier near-duplicate upload by another account,
account.suspend for the uploader, blocks a later re-upload at scan, preserves encrypted evidence,
and files an XSD-valid CyberTipline report to the conformance sandbox through all four endpoints."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time

from fastapi.testclient import TestClient
from lxml import etree
from pydantic import SecretStr

from takedown.api.app import create_app
from takedown.auth.models import Role
from takedown.enforcement.delivery import deliver_due
from takedown.ncmec.scheduled import file_due_reports
from takedown.ncmec.xml import validate
from takedown.transparency.schemas import StatementOfReasons
from tests.enforcement_support import (
    SECRET,
    Receiver,
    decide_violating,
    report_with_media,
    scan,
)
from tests.media import altered_copy, jpeg, stand_in
from tests.ncmec_factories import make_user as make_staff
from tests.ncmec_factories import ncmec_settings, sandbox


def test_violating_decision_takes_every_copy_down(settings, make_api_key, tmp_path):
    receiver = Receiver().start()
    with sandbox() as server:
        settings = ncmec_settings(
            settings,
            server,
            platform_webhook_url=receiver.url,
            platform_webhook_secret=SecretStr(SECRET),
            evidence_key=SecretStr(base64.b64encode(secrets.token_bytes(32)).decode()),
        )
        key = make_api_key("scan")
        original = jpeg(stand_in("chelsea"))
        with TestClient(create_app(settings)) as client:
            # Earlier uploads: a near-duplicate by someone else, and an unrelated picture.
            copy = scan(client, key, altered_copy(stand_in("chelsea")), "post-copy", "acct-other")
            assert copy["verdict"] == "allow"
            scan(client, key, jpeg(stand_in("coffee")), "post-unrelated", "acct-bystander")
            scan(client, key, original, "post-orig", "acct-uploader")

            filed = report_with_media(
                client, original, content_id="post-orig", account_id="acct-uploader"
            )
            decide_violating(client, settings, filed["case_id"], classification="A1")

            run = deliver_due(settings)
            assert run.delivered >= 4 and run.retried == 0 and run.failed == 0
            assert receiver.deliveries and all(d.signed() for d in receiver.deliveries)
            assert not any(d.signed("wrong-secret") for d in receiver.deliveries)

            removed = {e["data"]["content_id"]: e for e in receiver.events("content.remove")}
            assert set(removed) == {"post-orig", "post-copy"}
            assert removed["post-orig"]["data"]["match"]["kind"] == "reported"
            assert removed["post-copy"]["data"]["match"]["kind"] == "similar"
            assert removed["post-copy"]["data"]["account_id"] == "acct-other"
            for event in removed.values():
                statement = StatementOfReasons.model_validate(event["data"]["statement_of_reasons"])
                assert statement.category == "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
                assert statement.decision_visibility == ["DECISION_VISIBILITY_CONTENT_REMOVED"]
            suspended = receiver.events("account.suspend")
            assert [e["data"]["account_id"] for e in suspended] == ["acct-uploader"]
            assert suspended[0]["data"]["statement_of_reasons"]["decision_account"] == (
                "DECISION_ACCOUNT_SUSPENDED"
            )
            assert receiver.events("content.block")
            assert [e["data"]["case_id"] for e in receiver.events("case.updated")] == [
                filed["case_id"]
            ]
            ids = [d.event["event_id"] for d in receiver.deliveries]
            assert len(ids) == len(set(ids))

            # Never again: a later re-upload (another altered copy) is blocked at scan once the
            # serving process follows the index change log (as `serve` does).
            client.app.state.index.follow()
            deadline = time.monotonic() + 10
            while True:
                again = scan(
                    client, key, altered_copy(stand_in("chelsea")), "post-again", "acct-new"
                )
                if again["verdict"] == "block" or time.monotonic() > deadline:
                    break
                time.sleep(0.3)
            assert again["verdict"] == "block"
            assert any(m["bank"] == "platform-confirmed" for m in again["matches"])

            # The copy's uploader is flagged; the uploader's page shows the suspension.
            _, legal_token = make_staff(settings, Role.LEGAL)
            legal = {"Authorization": f"Bearer {legal_token}"}
            other = client.get("/v1/accounts/acct-other", headers=legal).json()
            assert other["flagged_for_review"] is True and other["status"] == "active"
            uploader = client.get("/v1/accounts/acct-uploader", headers=legal).json()
            assert uploader["status"] == "suspended" and uploader["strike_count"] == 1

            # Evidence preserved, encrypted at rest, readable by legal.
            (package,) = client.get(
                f"/v1/evidence?case_id={filed['case_id']}", headers=legal
            ).json()["packages"]
            detail = client.get(f"/v1/evidence/{package['package_id']}", headers=legal).json()
            media = [f for f in detail["files"] if f["kind"] == "media"]
            assert [f["sha256"] for f in media] == [hashlib.sha256(original).hexdigest()]
            vault_files = list((settings.data_dir / "evidence").rglob("*.bin"))
            assert len(vault_files) == len(detail["files"])
            assert all(original not in p.read_bytes() for p in vault_files)
            opened = client.get(
                f"/v1/evidence/{package['package_id']}/files/{media[0]['file_id']}", headers=legal
            )
            assert opened.status_code == 200 and opened.content == original

            # Filed to the CyberTipline sandbox through all four endpoints, XSD-valid.
            results = file_due_reports(settings)
            assert list(results.values()) == ["finished"]
            assert server.state.calls == ["submit", "upload", "fileinfo", "finish"]
            (report,) = server.state.reports.values()
            validate(report.report_xml.encode())
            assert etree.fromstring(report.report_xml.encode()).tag == "report"
            assert [f.md5 for f in report.files.values()] == [hashlib.md5(original).hexdigest()]
    receiver.stop()
