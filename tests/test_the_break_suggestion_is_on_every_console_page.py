"""Rule: after TAKEDOWN_WELLBEING_BREAK_REVEALS originals in an hour, the break suggestion is on
every console page the reviewer opens (the README's promise), not only the queue and the case:
the blind quality check (which has Reveal buttons of its own), the overview, the quality list,
the account page, accounts, banks, the content and reporter lookups and the NCMEC page."""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi.testclient import TestClient

from takedown.api.app import create_app
from tests.review_support import (
    benign_image,
    case_of_report,
    console,
    make_user,
    report,
    staff_headers,
)

BREAK = 'id="take-a-break"'


def test_the_break_suggestion_is_on_every_console_page(settings):  # type: ignore[no-untyped-def]
    settings = settings.model_copy(
        update={"quality_sample_percent": 100, "wellbeing_break_reveals": 1}
    )
    app = create_app(settings)
    make_user(settings, "alice", "child_safety_reviewer")
    make_user(settings, "bob", "child_safety_reviewer")
    with TestClient(app) as client:
        alice = staff_headers(client, settings, "alice")
        filed = report(client, category="terms_violation", image=benign_image())
        case_id = case_of_report(client, settings, filed["report_id"])
        cs_case = case_of_report(client, settings, report(client)["report_id"])
        decided = client.post(
            f"/v1/cases/{case_id}/decisions",
            json={"outcome": "no_violation", "reason": "fine"},
            headers=alice,
        )
        assert decided.status_code == 201, decided.text
        bob_api = staff_headers(client, settings, "bob")
        check_id = client.get("/v1/quality", headers=bob_api).json()["waiting"][0]["check_id"]

        bob = console(app, "bob")
        check_page = f"/console/quality/{check_id}"
        pages = [
            check_page,
            "/console/overview",
            "/console/quality",
            "/console/account",
            "/console/accounts",
            "/console/banks",
            "/console/content?q=" + quote("https://platform.example/p/1"),
            "/console/reporter?email=" + quote("person@example.org"),
            f"/console/cases/{cs_case}/ncmec",
        ]
        for path in pages:
            shown = bob.get(path)
            assert shown.status_code == 200, (path, shown.status_code)
            assert BREAK not in shown.text, path  # nothing revealed yet

        reveal = re.search(r'action="(/console/cases/[^"]+/reveal)"', bob.get(check_page).text)
        assert reveal is not None
        revealed = bob.post(reveal.group(1), {"back": check_page}, headers={"HX-Request": "true"})
        assert revealed.status_code == 200 and "take a break" in revealed.text

        for path in pages:
            shown = bob.get(path)
            assert shown.status_code == 200, (path, shown.status_code)
            assert shown.text.count(BREAK) == 1, path
