"""/report: a server-rendered form that works without JavaScript, with labelled controls, the
plain-language TAKE IT DOWN Act notice, inline errors next to fields, and a confirmation page
with the case reference and tracking link."""

from __future__ import annotations

import re


def test_form_has_notice_and_labels_for_every_control(client):
    page = client.get("/report")
    assert page.status_code == 200
    html = page.text
    assert "TAKE IT DOWN Act" in html and "48 hours" in html
    # Nothing needs JavaScript: one script makes "Leave this page" also leave the history (without
    # it that button is a plain link); two offer the fingerprint field (without them it is hidden).
    assert re.findall(r"<script[^>]*>", html) == [
        '<script src="/static/quick-exit.js" defer>',
        '<script src="/static/device-hash.js" defer>',
        '<script src="/static/report-form.js" defer>',
    ]
    assert re.search(r'id="fingerprints-field"[^>]* hidden', html)
    visible = r'<(?:input(?![^>]*type="hidden")|select|textarea)[^>]*\bid="([^"]+)"'
    ids = re.findall(visible, html)
    labelled = set(re.findall(r'<label for="([^"]+)"', html))
    assert ids and set(ids) <= labelled, set(ids) - labelled
    assert 'href="#main"' in html  # skip link for keyboard users


def test_missing_fields_are_shown_inline_and_values_kept(client):
    page = client.post(
        "/report",
        data={"category": "terms_violation", "content_url": "https://x.example/p"},
        files={"file": ("", b"", "application/octet-stream")},
    )
    assert page.status_code == 422
    html = page.text
    assert 'role="alert"' in html
    assert 'id="explanation-error"' in html and 'aria-invalid="true"' in html
    assert 'id="reporter-email-error"' in html
    assert 'value="https://x.example/p"' in html  # what was typed is kept
    assert "<title>Error:" in html


def test_valid_submission_shows_confirmation_with_case_and_tracking_link(client):
    page = client.post(
        "/report",
        data={
            "category": "child_sexual_abuse",
            "content_url": "https://platform.example/p/1",
            "subject_is_minor": "yes",
            "idempotency_key": "form-1",
        },
    )
    assert page.status_code == 201, page.text
    case_ref = re.search(r'id="case-reference">([^<]+)<', page.text).group(1)
    link = re.search(r'id="tracking-link" href="([^"]+)"', page.text).group(1)
    assert case_ref.startswith("case_")
    tracked = client.get(link.replace("http://testserver", ""))
    assert tracked.status_code == 200 and case_ref in tracked.text
    # Pressing submit twice (or reloading) does not file a second report.
    twice = client.post(
        "/report",
        data={
            "category": "child_sexual_abuse",
            "content_url": "https://platform.example/p/1",
            "subject_is_minor": "yes",
            "idempotency_key": "form-1",
        },
    )
    assert re.search(r'id="tracking-link" href="([^"]+)"', twice.text).group(1) == link


def test_ncii_form_without_signature_names_the_missing_element(client):
    page = client.post(
        "/report",
        data={
            "category": "non_consensual_intimate_imagery",
            "content_url": "https://platform.example/p/2",
            "reporter.email": "me@example.org",
            "good_faith_statement": "true",
        },
    )
    assert page.status_code == 422
    assert 'id="signature-error"' in page.text


def test_child_safety_confirmation_says_what_happens_next(client):
    child = client.post(
        "/report", data={"category": "child_sexual_abuse", "content_url": "https://x.example/c"}
    )
    assert child.status_code == 201
    next_steps = re.search(r'id="what-happens-next">([^<]+)<', child.text).group(1)
    assert "looked at first" in next_steps and "(NCMEC)" in next_steps
    terms = client.post(
        "/report",
        data={
            "category": "terms_violation",
            "content_url": "https://x.example/t",
            "explanation": "spam",
            "reporter.name": "Sam",
            "reporter.email": "sam@example.org",
            "good_faith_statement": "true",
        },
    )
    assert terms.status_code == 201 and 'id="what-happens-next"' not in terms.text


def test_platform_report_button_fills_in_the_form(client):
    linked = client.get(
        "/report",
        params={
            "content_url": "https://platform.example/p/42",
            "content_id": "post-42",
            "category": "child_sexual_exploitation",
        },
    ).text
    assert 'id="content_url" name="content_url" value="https://platform.example/p/42"' in linked
    assert 'id="content_id" name="content_id" value="post-42"' in linked
    assert re.search(r'id="category-child_sexual_exploitation" value="[^"]+" checked', linked)

    odd = client.get(
        "/report",
        params={"content_url": "javascript:alert(1)", "category": "anything", "content_id": ""},
    ).text
    assert "javascript:" not in odd and " checked" not in odd.split('id="subject_is_minor"')[0]
