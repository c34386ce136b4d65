"""Rule: evidence is kept until a year after its CyberTipline report finished (18 U.S.C. 2258A(h)
as amended by the REPORT Act).

A report that never finished (failed, given up, waiting for legal to file it again) has not
started the year: the package is kept as if on legal hold, however long ago it was preserved.
The year runs from the moment the filing finishes, recorded on the package then (not when the
purge job next looks), so the package and a disclosure's manifest name the report's date at once.
A withdrawn filing (the decision overturned) owes no report: the year runs from preservation."""

from __future__ import annotations

import base64
import secrets
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from takedown import clock
from takedown.api.app import create_app
from takedown.cases.models import Case
from takedown.enforcement.scheduled import purge_evidence
from takedown.ncmec.scheduled import file_due_reports
from takedown.ncmec.service import withdraw_report
from takedown.store.db import session_scope
from tests.enforcement_support import (  # noqa: F401 (moving_clock: fixture)
    decide_violating,
    moving_clock,
    report_with_media,
)
from tests.media import generated_scene, jpeg
from tests.ncmec_factories import ncmec_settings, sandbox
from tests.review_support import console, make_user, staff_headers


@pytest.mark.usefixtures("moving_clock")
def test_evidence_is_kept_until_a_year_after_its_cybertipline_report_finished(settings):  # type: ignore[no-untyped-def]
    with sandbox() as server:
        settings = ncmec_settings(
            settings,
            server,
            evidence_key=SecretStr(base64.b64encode(secrets.token_bytes(32)).decode()),
            ncmec_max_attempts=1,  # the first failure gives up: a person must file it again
        )
        with TestClient(create_app(settings)) as client:
            filed = report_with_media(
                client, jpeg(generated_scene(71)), content_id="p-71", account_id="a-71"
            )
            decide_violating(client, settings, filed["case_id"], classification="A1")
            make_user(settings, "law", "legal")
            legal = staff_headers(client, settings, "law")
            (package,) = client.get(
                f"/v1/evidence?case_id={filed['case_id']}", headers=legal
            ).json()["packages"]
            package_url = f"/v1/evidence/{package['package_id']}"

            server.state.fail_next(1, endpoint="submit")
            assert list(file_due_reports(settings).values()) == ["failed"]

            clock.advance(timedelta(days=400))  # well past a year from preservation
            assert purge_evidence(settings) == []  # no finished report: the year has not begun
            kept = client.get(package_url, headers=legal).json()
            assert kept["purged_at"] is None and kept["ncmec_reported_at"] is None
            assert kept["kept_for_unfinished_report"] is True  # and says why
            page = console(client.app, "law").get(package_url.replace("/v1", "/console"))
            assert "the case's report is not finished yet" in page.text
            assert (settings.data_dir / "evidence" / package["package_id"]).exists()

            refiled = client.post(f"/v1/cases/{filed['case_id']}/ncmec", headers=legal)
            assert refiled.status_code == 202, refiled.text
            assert list(file_due_reports(settings).values()) == ["finished"]
            finished_at = clock.now()
            # Recorded when the filing finished, before any purge run.
            reported = client.get(package_url, headers=legal).json()
            assert reported["ncmec_reported_at"] is not None
            assert reported["kept_for_unfinished_report"] is False
            page = console(client.app, "law").get(package_url.replace("/v1", "/console"))
            assert "report is not finished" not in page.text
            assert reported["retain_until"].startswith(
                (finished_at + timedelta(days=365)).date().isoformat()
            )

            clock.advance(timedelta(days=364))
            assert purge_evidence(settings) == []
            clock.advance(timedelta(days=2))
            assert purge_evidence(settings) == [package["package_id"]]


@pytest.mark.usefixtures("moving_clock")
def test_a_withdrawn_filing_does_not_keep_evidence(settings):  # type: ignore[no-untyped-def]
    with sandbox() as server:
        settings = ncmec_settings(
            settings,
            server,
            evidence_key=SecretStr(base64.b64encode(secrets.token_bytes(32)).decode()),
        )
        with TestClient(create_app(settings)) as client:
            filed = report_with_media(
                client, jpeg(generated_scene(72)), content_id="p-72", account_id="a-72"
            )
            decide_violating(client, settings, filed["case_id"], classification="A1")
            make_user(settings, "law", "legal")
            legal = staff_headers(client, settings, "law")
            (package,) = client.get(
                f"/v1/evidence?case_id={filed['case_id']}", headers=legal
            ).json()["packages"]
            # As an overturned decision does (enforcement.flows.reverse).
            with session_scope(settings.resolved_database_url) as db_session:
                case = db_session.get(Case, filed["case_id"])
                assert case is not None
                withdraw_report(db_session=db_session, case=case, actor="test", reason="overturned")
            clock.advance(timedelta(days=366))
            assert purge_evidence(settings) == [package["package_id"]]
