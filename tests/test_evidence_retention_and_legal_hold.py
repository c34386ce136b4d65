"""Evidence is kept evidence_retention_days (365) from the CyberTipline report (18 U.S.C. 2258A as
amended by the REPORT Act), then purged automatically by the job with an audit entry; a legal hold
keeps it until released."""

from __future__ import annotations

import base64
import secrets
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from takedown import clock
from takedown.api.app import create_app
from takedown.audit.models import AuditEntry
from takedown.enforcement.scheduled import purge_evidence
from takedown.ncmec.scheduled import file_due_reports
from takedown.store.db import session_scope
from tests.enforcement_support import (  # noqa: F401
    decide_violating,
    moving_clock,
    report_with_media,
)
from tests.media import generated_scene, jpeg
from tests.ncmec_factories import ncmec_settings, sandbox
from tests.review_support import make_user, staff_headers


@pytest.mark.usefixtures("moving_clock")
def test_purged_a_year_after_the_ncmec_report_unless_on_hold(settings):
    with sandbox() as server:
        settings = ncmec_settings(
            settings,
            server,
            evidence_key=SecretStr(base64.b64encode(secrets.token_bytes(32)).decode()),
        )
        with TestClient(create_app(settings)) as client:
            cases = []
            for seed, name in ((61, "a"), (62, "b")):
                filed = report_with_media(
                    client, jpeg(generated_scene(seed)), content_id=f"p-{name}", account_id=name
                )
                decide_violating(
                    client, settings, filed["case_id"], username=f"r-{name}", classification="A1"
                )
                cases.append(filed["case_id"])
            make_user(settings, "law", "legal")
            make_user(settings, "csr", "child_safety_reviewer")
            legal = staff_headers(client, settings, "law")
            packages = {
                p["case_id"]: p
                for p in client.get("/v1/evidence", headers=legal).json()["packages"]
            }
            kept, held = packages[cases[0]], packages[cases[1]]

            clock.advance(timedelta(days=10))  # NCMEC gets the reports ten days later
            assert sorted(file_due_reports(settings).values()) == ["finished", "finished"]
            denied = client.post(
                f"/v1/evidence/{held['package_id']}/hold",
                json={"reason": "subpoena"},
                headers=staff_headers(client, settings, "csr"),
            )
            assert denied.status_code == 403
            hold = client.post(
                f"/v1/evidence/{held['package_id']}/hold",
                json={"reason": "grand jury subpoena 26-114"},
                headers=legal,
            )
            assert hold.status_code == 200 and hold.json()["legal_hold"] is True

            clock.advance(timedelta(days=360))  # 370 days after preservation
            assert purge_evidence(settings) == []  # a year runs from the report, not before
            detail = client.get(f"/v1/evidence/{kept['package_id']}", headers=legal).json()
            assert detail["ncmec_reported_at"] is not None
            assert detail["retain_until"].startswith(
                (clock.now() + timedelta(days=5)).date().isoformat()
            )

            clock.advance(timedelta(days=6))  # a year and a day after the report
            assert purge_evidence(settings) == [kept["package_id"]]
            assert not (settings.data_dir / "evidence" / kept["package_id"]).exists()
            assert (settings.data_dir / "evidence" / held["package_id"]).exists()
            gone = client.get(f"/v1/evidence/{kept['package_id']}", headers=legal).json()
            assert gone["purged_at"] is not None
            file_id = gone["files"][0]["file_id"]
            opened = client.get(f"/v1/evidence/{kept['package_id']}/files/{file_id}", headers=legal)
            assert opened.status_code == 409 and opened.json()["code"] == "evidence_purged"

            released = client.post(
                f"/v1/evidence/{held['package_id']}/hold",
                json={"hold": False, "reason": "case closed by the court"},
                headers=legal,
            )
            assert released.status_code == 200
            assert purge_evidence(settings) == [held["package_id"]]
            assert purge_evidence(settings) == []
    with session_scope(settings.resolved_database_url) as db_session:
        purged = db_session.scalars(
            select(AuditEntry).where(AuditEntry.action == "evidence.purged")
        ).all()
        assert sorted(e.subject for e in purged) == sorted(cases)
        holds = db_session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.action.like("evidence.legal_hold%"))
            .order_by(AuditEntry.seq)
        ).all()
        assert holds == ["evidence.legal_hold_set", "evidence.legal_hold_released"]
