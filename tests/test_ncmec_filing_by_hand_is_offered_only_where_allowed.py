"""Rule: the NCMEC page offers filing by hand only where it is allowed (a CyberTipline incident,
nothing on its way or filed). Where no reviewer found child sexual abuse or exploitation (the case
undecided, or closed "no violation"), filing takes an explicit confirmation that says so, and the
filing's history records the case's state. The history names people by username."""

from __future__ import annotations

from tests.review_support import case_of_report, console, make_user, report, staff_headers


def test_ncmec_filing_by_hand_is_offered_only_where_allowed(app, client, settings):  # type: ignore[no-untyped-def]
    make_user(settings, "legal-1", "legal")
    legal = console(app, "legal-1")
    terms = report(client, category="terms_violation", content_id="p-terms-ncmec")
    terms_case = case_of_report(client, settings, terms["report_id"])
    page = legal.get(f"/console/cases/{terms_case}/ncmec").text
    assert "File with NCMEC" not in page and 'id="ncmec-not-reportable"' in page

    abuse = report(client, content_id="p-undecided-ncmec")
    case_id = case_of_report(client, settings, abuse["report_id"])
    page = legal.get(f"/console/cases/{case_id}/ncmec").text
    assert 'id="ncmec-confirm"' in page and "the case is undecided (open)" in page

    unconfirmed = legal.post(f"/console/cases/{case_id}/ncmec")
    assert unconfirmed.status_code == 422 and "confirm" in unconfirmed.text
    headers = staff_headers(client, settings, "legal-1")
    assert client.get(f"/v1/cases/{case_id}/ncmec", headers=headers).json()["filings"] == []

    filed = legal.post(f"/console/cases/{case_id}/ncmec", {"confirm": "yes"})
    assert filed.status_code == 303, filed.text
    (filing,) = client.get(f"/v1/cases/{case_id}/ncmec", headers=headers).json()["filings"]
    assert any(
        e["detail"] == "filed by hand while the case was undecided (open)"
        for e in filing["history"]
    )
    page = legal.get(f"/console/cases/{case_id}/ncmec").text
    assert "by legal-1" in page and "user:usr_" not in page
    assert "File with NCMEC" not in page  # on its way
