"""Rule: a platform can scan its back catalogue in one command. `takedown backfill MANIFEST`
scans each listed file as already public (published=true): known material opens a case and is
taken down, the rest is recorded in the ledger for later lookbacks. Bad rows are reported by line
and the run goes on; a second run skips what was scanned and retries what failed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from takedown.reports.models import Report
from takedown.scan.models import ContentItem
from takedown.store.db import session_scope
from tests.enforcement_support import bank_pictures
from tests.media import altered_copy, generated_scene, jpeg, stand_in


def test_backfill_scans_a_back_catalogue(
    settings,  # type: ignore[no-untyped-def]
    client,
    auth_header: Callable[..., dict[str, str]],
    cli: Callable[..., object],
    tmp_path: Path,
) -> None:
    known = stand_in("rocket")
    bank_pictures(client, auth_header("banks", "scan"), "industry", jpeg(known))
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(altered_copy(known))
    (folder / "b.jpg").write_bytes(jpeg(generated_scene(9601)))
    (folder / "c.jpg").write_bytes(b"not a picture at all")
    manifest = folder / "manifest.csv"
    manifest.write_text(
        "content_id,path,account_id,content_url\n"
        "post-a,a.jpg,acct-1,https://platform.example/p/a\n"
        "post-b,b.jpg,acct-2,\n"
        "post-c,c.jpg,acct-3,\n"
        "post-d,missing.jpg,acct-4,\n"
    )

    first = cli("backfill", str(manifest), "--json")
    assert first.exit_code == 1  # type: ignore[attr-defined]
    summary = json.loads(first.stdout)  # type: ignore[attr-defined]
    assert (summary["rows"], summary["scanned"], summary["skipped"]) == (4, 2, 0)
    assert summary["verdicts"] == {"block": 1, "allow": 1}
    assert [f["line"] for f in summary["failed"]] == [4, 5]
    assert "missing.jpg" in summary["failed"][1]["reason"]
    [case_id] = summary["cases"]
    with session_scope(settings.resolved_database_url) as db_session:
        channels = db_session.scalars(select(Report.channel).where(Report.case_id == case_id))
        assert list(channels) == ["back_catalogue"]
        scanned = db_session.execute(
            select(ContentItem.content_id, ContentItem.published).order_by(ContentItem.id)
        ).all()
    assert [tuple(row) for row in scanned] == [("post-a", True), ("post-b", True)]

    (folder / "missing.jpg").write_bytes(jpeg(generated_scene(9602)))
    again = cli("backfill", str(manifest), "--json")
    summary = json.loads(again.stdout)  # type: ignore[attr-defined]
    assert (summary["scanned"], summary["skipped"], len(summary["failed"])) == (1, 2, 1)
    assert summary["cases"] == []

    bad = tmp_path / "bad.csv"
    bad.write_text("id,file\nx,y\n")
    refused = cli("backfill", str(bad))
    assert refused.exit_code == 2  # type: ignore[attr-defined]
