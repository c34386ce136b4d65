"""Rule: the every-copy search compares like with like: a case's whole-picture PDQ finds ledger
items whose whole-picture PDQ is near, a centre-region hash finds centre regions; a region hash
of one upload near the whole-picture hash of another is not a copy (it would take down an
unrelated item)."""

from __future__ import annotations

import secrets

from takedown import clock
from takedown.enforcement.copies import find_copies
from takedown.scan.models import ContentItem, ContentSignal
from takedown.store.db import session_scope

HASH = secrets.token_hex(32)


def _ledger_item(db_session, content_id: str, signal_type: str, value: str) -> None:  # type: ignore[no-untyped-def]
    item = ContentItem(
        scan_id=f"scan-{content_id}",
        content_id=content_id,
        account_id="acct",
        media_type="image",
        size_bytes=1,
        verdict="allow",
        signals=[{"type": signal_type, "value": value, "quality": 100}],
        scanned_at=clock.now(),
    )
    db_session.add(item)
    db_session.flush()
    db_session.add(
        ContentSignal(content_item_id=item.id, signal_type=signal_type, value=value, quality=100)
    )


def test_region_hashes_only_meet_their_own_type(settings) -> None:  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        _ledger_item(db_session, "whole-picture-near", "pdq", HASH)
        _ledger_item(db_session, "centre-region-near", "pdq_center", HASH)

    with session_scope(settings.resolved_database_url) as db_session:
        whole = find_copies(
            db_session=db_session,
            settings=settings,
            signals=[{"type": "pdq", "value": HASH, "quality": 100}],
            pdq_threshold=31,
        )
        centre = find_copies(
            db_session=db_session,
            settings=settings,
            signals=[{"type": "pdq_center", "value": HASH, "quality": 100}],
            pdq_threshold=31,
        )
    assert {m.content_id for m in whole} == {"whole-picture-near"}
    assert {m.content_id for m in centre} == {"centre-region-near"}
