"""In the console, the case's CyberTipline filing is visible to reviewers who may see the case,
and only `legal` gets (and may use) the button that files it."""

from __future__ import annotations

from takedown.ncmec.scheduled import file_due_reports
from tests.ncmec_factories import decided_case, ncmec_settings, sandbox
from tests.review_support import console, make_user


def test_legal_files_from_the_console_and_sees_the_receipt(settings, client, app):
    with sandbox() as server:
        settings = ncmec_settings(settings, server)
        app.state.settings = settings
        make_user(settings, "lee-legal", "legal")
        make_user(settings, "cas-reviewer", "child_safety_reviewer")
        case = decided_case(settings, queue=False)
        page_url = f"/console/cases/{case.case_id}/ncmec"

        reviewer = console(app, "cas-reviewer")
        seen = reviewer.get(page_url)
        assert seen.status_code == 200
        assert "No report has been queued" in seen.text
        assert "File with NCMEC now" not in seen.text
        assert reviewer.post(page_url).status_code == 403

        legal = console(app, "lee-legal")
        assert "File with NCMEC now" in legal.get(page_url).text
        filed = legal.post(page_url)
        assert filed.status_code == 303
        assert "pending" in legal.get(filed.headers["location"]).text

        file_due_reports(settings)
        (report,) = server.state.reports.values()
        page = legal.get(page_url).text
        assert "finished" in page
        assert report.report_id in page
        assert "reportDoneResponse" in page  # the /finish receipt
        assert "File with NCMEC now" not in page


def test_the_console_refuses_a_post_without_the_csrf_token(settings, client, app):
    with sandbox() as server:
        settings = ncmec_settings(settings, server)
        app.state.settings = settings
        make_user(settings, "lee-legal", "legal")
        case = decided_case(settings, queue=False)
        legal = console(app, "lee-legal")
        forged = legal.client.post(
            f"/console/cases/{case.case_id}/ncmec", data={}, follow_redirects=False
        )
        assert forged.status_code == 403
        assert "No report has been queued" in legal.get(f"/console/cases/{case.case_id}/ncmec").text
