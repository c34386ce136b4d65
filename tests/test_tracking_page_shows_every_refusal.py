"""Rule: a step refused on the tracking page (adding to a decided report, an appeal too long)
says why wherever the page is, gives back what the reporter typed, cuts nothing they wrote, and
the page's language links lead to a page that can be loaded."""

from __future__ import annotations

import re

from tests.reports_support import file_report
from tests.test_tracking_appeal_window import decide


def test_adding_to_a_decided_report_shows_the_refusal_and_what_was_typed(client, settings):
    answer = file_report(client, "child_sexual_abuse")
    token = answer["tracking_token"]
    decide(settings, answer["case_id"])
    refused = client.post(
        f"/track/{token}/information",
        data={"text": "The account also posted it here.", "police_case_number": "CR-7"},
    )
    assert refused.status_code == 409
    assert 'id="add-error"' in refused.text
    assert "This case is decided. If you disagree, appeal the decision instead." in refused.text
    typed = refused.text.split('id="add-typed"')[1]
    assert "The account also posted it here." in typed and "CR-7" in typed


def test_an_addition_too_long_is_refused_with_the_limit_and_kept_in_the_form(client):
    token = file_report(client, "child_sexual_abuse")["tracking_token"]
    refused = client.post(f"/track/{token}/information", data={"text": "a" * 5001})
    assert refused.status_code == 422
    assert "write at most 5000 characters" in refused.text
    assert re.search(
        r'<textarea id="add-text"[^>]*maxlength="5000"[^>]*>a{5001}</textarea>', refused.text
    )
    assert "What you added" not in client.get(f"/track/{token}").text  # nothing was cut and kept


def test_an_appeal_too_long_is_refused_never_cut(client, settings):
    answer = file_report(client, "child_sexual_abuse")
    token = answer["tracking_token"]
    decide(settings, answer["case_id"])
    page = client.get(f"/track/{token}").text
    assert re.search(r'<textarea id="reason"[^>]*maxlength="20000"', page)
    refused = client.post(f"/track/{token}/appeal", data={"reason": "b" * 20_001})
    assert refused.status_code == 422
    assert "Your appeal is too long: write at most 20000 characters." in refused.text
    assert "b" * 20_001 in refused.text  # given back in the form, to shorten
    assert 'id="status">no action<' in refused.text  # nothing was appealed


def test_language_links_after_a_refused_post_lead_to_the_tracking_page(client, settings):
    answer = file_report(client, "child_sexual_abuse")
    token = answer["tracking_token"]
    decide(settings, answer["case_id"])
    for step, data in [
        ("information", {"text": "more"}),
        ("appeal", {"reason": ""}),
        ("withdraw", {}),
        ("erase-contact", {}),
    ]:
        refused = client.post(f"/track/{token}/{step}", data=data)
        assert refused.status_code in (409, 422), step
        links = re.findall(r'<a href="([^"]+)" lang="', refused.text)
        assert links and all(link.startswith(f"/track/{token}?lang=") for link in links), links
        assert client.get(links[0]).status_code == 200
    unknown = client.post("/track/no-such-token/appeal", data={"reason": "x"})
    assert re.findall(r'<a href="([^"]+)" lang="', unknown.text)[0].startswith("/track?lang=")
