"""Rule: a child in danger now is not one more report in NCMEC's queue. A child-safety reviewer
who finds child sexual abuse or exploitation and a child at immediate risk says why; the
CyberTipline report carries it as escalateToHighPriority (valid against NCMEC's schema) and
on-call is paged at once. The flag goes only with such a finding."""

from __future__ import annotations

from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import select

from takedown.api.app import create_app
from takedown.ncmec.scheduled import file_due_reports
from takedown.notify.models import Notification
from takedown.store.db import session_scope
from tests.ncmec_factories import ncmec_settings, sandbox
from tests.review_support import console, make_user, report, staff_headers

DANGER = "The adult arranged to meet the child tomorrow after school."


def test_a_child_at_immediate_risk_escalates_the_cybertipline_report(settings):  # type: ignore[no-untyped-def]
    with sandbox() as server:
        settings = ncmec_settings(settings, server, oncall_webhook_url="http://127.0.0.1:9/oncall")
        app = create_app(settings)
        with TestClient(app) as client:
            make_user(settings, "csr", "child_safety_reviewer")
            make_user(settings, "rev", "reviewer")
            csr = staff_headers(client, settings, "csr")
            filed = report(
                client,
                category="child_sexual_exploitation",
                content_url="https://platform.example/messages/77",
                subject_is_minor="yes",
                explanation="An adult is grooming my son in messages.",
            )
            case_id = filed["case_id"]
            form = console(app, "csr").get(f"/console/cases/{case_id}").text
            assert 'id="immediate-risk"' in form

            wrong = client.post(
                f"/v1/cases/{case_id}/decisions",
                json={"outcome": "no_violation", "reason": "x", "immediate_risk": DANGER},
                headers=csr,
            )
            assert wrong.status_code == 422
            assert wrong.json()["code"] == "immediate_risk_needs_child_safety_finding"

            decided = client.post(
                f"/v1/cases/{case_id}/decisions",
                json={
                    "outcome": "violating",
                    "policy": "child_sexual_exploitation",
                    "reason": "grooming, a meeting arranged",
                    "immediate_risk": DANGER,
                },
                headers=csr,
            )
            assert decided.status_code == 201, decided.text
            assert decided.json()["decision"]["immediate_risk"] == DANGER
            assert (
                "child at immediate risk:"
                in console(app, "csr").get(f"/console/cases/{case_id}").text
            )

            with session_scope(settings.resolved_database_url) as db_session:
                paged = db_session.scalars(
                    select(Notification).where(
                        Notification.case_id == case_id, Notification.kind == "immediate_risk"
                    )
                ).all()
                assert len(paged) == 1 and paged[0].payload["reason"] == DANGER

            file_due_reports(settings)
            (sent,) = server.state.reports.values()
            root = etree.fromstring(sent.report_xml.encode())
            escalated = root.find("incidentSummary/escalateToHighPriority")
            assert escalated is not None and escalated.text == DANGER

            # Another case decided without the flag is not escalated.
            other = report(client, category="child_sexual_exploitation", content_id="m-2")
            plain = client.post(
                f"/v1/cases/{other['case_id']}/decisions",
                json={"outcome": "violating", "policy": "child_sexual_exploitation", "reason": "x"},
                headers=csr,
            )
            assert plain.status_code == 201, plain.text
            file_due_reports(settings)
            second = [r for r in server.state.reports.values() if r is not sent]
            assert len(second) == 1
            assert (
                etree.fromstring(second[0].report_xml.encode()).find(
                    "incidentSummary/escalateToHighPriority"
                )
                is None
            )


def test_a_reversal_on_appeal_can_say_a_child_is_at_immediate_risk(client, settings):  # type: ignore[no-untyped-def]
    """Two reviewers found no violation; the reporter appeals; the appeal reviewer finds
    exploitation and a child in danger: the reversal carries the flag and pages on-call."""
    settings.oncall_webhook_url = "http://127.0.0.1:9/oncall"
    for name in ("cs1", "cs2", "cs3"):
        make_user(settings, name, "child_safety_reviewer")
    cs1, cs2, cs3 = (staff_headers(client, settings, n) for n in ("cs1", "cs2", "cs3"))
    filed = report(
        client,
        category="child_sexual_exploitation",
        content_id="m-9",
        reporter={"role": "parent_or_guardian", "email": "p@example.org"},
    )
    case_id = filed["case_id"]
    for headers in (cs1, cs2):
        answer = client.post(
            f"/v1/cases/{case_id}/decisions",
            json={"outcome": "no_violation", "reason": "x"},
            headers=headers,
        )
        assert answer.status_code == 201, answer.text
    appealed = client.post(
        f"/track/{filed['tracking_token']}/appeal",
        data={"reason": "He is meeting my son on Friday."},
        follow_redirects=False,
    )
    assert appealed.status_code == 303
    appeal_id = client.get(f"/v1/cases/{case_id}", headers=cs3).json()["appeals"][0]["appeal_id"]
    upheld_with_flag = client.post(
        f"/v1/appeals/{appeal_id}/decisions",
        json={"outcome": "upheld", "reason": "x", "immediate_risk": DANGER},
        headers=cs3,
    )
    assert upheld_with_flag.json()["code"] == "immediate_risk_needs_child_safety_finding"
    reversed_ = client.post(
        f"/v1/appeals/{appeal_id}/decisions",
        json={
            "outcome": "overturned",
            "reason": "grooming",
            "policy": "child_sexual_exploitation",
            "immediate_risk": DANGER,
        },
        headers=cs3,
    )
    assert reversed_.status_code == 201, reversed_.text
    assert reversed_.json()["decision"]["immediate_risk"] == DANGER
    with session_scope(settings.resolved_database_url) as db_session:
        kinds = db_session.scalars(
            select(Notification.kind).where(Notification.case_id == case_id)
        ).all()
    assert kinds.count("immediate_risk") == 1
