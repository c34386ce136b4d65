"""Rule: a lead paged at night for a P0 opens the console on a phone, so every console page fits a
phone's screen: in headless Chromium at 390 x 844 CSS pixels, as a mobile browser lays it out,
each page an administrator can open (the queues, a case with its media, the overview and every
admin page) is no wider than the screen. The queue's rows read as cards there, each with its
case, priority and deadline in view; wide tables scroll inside themselves, not the page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.media import jpeg, stand_in
from tests.review_support import (
    BROWSER_TEST_MARKS,
    PHONE_SCREEN,
    console_server,
    console_server_token,
    console_server_user,
    launch_chromium,
    sign_in_in_browser,
    wider_than_the_screen,
)

pytestmark = BROWSER_TEST_MARKS
PASSWORD = "the lead's own password"
PAGES = [
    "/console/overview",
    "/console/queue",
    "/console/queue?queue=all",
    "/console/accounts",
    "/console/quality",
    "/console/banks",
    "/console/audit",
    "/console/notifiers",
    "/console/webhooks",
    "/console/staff",
    "/console/keys",
    "/console/wellbeing",
    "/console/account",
]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    with console_server(tmp_path, {"reviewer": "a reviewer's password"}) as base:
        console_server_user(tmp_path, "lead", PASSWORD, "admin")
        yield base


def _file(server: str, body: dict, image: bytes | None = None) -> str:  # type: ignore[type-arg]
    files = {"file": ("upload.jpg", image, "image/jpeg")} if image else None
    filed = httpx.post(
        f"{server}/v1/reports", data={"report": json.dumps(body)}, files=files, timeout=60
    )
    assert filed.status_code == 201, filed.text
    return str(filed.json()["case_id"])


def _case_of_report(server: str, tmp_path: Path, report_id: str) -> str:
    """The case staff find from a report's reference (a file sent alone names no case)."""
    token = console_server_token(tmp_path, "lead")
    found = httpx.get(
        f"{server}/v1/reports/{report_id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert found.status_code == 200, found.text
    return str(found.json()["case_id"])


def test_the_console_fits_a_phone_screen(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    filed = httpx.post(
        f"{server}/v1/reports",
        data={"report": json.dumps({"category": "child_sexual_abuse"})},
        files={"file": ("upload.jpg", jpeg(stand_in("chelsea")), "image/jpeg")},
        timeout=60,
    )
    assert filed.status_code == 201, filed.text
    with_media = _case_of_report(server, tmp_path, filed.json()["report_id"])
    by_address = _file(
        server,
        {
            "category": "child_sexual_exploitation",
            "content_url": "https://platform.example/watch?v=" + "x" * 80,
            "law_enforcement": {"agency": "Springfield Police", "case_number": "PD-2026-0042"},
        },
    )
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            phone = browser.new_context(viewport=PHONE_SCREEN, is_mobile=True, has_touch=True)
            _, page = sign_in_in_browser(browser, server, "lead", PASSWORD, context=phone)
            problems: list[str] = []
            for path in [*PAGES, f"/console/cases/{with_media}", f"/console/cases/{by_address}"]:
                page.goto(f"{server}{path}")
                page.wait_for_selector("main h1")
                problems += wider_than_the_screen(page)

            page.goto(f"{server}/console/queue")
            card = page.locator(f"tr.case-row[data-case-id='{with_media}']")
            for part in ("a.case-link", "td[data-label='Priority']", "td[data-label='Deadline']"):
                box = card.locator(part).bounding_box()
                assert box is not None, part
                assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE_SCREEN["width"], part
        finally:
            browser.close()
    assert problems == [], "\n".join(problems)
