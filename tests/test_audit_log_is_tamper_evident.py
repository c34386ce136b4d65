"""Each audit entry carries the hash of the one before; `takedown audit verify` finds any changed,
inserted or deleted entry."""

from __future__ import annotations

import threading

from sqlalchemy import delete, func, select, update

from takedown.audit.models import AuditEntry
from takedown.audit.service import record
from takedown.store.db import session_scope
from tests.reports_support import file_report


def fill(client) -> None:  # type: ignore[no-untyped-def]
    for i in range(4):
        file_report(client, "child_sexual_abuse", content_id=f"a{i}")


def test_intact_log_verifies(client, cli):
    fill(client)
    result = cli("audit", "verify")
    assert result.exit_code == 0, result.output
    assert "intact" in result.output


def test_changed_entry_is_found(client, cli, settings):
    fill(client)
    with session_scope(settings.resolved_database_url) as db_session:
        db_session.execute(
            update(AuditEntry).where(AuditEntry.seq == 2).values(actor="someone-else")
        )
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert "entry 2" in result.output and "changed" in result.output


def test_deleted_entry_is_found(client, cli, settings):
    fill(client)
    with session_scope(settings.resolved_database_url) as db_session:
        db_session.execute(delete(AuditEntry).where(AuditEntry.seq == 3))
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert "missing" in result.output


def test_deleted_last_entry_is_found(client, cli, settings):
    fill(client)
    with session_scope(settings.resolved_database_url) as db_session:
        last = db_session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1))
        db_session.execute(delete(AuditEntry).where(AuditEntry.seq == last))
    assert cli("audit", "verify").exit_code == 1


def test_inserted_entry_is_found(client, cli, settings):
    fill(client)
    with session_scope(settings.resolved_database_url) as db_session:
        entries = db_session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        # Make room and forge an entry in the middle, copying a real entry's link fields.
        for entry in reversed(entries[2:]):
            db_session.execute(
                update(AuditEntry).where(AuditEntry.seq == entry.seq).values(seq=entry.seq + 1)
            )
        forged = entries[1]
        db_session.add(
            AuditEntry(
                seq=forged.seq + 1,
                at=forged.at,
                actor="public",
                action="report.received",
                subject="case_forged",
                details={},
                prev_hash=forged.entry_hash,
                entry_hash=forged.entry_hash,
            )
        )
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert "entry 3" in result.output


def test_concurrent_appends_make_one_intact_chain(client, cli, settings):  # type: ignore[no-untyped-def]
    """Entries appended at once by several transactions, each the first write of its
    transaction (as a reveal or a sign-in is), all land in one chain: on SQLite the head is read
    under the database's write lock, as FOR UPDATE reads it on PostgreSQL."""
    fill(client)
    with session_scope(settings.resolved_database_url) as db_session:
        before = db_session.scalar(select(func.count()).select_from(AuditEntry))
    failures: list[str] = []
    start = threading.Barrier(4)

    def append(worker: int) -> None:
        start.wait()
        for n in range(15):
            try:
                with session_scope(settings.resolved_database_url) as db_session:
                    record(
                        db_session=db_session, actor=f"w{worker}", action="t.append", subject=f"{n}"
                    )
            except Exception as exc:  # any refusal is the failure under test
                failures.append(type(exc).__name__)

    workers = [threading.Thread(target=append, args=(w,)) for w in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
    with session_scope(settings.resolved_database_url) as db_session:
        assert db_session.scalar(select(func.count()).select_from(AuditEntry)) == before + 60
    result = cli("audit", "verify")
    assert result.exit_code == 0, result.output
