"""Rule: legal and administrators see, for each notifier (each platform API key, each designated
trusted flagger, and everyone without a key), how many of its reports in a period were found
violating, found not violating, or are undecided, counted by how each case stands now (after
appeals), with the median time to the first decision; and, for one notifier, the reports found
not violating with their cases (the evidence DSA Art 22(6) asks a platform to act on)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from takedown import clock
from tests.enforcement_support import moving_clock  # noqa: F401 (fixture)
from tests.reports_support import file_report
from tests.review_support import console, make_user, staff_headers


def _decide(client: TestClient, headers: dict[str, str], case_id: str, outcome: str) -> None:
    body = {"outcome": outcome, "reason": "reviewed"}
    if outcome == "violating":
        body["policy"] = "terms_of_service"
    answer = client.post(f"/v1/cases/{case_id}/decisions", json=body, headers=headers)
    assert answer.status_code == 201, answer.text


@pytest.mark.usefixtures("moving_clock")
def test_legal_sees_how_often_each_notifiers_reports_are_found_violating(
    client, settings, make_api_key
):
    hotline = make_api_key("report", "trusted_flagger", name="Hotline")
    make_api_key("report", "trusted_flagger", name="Quiet hotline")
    make_api_key("scan", name="Uploads")  # sends no reports: not listed
    platform = make_api_key("report", name="Platform integration")
    by_hotline = {"Authorization": f"Bearer {hotline}"}
    for name, role in (("rev", "reviewer"), ("second", "reviewer"), ("counsel", "legal")):
        make_user(settings, name, role)
    rev, second = staff_headers(client, settings, "rev"), staff_headers(client, settings, "second")
    legal = staff_headers(client, settings, "counsel")

    long_ago = file_report(client, content_id="post-0", headers=by_hotline)
    clock.advance(timedelta(days=100))
    hotline_reports = [
        file_report(client, content_id=f"post-{n}", headers=by_hotline) for n in (1, 2, 3, 4)
    ]
    from_platform = file_report(
        client, content_id="post-5", headers={"Authorization": f"Bearer {platform}"}
    )
    # A reviewer's referral joins that case as Takedown's own report: not a notice, not counted.
    referred = client.post(
        f"/v1/cases/{from_platform['case_id']}/referrals",
        json={"category": "child_sexual_exploitation", "reason": "an adult grooming a child"},
        headers=rev,
    )
    assert referred.status_code == 201, referred.text
    public = file_report(client, content_id="post-6")
    clock.advance(timedelta(hours=2))
    for filed, outcome in zip(
        hotline_reports, ["violating", "violating", "no_violation", "no_violation"], strict=True
    ):
        _decide(client, rev, filed["case_id"], outcome)
    _decide(client, rev, public["case_id"], "no_violation")
    # The hotline appeals one "no violation" and is upheld: that report now counts as violating.
    appealed = client.post(
        f"/track/{hotline_reports[3]['tracking_token']}/appeal",
        data={"reason": "It breaks your rules."},
        follow_redirects=False,
    )
    assert appealed.status_code == 303
    (appeal,) = client.get(f"/v1/cases/{hotline_reports[3]['case_id']}", headers=second).json()[
        "appeals"
    ]
    overturned = client.post(
        f"/v1/appeals/{appeal['appeal_id']}/decisions",
        json={"outcome": "overturned", "reason": "it does", "policy": "terms_of_service"},
        headers=second,
    )
    assert overturned.status_code == 201, overturned.text

    listed = client.get("/v1/notifiers", headers=legal)
    assert listed.status_code == 200, listed.text
    rows = listed.json()["notifiers"]
    assert [r["name"] for r in rows] == [
        "Hotline",
        "Quiet hotline",
        "Sent without a key",
        "Platform integration",
    ]
    by_name = {r["name"]: r for r in rows}
    assert {k: by_name["Hotline"][k] for k in ("reports", "violating", "no_violation")} == {
        "reports": 4,
        "violating": 3,
        "no_violation": 1,
    }
    assert by_name["Hotline"]["violating_share"] == 0.75
    assert by_name["Hotline"]["trusted_flagger"] is True
    assert by_name["Hotline"]["median_hours_to_decision"] == 2.0
    assert by_name["Quiet hotline"]["reports"] == 0
    assert by_name["Quiet hotline"]["violating_share"] is None
    assert by_name["Platform integration"]["undecided"] == 1
    assert by_name["Platform integration"]["trusted_flagger"] is False
    public_row = by_name["Sent without a key"]
    assert (public_row["reports"], public_row["no_violation"], public_row["undecided"]) == (1, 1, 0)

    # A longer period takes in the report from 100 days ago (still undecided).
    older = client.get("/v1/notifiers?days=365", headers=legal).json()["notifiers"]
    assert next(r for r in older if r["name"] == "Hotline")["reports"] == 5

    hotline_id = by_name["Hotline"]["notifier"]
    one = client.get(f"/v1/notifiers/{hotline_id}", headers=legal).json()
    assert [r["report_id"] for r in one["not_found_violating"]] == [hotline_reports[2]["report_id"]]
    assert one["not_found_violating"][0]["case_id"] == hotline_reports[2]["case_id"]
    assert long_ago["report_id"] not in str(one)
    public_one = client.get("/v1/notifiers/public", headers=legal).json()
    assert [r["case_id"] for r in public_one["not_found_violating"]] == [public["case_id"]]
    missing = client.get("/v1/notifiers/key_nothing", headers=legal)
    assert missing.status_code == 404 and missing.json()["code"] == "notifier_not_found"


def test_only_legal_and_administrators_see_notifier_accuracy(client, app, settings):
    for name, role in (("rev", "reviewer"), ("csr", "child_safety_reviewer"), ("boss", "admin")):
        make_user(settings, name, role)
    for name in ("rev", "csr"):
        refused = client.get("/v1/notifiers", headers=staff_headers(client, settings, name))
        assert refused.status_code == 403
    assert client.get("/v1/notifiers", headers=staff_headers(client, settings, "boss")).is_success
    assert client.get("/v1/notifiers").status_code == 401

    reviewer = console(app, "rev")
    assert "/console/notifiers" not in reviewer.get("/console/queue").text
    assert reviewer.get("/console/notifiers").status_code == 403
    admin = console(app, "boss")
    assert 'href="/console/notifiers"' in admin.get("/console/queue").text
    assert "No reports in the last 90 days" in admin.get("/console/notifiers").text
    file_report(client, content_id="post-1")
    page = admin.get("/console/notifiers")
    assert page.status_code == 200 and 'id="notifiers"' in page.text
    assert 'data-notifier="public"' in page.text
    detail = admin.get("/console/notifiers/public?days=30")
    assert detail.status_code == 200 and "Reports, last 30 days" in detail.text
