"""Rule: a blind quality check leads nowhere it hides. A reveal on the check page comes back to
the check page: "Blur again" (htmx) and "Back" on the no-JavaScript reveal page go to
/console/quality/{id}, never to the case page with its status, decisions and notes. Only a
quality check's page is accepted as the way back."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from takedown.api.app import create_app
from tests.review_support import (
    benign_image,
    case_of_report,
    console,
    csrf_from,
    make_user,
    report,
    staff_headers,
)


def test_a_blind_quality_check_stays_blind_after_a_reveal(settings):  # type: ignore[no-untyped-def]
    settings = settings.model_copy(update={"quality_sample_percent": 100})
    app = create_app(settings)
    for name in ("alice", "bob"):
        make_user(settings, name, "reviewer")
    with TestClient(app) as client:
        alice, bob = (staff_headers(client, settings, n) for n in ("alice", "bob"))
        filed = report(client, category="terms_violation", image=benign_image())
        case_id = case_of_report(client, settings, filed["report_id"])
        decided = client.post(
            f"/v1/cases/{case_id}/decisions",
            json={"outcome": "no_violation", "reason": "fine"},
            headers=alice,
        )
        assert decided.status_code == 201, decided.text
        check_id = client.get("/v1/quality", headers=bob).json()["waiting"][0]["check_id"]

        browser = console(app, "bob")
        page = browser.get(f"/console/quality/{check_id}").text
        reveal = re.search(r'action="(/console/cases/[^"]+/reveal)"', page)
        assert reveal is not None
        back = re.search(r'name="back" value="([^"]+)"', page)
        assert back is not None and back.group(1) == f"/console/quality/{check_id}"
        case_page = f'href="/console/cases/{case_id}"'

        fragment = browser.post(
            reveal.group(1), {"back": back.group(1)}, headers={"HX-Request": "true"}
        )
        assert fragment.status_code == 200
        assert f'href="/console/quality/{check_id}">Blur again' in fragment.text
        assert case_page not in fragment.text

        full = browser.post(reveal.group(1), {"back": back.group(1)})
        assert f'href="/console/quality/{check_id}">Back to the quality check' in full.text
        assert case_page not in full.text

        # Anything but a quality check's page as the way back is the case page, as before.
        elsewhere = browser.post(
            reveal.group(1),
            {"back": "https://elsewhere.example/", "csrf_token": csrf_from(page)},
        )
        assert "elsewhere.example" not in elsewhere.text and case_page in elsewhere.text
