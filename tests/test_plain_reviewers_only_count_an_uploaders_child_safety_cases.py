"""Rule: a plain reviewer is never shown a child-safety case, not even through an uploader's
history: the case page's "Uploader history", the console's account page and
`GET /v1/accounts/{id}` only count them (`cases_hidden`), as the content and reporter lookups do.
Child-safety reviewers see them all."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.review_support import case_of_report, console, make_user, report, staff_headers

ACCOUNT = "uploader-77"


def test_plain_reviewers_only_count_an_uploaders_child_safety_cases(
    app, client: TestClient, settings
):  # type: ignore[no-untyped-def]
    make_user(settings, "rev", "reviewer")
    make_user(settings, "csr", "child_safety_reviewer")
    abuse = report(client, content_id="post-cs-77", account_id=ACCOUNT)
    abuse_case = case_of_report(client, settings, abuse["report_id"])
    terms = report(client, category="terms_violation", content_id="post-t-77", account_id=ACCOUNT)
    terms_case = case_of_report(client, settings, terms["report_id"])

    plain = console(app, "rev")
    page = plain.get(f"/console/cases/{terms_case}").text
    history = page.split('id="history-h"')[1].split("</section>")[0]
    assert abuse_case not in history and "child sexual abuse" not in history
    assert "1 child-safety case you may not see" in history

    account = plain.get(f"/console/accounts/{ACCOUNT}")
    assert account.status_code == 200, account.text
    assert abuse_case not in account.text
    assert "1 child-safety case you may not see" in account.text
    api = client.get(f"/v1/accounts/{ACCOUNT}", headers=staff_headers(client, settings, "rev"))
    assert api.status_code == 200 and abuse_case not in api.text
    assert api.json()["cases_hidden"] == 1

    child_safety = console(app, "csr")
    assert abuse_case in child_safety.get(f"/console/cases/{terms_case}").text
    assert abuse_case in child_safety.get(f"/console/accounts/{ACCOUNT}").text
