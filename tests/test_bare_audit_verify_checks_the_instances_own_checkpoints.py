"""Rule: a bare `takedown audit verify` checks the instance's own checkpoints.

Without --checkpoints it reads <data_dir>/audit-checkpoints.jsonl (when there is one) and
accepts only checkpoints signed by the installation's key, so a log rewritten with every hash
recomputed, or cut back, before the newest checkpoint fails it. Checkpoints come often: within a
minute of a sensitive action (a decision, an evidence or NCMEC step), otherwise every
`audit_checkpoint_minutes`. `--public-key` with no checkpoint to check is an error, not ignored.
A log whose head row (audit_head) is gone fails too."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete

from takedown.audit.checkpoints import CHECKPOINT_FILE, checkpoint_due
from takedown.audit.models import AuditHead
from takedown.audit.service import record
from takedown.store.db import session_scope
from tests.test_audit_checkpoints_catch_a_rewritten_log import _cut_back, _fill, _rewrite_from


def test_bare_audit_verify_checks_the_instances_own_checkpoints(client, cli, settings):  # type: ignore[no-untyped-def]
    _fill(client)
    made = checkpoint_due(settings)
    assert made is not None
    intact = cli("audit", "verify")
    assert intact.exit_code == 0
    assert f"newest at entry {made.seq}" in " ".join(intact.output.split())
    _rewrite_from(settings, 2)
    rewritten = cli("audit", "verify")
    assert rewritten.exit_code == 1
    assert f"entry {made.seq} differs" in " ".join(rewritten.output.split())


def test_a_cut_back_log_fails_the_bare_verify(client, cli, settings):  # type: ignore[no-untyped-def]
    _fill(client)
    made = checkpoint_due(settings)
    assert made is not None
    _cut_back(settings, made.seq - 2)
    result = cli("audit", "verify")
    assert result.exit_code == 1 and f"entry {made.seq} is gone" in " ".join(result.output.split())


def test_a_sensitive_action_makes_a_checkpoint_due_at_once(client, settings):  # type: ignore[no-untyped-def]
    _fill(client)
    first = checkpoint_due(settings)
    assert first is not None
    _fill(client, 1)
    assert checkpoint_due(settings) is None  # grown, not due yet: nothing sensitive
    with session_scope(settings.resolved_database_url) as db_session:
        record(
            db_session=db_session,
            actor="user:u1",
            action="evidence.disclosed",
            subject="case_x",
            details={"package_id": "evd_x"},
        )
    second = checkpoint_due(settings)
    assert second is not None and second.seq > first.seq


def test_a_public_key_without_checkpoints_is_an_error(client, cli, settings):  # type: ignore[no-untyped-def]
    _fill(client)
    assert not (Path(settings.data_dir) / CHECKPOINT_FILE).exists()
    result = cli("audit", "verify", "--public-key", "A" * 43 + "=")
    assert result.exit_code == 2 and "there are none" in result.output
    bare = cli("audit", "verify")
    assert bare.exit_code == 0 and "no checkpoints" in bare.output


def test_a_log_without_its_head_fails_verify(client, cli, settings):  # type: ignore[no-untyped-def]
    _fill(client)
    with session_scope(settings.resolved_database_url) as db_session:
        db_session.execute(delete(AuditHead))
    result = cli("audit", "verify")
    assert result.exit_code == 1 and "audit_head" in result.output
