"""A sync killed midway (kill -9: no chance to let go of its claim on the bank) keeps the bank
claimed until the claim lapses, so that no second process fetches it meanwhile. The operator who
runs `takedown exchange sync` again is told not only that a sync "is running" but when the claim
lapses; once it has, the sync resumes and finishes."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from takedown import clock
from takedown.exchanges.models import BankExchange
from takedown.settings import Settings
from takedown.store.db import session_scope


def _claim(settings: Settings, until: object) -> None:
    with session_scope(settings.resolved_database_url) as db_session:
        db_session.scalars(select(BankExchange)).one().claimed_until = until


def test_a_killed_sync_says_when_its_bank_is_free_again(
    settings: Settings, cli: Callable[..., object], tmp_path: Path
) -> None:
    feed = tmp_path / "feed.txt"
    feed.write_text(f"pdq {'a' * 64}\n")
    assert cli("bank", "create", "feed", "--category", "csam", "--action", "block").exit_code == 0  # type: ignore[attr-defined]
    followed = cli(
        "exchange", "follow", "feed", "--exchange", "local_file", "--set", f"filename={feed}"
    )
    assert followed.exit_code == 0, followed.output  # type: ignore[attr-defined]

    lapses = clock.now() + timedelta(minutes=7)
    _claim(settings, lapses)  # what a killed sync leaves behind
    refused = cli("exchange", "sync", "feed")
    assert refused.exit_code != 0  # type: ignore[attr-defined]
    said = " ".join(refused.output.split())  # type: ignore[attr-defined]
    assert "is running" in said and f"lapses at {lapses:%Y-%m-%d %H:%M:%S} UTC" in said

    _claim(settings, clock.now() - timedelta(seconds=1))
    resumed = cli("exchange", "sync", "feed", "--json")
    assert resumed.exit_code == 0, resumed.output  # type: ignore[attr-defined]
    assert json.loads(resumed.stdout)["added"] == 1  # type: ignore[attr-defined]
