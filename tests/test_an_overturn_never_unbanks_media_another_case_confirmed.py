"""Rule: overturning one case's removal stops blocking its media only if no other standing
decision confirmed the same media. Two cases can confirm one picture (posted twice, reported
twice); the hash is banked once, by the first. Overturning either case leaves it banked while
the other stands, and a confirmation of media whose hash an earlier overturn switched off
switches it on again: confirmed material is blocked at upload whichever case came first."""

from __future__ import annotations

from fastapi.testclient import TestClient

from takedown.api.app import create_app
from tests.enforcement_support import (
    decide_violating,
    overturn_on_uploader_appeal,
    report_with_media,
    scan,
)
from tests.media import generated_scene, jpeg

NCII = "non_consensual_intimate_imagery"


def _confirm(client, settings, picture: bytes, content_id: str, account_id: str, who: str) -> str:  # type: ignore[no-untyped-def]
    filed = report_with_media(
        client, picture, content_id=content_id, account_id=account_id, category=NCII
    )
    decide_violating(client, settings, filed["case_id"], username=who, policy="ncii")
    return str(filed["case_id"])


def _verdict(client, key: str, picture: bytes, content_id: str) -> str:  # type: ignore[no-untyped-def]
    client.app.state.index.refresh()
    return str(scan(client, key, picture, content_id, "acct-new")["verdict"])


def test_an_overturn_never_unbanks_media_another_case_confirmed(settings, make_api_key):  # type: ignore[no-untyped-def]
    scan_key, report_key = make_api_key("scan"), make_api_key("report")
    picture = jpeg(generated_scene(6101))
    with TestClient(create_app(settings)) as client:
        first = _confirm(client, settings, picture, "post-1", "acct-a", "first")
        second = _confirm(client, settings, picture, "post-2", "acct-b", "second")
        assert first != second
        assert _verdict(client, scan_key, picture, "post-3") == "block"

        overturn_on_uploader_appeal(client, settings, first, report_key, username="appeals-1")
        assert _verdict(client, scan_key, picture, "post-4") == "block"  # the second stands

        overturn_on_uploader_appeal(client, settings, second, report_key, username="appeals-2")
        assert _verdict(client, scan_key, picture, "post-5") == "allow"  # nothing stands

        _confirm(client, settings, picture, "post-6", "acct-c", "third")
        assert _verdict(client, scan_key, picture, "post-7") == "block"  # confirmed again
