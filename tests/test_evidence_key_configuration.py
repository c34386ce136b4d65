"""The evidence key: from TAKEDOWN_EVIDENCE_KEY or TAKEDOWN_EVIDENCE_KEY_FILE; with neither, the
demo default generates data_dir/secrets/evidence.key (mode 0600, a warning naming the file, never
the key); with key generation switched off, a violating child-safety decision is refused with a
clear error instead of being recorded without its evidence."""

from __future__ import annotations

import base64
import logging
import secrets
import stat

from fastapi.testclient import TestClient

from takedown.api.app import create_app
from takedown.enforcement.models import OutboxEvent
from takedown.store.db import session_scope
from tests.enforcement_support import decide_violating, report_with_media
from tests.media import generated_scene, jpeg
from tests.review_support import make_user, staff_headers


def test_no_key_and_no_generation_refuses_the_decision(settings):
    settings = settings.model_copy(update={"evidence_generate_key": False})
    with TestClient(create_app(settings)) as client:
        filed = report_with_media(client, jpeg(generated_scene(51)), content_id="p", account_id="a")
        make_user(settings, "csr", "child_safety_reviewer")
        headers = staff_headers(client, settings, "csr")
        answer = client.post(
            f"/v1/cases/{filed['case_id']}/decisions",
            json={"outcome": "violating", "policy": "csam", "reason": "x", "classification": "A1"},
            headers=headers,
        )
        assert answer.status_code == 503
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["code"] == "evidence_key_missing"
        assert "TAKEDOWN_EVIDENCE_KEY" in answer.json()["detail"]
        case = client.get(f"/v1/cases/{filed['case_id']}", headers=headers).json()
        assert case["status"] != "action_taken" and case["decisions"] == []
    with session_scope(settings.resolved_database_url) as db_session:
        assert db_session.query(OutboxEvent).count() == 0  # nothing acted on, nothing sent
    assert not (settings.data_dir / "secrets" / "evidence.key").exists()


def test_demo_default_generates_a_private_key_file(settings, caplog):
    caplog.set_level(logging.WARNING)
    with TestClient(create_app(settings)) as client:
        filed = report_with_media(client, jpeg(generated_scene(52)), content_id="p", account_id="a")
        decide_violating(client, settings, filed["case_id"], classification="A1")
    key_file = settings.data_dir / "secrets" / "evidence.key"
    assert key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(base64.b64decode(key_file.read_text().strip())) == 32
    assert str(key_file) in caplog.text
    assert key_file.read_text().strip() not in caplog.text


def test_key_file_is_used(settings, tmp_path):
    key_file = tmp_path / "vault.key"
    key_file.write_text(base64.b64encode(secrets.token_bytes(32)).decode())
    settings = settings.model_copy(
        update={"evidence_key_file": key_file, "evidence_generate_key": False}
    )
    media = jpeg(generated_scene(53))
    with TestClient(create_app(settings)) as client:
        filed = report_with_media(client, media, content_id="p", account_id="a")
        decide_violating(client, settings, filed["case_id"], classification="B1")
        make_user(settings, "law", "legal")
        legal = staff_headers(client, settings, "law")
        (package,) = client.get("/v1/evidence", headers=legal).json()["packages"]
        files = client.get(f"/v1/evidence/{package['package_id']}", headers=legal).json()["files"]
        media_file = next(f for f in files if f["kind"] == "media")
        opened = client.get(
            f"/v1/evidence/{package['package_id']}/files/{media_file['file_id']}", headers=legal
        )
        assert opened.content == media
    assert not (settings.data_dir / "secrets" / "evidence.key").exists()
