"""Rule: /docs (Swagger UI) loads everything from this server: no CDN script, no third-party
favicon, so it works offline and no other site's code runs on the console's origin; the page
carries the console's Content-Security-Policy, which forbids inline and foreign scripts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.review_support import BROWSER_TEST_MARKS, console_server, launch_chromium


def test_the_api_docs_load_nothing_from_elsewhere(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "//" not in page.text.replace("<!doctype", "")  # no absolute or scheme-less URL
    assert "<script>" not in page.text  # only scripts from files (the CSP forbids inline)
    loaded = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert any(url.endswith("swagger-ui-bundle.js") for url in loaded)
    for url in loaded:
        answer = client.get(url)
        assert answer.status_code == 200, url
    start = client.get("/docs/start.js").text
    assert '"/openapi.json"' in start and "http" not in start


def test_redoc_from_a_cdn_is_not_served(client: TestClient) -> None:
    assert client.get("/redoc").status_code == 404


@pytest.mark.slow
@BROWSER_TEST_MARKS[1]
@BROWSER_TEST_MARKS[0]
def test_the_api_docs_render_in_a_browser_that_reaches_only_this_server(tmp_path: Path) -> None:
    """Swagger UI draws every operation of the OpenAPI 3.1 document under the page's CSP,
    asking nothing of any other host (and no CSP violation is logged)."""
    from playwright.sync_api import sync_playwright

    with console_server(tmp_path, {}) as base, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page()
        elsewhere: list[str] = []
        complaints: list[str] = []
        page.on("request", lambda r: None if r.url.startswith(base) else elsewhere.append(r.url))
        page.on("console", lambda m: complaints.append(m.text) if m.type == "error" else None)
        page.goto(f"{base}/docs")
        page.wait_for_selector("#operations-reports-create_report_v1_reports_post")
        operations = page.locator(".opblock").count()
        browser.close()
    assert operations >= 60
    assert elsewhere == [] and complaints == []
