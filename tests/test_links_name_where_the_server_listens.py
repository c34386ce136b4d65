"""Rule: with TAKEDOWN_PUBLIC_BASE_URL empty (the default), the links Takedown gives reporters and
prints for staff name where the server listens, `--port`/`--host` included; set, it is used as
given (a server behind a proxy)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from takedown.api.app import create_app
from takedown.settings import get_settings
from tests.reports_support import file_report


def test_links_name_where_the_server_listens(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    # Recorded, so the values `--port` writes into the environment are undone afterwards.
    monkeypatch.setenv("TAKEDOWN_HOST", "127.0.0.1")
    monkeypatch.setenv("TAKEDOWN_PORT", "8000")
    monkeypatch.delenv("TAKEDOWN_PUBLIC_BASE_URL", raising=False)

    seeded = cli("demo", "--no-serve", "--port", "9123")
    assert seeded.exit_code == 0, seeded.output
    assert "console: http://127.0.0.1:9123/console" in seeded.stdout
    with TestClient(create_app(get_settings())) as client:
        answer = file_report(client, "terms_violation", content_id="post-link")
    assert answer["status_url"].startswith("http://127.0.0.1:9123/track/")
    # Started again elsewhere, the demo's cases (seeded the first time) link to where it is now.
    again = cli("demo", "--no-serve", "--port", "9124")
    tracks = re.findall(r"track:\s+(\S+)", again.output)
    assert tracks and all(link.startswith("http://127.0.0.1:9124/track/") for link in tracks)

    monkeypatch.setenv("TAKEDOWN_PUBLIC_BASE_URL", "https://safety.example/")
    get_settings.cache_clear()
    with TestClient(create_app(get_settings())) as client:
        answer = file_report(client, "terms_violation", content_id="post-proxied")
    assert answer["status_url"].startswith("https://safety.example/track/")
