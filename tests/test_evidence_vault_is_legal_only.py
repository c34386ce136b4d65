"""Evidence of a violating child-safety decision is preserved encrypted at rest (AES-GCM), and only
the `legal` role opens it (not reviewers, not admins), through the staff API and the console; every
access is written to the audit log. A wrong key does not open it."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets

from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from takedown.api.app import create_app
from takedown.audit.models import AuditEntry
from takedown.store.db import session_scope
from tests.enforcement_support import decide_violating, report_with_media
from tests.media import generated_scene, jpeg
from tests.review_support import console, make_user, staff_headers


def _audit(settings, action: str) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        return list(db_session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_only_legal_opens_the_vault_and_every_access_is_audited(settings, caplog):
    key_b64 = base64.b64encode(secrets.token_bytes(32)).decode()
    settings = settings.model_copy(update={"evidence_key": SecretStr(key_b64)})
    media = jpeg(generated_scene(41))
    app = create_app(settings)
    caplog.set_level(logging.DEBUG)
    with TestClient(app) as client:
        filed = report_with_media(client, media, content_id="post-e", account_id="acct-e")
        decide_violating(client, settings, filed["case_id"], classification="A2")
        for name, role in [
            ("rev", "reviewer"),
            ("csr", "child_safety_reviewer"),
            ("boss", "admin"),
            ("law", "legal"),
        ]:
            make_user(settings, name, role)
        headers = {n: staff_headers(client, settings, n) for n in ("rev", "csr", "boss", "law")}

        listing = client.get(f"/v1/evidence?case_id={filed['case_id']}", headers=headers["law"])
        assert listing.status_code == 200
        (package,) = listing.json()["packages"]
        package_id = package["package_id"]
        detail = client.get(f"/v1/evidence/{package_id}", headers=headers["law"]).json()
        kinds = sorted(f["kind"] for f in detail["files"])
        assert kinds == ["context", "media"]
        media_file = next(f for f in detail["files"] if f["kind"] == "media")
        context_file = next(f for f in detail["files"] if f["kind"] == "context")

        for name in ("rev", "csr", "boss"):
            for path in (
                "/v1/evidence",
                f"/v1/evidence/{package_id}",
                f"/v1/evidence/{package_id}/files/{media_file['file_id']}",
            ):
                denied = client.get(path, headers=headers[name])
                assert denied.status_code == 403, (name, path)
                assert denied.json()["code"] == "legal_only"
        assert client.get("/v1/evidence").status_code == 401

        before = len(_audit(settings, "evidence.accessed"))
        opened = client.get(
            f"/v1/evidence/{package_id}/files/{media_file['file_id']}", headers=headers["law"]
        )
        assert opened.status_code == 200 and opened.content == media
        assert hashlib.sha256(opened.content).hexdigest() == media_file["sha256"]
        context = json.loads(
            client.get(
                f"/v1/evidence/{package_id}/files/{context_file['file_id']}",
                headers=headers["law"],
            ).content
        )
        assert context["case"]["id"] == filed["case_id"]
        assert context["decision"]["classification"] == "A2"
        assert [r["content_id"] for r in context["reports"]] == ["post-e"]
        accessed = _audit(settings, "evidence.accessed")
        assert len(accessed) == before + 2
        assert {e.details["what"] for e in accessed[-2:]} == {
            f"file {media_file['file_id']}",
            f"file {context_file['file_id']}",
        }

        # Console: legal sees the package page (audited); others are refused.
        page = console(app, "law").get(f"/console/evidence/{package_id}")
        assert page.status_code == 200 and media_file["sha256"] in page.text
        assert len(_audit(settings, "evidence.accessed")) == before + 3
        assert console(app, "boss").get(f"/console/evidence/{package_id}").status_code == 403

    # At rest: no plaintext on disk, and the key is never logged or stored.
    vault = list((settings.data_dir / "evidence").rglob("*.bin"))
    assert len(vault) == 2
    assert all(media not in p.read_bytes() for p in vault)
    assert key_b64 not in caplog.text
    with session_scope(settings.resolved_database_url) as db_session:
        assert all(
            key_b64 not in json.dumps(e.details) for e in db_session.scalars(select(AuditEntry))
        )

    # Another key does not open it: a clear error, not garbage.
    other = settings.model_copy(
        update={"evidence_key": SecretStr(base64.b64encode(secrets.token_bytes(32)).decode())}
    )
    with TestClient(create_app(other)) as client:
        make_user(other, "law2", "legal")
        refused = client.get(
            f"/v1/evidence/{package_id}/files/{media_file['file_id']}",
            headers=staff_headers(client, other, "law2"),
        )
        assert refused.status_code == 503
        assert refused.json()["code"] == "evidence_key_mismatch"
