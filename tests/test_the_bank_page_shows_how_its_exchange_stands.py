"""Rule: a bank that follows an exchange shows on its console page how that exchange stands:
when it last synced and syncs next, the records held, what it added and refused, and, in an
alert, failing syncs with their error. A bad or silent feed is seen by the person looking at the
bank, not only on /metrics."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from takedown.settings import Settings
from tests.review_support import console, make_user

LISTED = ("a" * 64, "b" * 63 + "0")


def test_the_bank_page_shows_how_its_exchange_stands(
    settings: Settings,
    cli: Callable[..., object],
    app,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    listed = tmp_path / "partner-hashes.txt"
    listed.write_text("".join(f"pdq {value}\n" for value in LISTED) + "pdq " + "0" * 64 + "\n")
    for command in (
        ("bank", "create", "partner-list", "--category", "csam", "--action", "block"),
        ("bank", "create", "own-list", "--category", "csam", "--action", "block"),
        ("exchange", "follow", "partner-list", "--exchange", "local_file", "--set",
         f"filename={listed}"),
        ("exchange", "sync", "partner-list"),
    ):  # fmt: skip
        result = cli(*command)
        assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    make_user(settings, "ops", "admin")
    browser = console(app, "ops")

    page = browser.get("/console/banks/partner-list").text
    assert "Exchange it follows" in page and "local_file" in page
    assert "Added since following</dt><dd>2" in page
    assert "Refused since following</dt><dd>1" in page  # the blank picture's hash
    assert "Records held</dt><dd>2" in page
    assert 'id="exchange-failing"' not in page
    assert "Exchange it follows" not in browser.get("/console/banks/own-list").text

    listed.unlink()  # the feed disappears
    failed = cli("exchange", "sync", "partner-list")
    assert failed.exit_code != 0  # type: ignore[attr-defined]
    page = browser.get("/console/banks/partner-list").text
    assert 'id="exchange-failing"' in page and "The last 1 sync failed" in page
