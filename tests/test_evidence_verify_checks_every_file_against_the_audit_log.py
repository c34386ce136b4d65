"""Rule: `takedown evidence verify` checks every file against the audit log.

The `evidence.preserved` audit entry records each file's SHA-256 (and how many there are). Whoever
can write the database and the vault could delete a file's row and its .bin, or give a row
another hash: the vault walk reads the rows, so it alone would not notice. Verify compares every
package with its audit entry, and the entry is in the hash chain (`takedown audit verify`)."""

from __future__ import annotations

import base64
import json
import secrets

from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import delete, select, update

from takedown.api.app import create_app
from takedown.audit.models import AuditEntry
from takedown.evidence.models import EvidenceFile, FileKind
from takedown.evidence.service import vault_dir
from takedown.store.db import session_scope
from tests.enforcement_support import decide_violating, report_with_media
from tests.media import generated_scene, jpeg


def _verify(cli) -> tuple[int, list[dict[str, str]]]:  # type: ignore[no-untyped-def]
    result = cli("evidence", "verify", "--json")
    return result.exit_code, json.loads(result.output.strip().splitlines()[-1])["problems"]


def test_evidence_verify_checks_every_file_against_the_audit_log(settings, cli, monkeypatch):  # type: ignore[no-untyped-def]
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    monkeypatch.setenv("TAKEDOWN_EVIDENCE_KEY", key)
    settings = settings.model_copy(update={"evidence_key": SecretStr(key)})
    with TestClient(create_app(settings)) as client:
        for n in (91, 92):
            filed = report_with_media(
                client, jpeg(generated_scene(n)), content_id=f"p-{n}", account_id=f"a-{n}"
            )
            decide_violating(client, settings, filed["case_id"], f"csr-{n}", classification="A1")
    with session_scope(settings.resolved_database_url) as db_session:
        (preserved, _) = db_session.scalars(
            select(AuditEntry.details).where(AuditEntry.action == "evidence.preserved")
        ).all()
        files = db_session.scalars(
            select(EvidenceFile).where(EvidenceFile.kind == FileKind.MEDIA.value)
        ).all()
        media = {row.package_id: (row.id, row.storage_path) for row in files}
    assert preserved["files"] == 2 and len(preserved["sha256"]) == 2
    assert _verify(cli) == (0, [])

    removed_package = preserved["package_id"]
    removed_id, removed_path = media[removed_package]
    (other_package,) = set(media) - {removed_package}
    other_id, _ = media[other_package]
    with session_scope(settings.resolved_database_url) as db_session:
        db_session.execute(delete(EvidenceFile).where(EvidenceFile.id == removed_id))
        db_session.execute(
            update(EvidenceFile).where(EvidenceFile.id == other_id).values(sha256="0" * 64)
        )
    (vault_dir(settings) / removed_path).unlink()

    status, problems = _verify(cli)
    assert status == 1
    found = {item["file"]: item["problem"] for item in problems}
    assert "gone from the table" in found[f"{removed_package}/{removed_id}"]
    assert "differs from audit entry" in found[f"{other_package}/{other_id}"]
    assert cli("audit", "verify").exit_code == 0  # the log itself was not touched
