"""Rule: an htmx action the server refuses is never silent. In real headless Chromium (the
console's strict CSP, static console.js only): a plain reviewer's case page is open when a
colleague refers the case to child-safety review; their "Reveal" then gets 403, and the page says
why beside the button instead of doing nothing."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.review_support import (
    BROWSER_TEST_MARKS,
    BROWSER_TIMEOUT_MS,
    benign_image,
    console_server,
    console_server_token,
    console_server_user,
    launch_chromium,
    sign_in_in_browser,
)

pytestmark = BROWSER_TEST_MARKS
PASSWORDS = {"cs-1": "child safety reviewer password"}
PLAIN_PASSWORD = "plain reviewer password"


def test_browser_a_refused_htmx_action_is_shown(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with console_server(tmp_path, PASSWORDS) as base:
        console_server_user(tmp_path, "rev-1", PLAIN_PASSWORD, "reviewer")
        body = {
            "category": "terms_violation",
            "content_url": "https://platform.example/p/refused",
            "explanation": "breaks the rules",
            "reporter": {"name": "A Person", "email": "person@example.org"},
            "good_faith_statement": True,
            "signature": "A Person",
        }
        filed = httpx.post(
            f"{base}/v1/reports",
            data={"report": json.dumps(body)},
            files={"file": ("upload.jpg", benign_image(), "image/jpeg")},
            timeout=60,
        )
        assert filed.status_code == 201, filed.text
        staff = {"Authorization": f"Bearer {console_server_token(tmp_path, 'cs-1')}"}
        case_id = httpx.get(
            f"{base}/v1/reports/{filed.json()['report_id']}", headers=staff, timeout=30
        ).json()["case_id"]

        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                context, page = sign_in_in_browser(browser, base, "rev-1", PLAIN_PASSWORD)
                page.goto(f"{base}/console/cases/{case_id}")
                page.wait_for_selector(".reveal-button")

                referred = httpx.post(
                    f"{base}/v1/cases/{case_id}/referrals",
                    json={
                        "category": "child_sexual_abuse",
                        "subject_is_minor": True,
                        "reason": "x",
                    },
                    headers=staff,
                    timeout=30,
                )
                assert referred.status_code in (200, 201), referred.text

                page.click(".reveal-button")
                refusal = page.wait_for_selector(".htmx-refusal", timeout=BROWSER_TIMEOUT_MS)
                assert refusal is not None
                text = refusal.inner_text()
                assert "Not done:" in text and "child-safety" in text
                assert page.locator("figure.blurred").count() == 1  # nothing revealed
                context.close()
            finally:
                browser.close()
