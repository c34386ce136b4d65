"""Signed checkpoints kept outside the database catch what the hash chain alone cannot: a log
rewritten with every hash recomputed, or cut back with its head moved, by someone who can write
the database. The background job writes a checkpoint when the log has grown and the interval has
passed, and sends each to the witness; a forged or altered checkpoint is refused."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

from takedown import clock
from takedown.audit.checkpoints import CHECKPOINT_FILE, checkpoint_due
from takedown.audit.models import AuditEntry, AuditHead
from takedown.audit.service import _entry_hash
from takedown.store.db import session_scope
from tests.reports_support import WebhookReceiver, file_report, http_server


def _fill(client, count: int = 4) -> None:  # type: ignore[no-untyped-def]
    for i in range(count):
        file_report(client, "child_sexual_abuse", content_id=f"c{i}-{clock.now().timestamp()}")


def _rewrite_from(settings, seq: int) -> None:  # type: ignore[no-untyped-def]
    """What a database administrator could do: change entry `seq`, then recompute every hash
    after it and the head, so the chain links up again."""
    with session_scope(settings.resolved_database_url) as db_session:
        entries = db_session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        previous = None
        for entry in entries:
            if entry.seq == seq:
                entry.actor = "someone-else"
            if entry.seq >= seq:
                entry.prev_hash = previous.entry_hash if previous else "0" * 64
                entry.entry_hash = _entry_hash(entry)
            previous = entry
        head = db_session.get(AuditHead, 1)
        head.seq, head.entry_hash = entries[-1].seq, entries[-1].entry_hash


def _cut_back(settings, keep: int) -> None:  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        db_session.execute(delete(AuditEntry).where(AuditEntry.seq > keep))
        last = db_session.get(AuditEntry, keep)
        head = db_session.get(AuditHead, 1)
        head.seq, head.entry_hash = last.seq, last.entry_hash


def _file(settings) -> Path:  # type: ignore[no-untyped-def]
    return Path(settings.data_dir) / CHECKPOINT_FILE


def test_a_rewritten_log_no_longer_matches_its_checkpoint(client, cli, settings):
    _fill(client)
    made = checkpoint_due(settings)
    assert made is not None and _file(settings).exists()
    assert cli("audit", "verify", "--checkpoints", str(_file(settings))).exit_code == 0
    _rewrite_from(settings, 2)
    # the chain alone cannot tell
    assert cli("audit", "verify", "--no-own-checkpoints").exit_code == 0
    result = cli("audit", "verify", "--checkpoints", str(_file(settings)))
    assert result.exit_code == 1
    assert f"entry {made.seq} differs: the log was rewritten" in " ".join(result.output.split())


def test_a_cut_back_log_no_longer_matches_its_checkpoint(client, cli, settings):
    _fill(client)
    made = checkpoint_due(settings)
    _cut_back(settings, made.seq - 2)
    # the chain alone cannot tell
    assert cli("audit", "verify", "--no-own-checkpoints").exit_code == 0
    result = cli("audit", "verify", "--checkpoints", str(_file(settings)))
    assert result.exit_code == 1
    assert f"entry {made.seq} is gone" in " ".join(result.output.split())


def test_a_forged_checkpoint_is_refused(client, cli, settings, tmp_path):
    _fill(client)
    checkpoint_due(settings)
    line = json.loads(_file(settings).read_text().splitlines()[0])
    forged = tmp_path / "forged.jsonl"
    forged.write_text(json.dumps({**line, "seq": line["seq"] - 1}) + "\n")
    result = cli("audit", "verify", "--checkpoints", str(forged))
    assert result.exit_code == 1 and "signature is not valid" in result.output
    other_key = "A" * 43 + "="
    trusted = cli(
        "audit", "verify", "--checkpoints", str(_file(settings)), "--public-key", other_key
    )
    assert trusted.exit_code == 1 and "another key" in trusted.output
    own_key = cli("audit", "public-key").stdout.strip()
    assert own_key == line["public_key"]
    assert (
        cli("audit", "verify", "--checkpoints", str(_file(settings)), "--public-key", own_key)
    ).exit_code == 0


def test_checkpoints_are_written_when_due_and_reach_the_witness(client, settings):
    class Witness(WebhookReceiver):
        received: list[dict[str, Any]] = []

    with http_server(Witness) as server:
        witnessed = settings.model_copy(
            update={"audit_witness_url": f"http://127.0.0.1:{server.server_port}/"}
        )
        _fill(client)
        first = checkpoint_due(witnessed)
        assert first is not None
        _fill(client, 1)
        assert checkpoint_due(witnessed) is None  # grown, but not due yet
        clock.advance(timedelta(minutes=settings.audit_checkpoint_minutes + 1))
        second = checkpoint_due(witnessed)
        assert second is not None and second.seq > first.seq
        clock.advance(timedelta(minutes=settings.audit_checkpoint_minutes + 1))
        assert checkpoint_due(witnessed) is None  # due, but nothing new to cover
    lines = [json.loads(text) for text in _file(settings).read_text().splitlines()]
    assert [line["seq"] for line in lines] == [first.seq, second.seq]
    assert [(w["type"], w["seq"], w["signature"]) for w in Witness.received] == [
        ("audit.checkpoint", first.seq, first.signature),
        ("audit.checkpoint", second.seq, second.signature),
    ]
