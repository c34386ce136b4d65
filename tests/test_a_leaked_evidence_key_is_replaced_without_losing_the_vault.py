"""A leaked evidence key is replaced without losing the vault: the new key seals from the moment
it is set, the old one (TAKEDOWN_EVIDENCE_RETIRED_KEYS) still opens what it sealed, and
`takedown evidence rekey` encrypts every kept file again under the new key, after which the old
key opens nothing. `takedown evidence verify` finds a file altered, swapped or missing on disk."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from takedown import clock
from takedown.api.app import create_app
from takedown.audit.models import AuditEntry
from takedown.cases.models import Case
from takedown.evidence.crypto import encrypt
from takedown.evidence.models import EvidenceFile, EvidencePackage
from takedown.evidence.service import associated, purge_due, vault_dir
from takedown.ncmec.service import withdraw_report
from takedown.settings import Settings, get_settings
from takedown.store.db import session_scope
from tests.enforcement_support import (  # noqa: F401 (moving_clock: fixture)
    decide_violating,
    moving_clock,
    report_with_media,
)
from tests.media import generated_scene, jpeg
from tests.review_support import make_user, staff_headers


def _key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


@pytest.fixture
def vault_keys(cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Set the evidence key settings the CLI reads."""

    def set_keys(key: str, retired: str = "") -> None:
        monkeypatch.setenv("TAKEDOWN_EVIDENCE_KEY", key)
        monkeypatch.setenv("TAKEDOWN_EVIDENCE_RETIRED_KEYS", retired)
        get_settings.cache_clear()

    yield set_keys
    get_settings.cache_clear()


def _with_keys(settings: Settings, key: str, retired: str = "") -> Settings:
    return settings.model_copy(
        update={
            "evidence_key": SecretStr(key),
            "evidence_retired_keys": SecretStr(retired),
            "evidence_generate_key": False,
        }
    )


def _preserve_cases(settings: Settings, pictures: list[bytes]) -> None:
    with TestClient(create_app(settings)) as client:
        for number, picture in enumerate(pictures):
            filed = report_with_media(
                client, picture, content_id=f"post-{number}", account_id=f"acct-{number}"
            )
            decide_violating(
                client, settings, filed["case_id"], f"csr-{number}", classification="A1"
            )


def _legal_opens_every_media_file(settings: Settings, counsel: str) -> list[bytes]:
    """What a legal user (a new one each time) opens through the API: every media file, or the
    first refusal's code."""
    with TestClient(create_app(settings)) as client:
        make_user(settings, counsel, "legal")
        legal = staff_headers(client, settings, counsel)
        opened = []
        for package in client.get("/v1/evidence", headers=legal).json()["packages"]:
            pid = package["package_id"]
            for item in client.get(f"/v1/evidence/{pid}", headers=legal).json()["files"]:
                answer = client.get(f"/v1/evidence/{pid}/files/{item['file_id']}", headers=legal)
                if answer.status_code != 200:
                    return [answer.json()["code"].encode()]
                if item["kind"] == "media":
                    opened.append(answer.content)
        return opened


def _walk(cli, *args: str) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    result = cli("evidence", *args, "--json")
    return result.exit_code, json.loads(result.output.strip().splitlines()[-1])


def test_a_leaked_evidence_key_is_replaced_without_losing_the_vault(settings, cli, vault_keys):
    leaked, fresh = _key(), _key()
    pictures = [jpeg(generated_scene(71)), jpeg(generated_scene(72))]
    _preserve_cases(_with_keys(settings, leaked), pictures)

    # The new key is set on every host, the leaked one retired: the vault still opens.
    vault_keys(fresh, retired=leaked)
    status, before = _walk(cli, "verify")
    assert status == 0 and before["problems"] == []
    assert before["files"] == 4  # two packages: media and context each
    assert before["under_retired_key"] == 4 and before["under_current_key"] == 0
    assert sorted(
        _legal_opens_every_media_file(_with_keys(settings, fresh, leaked), "counsel-1")
    ) == sorted(pictures)

    status, rekeyed = _walk(cli, "rekey")
    assert status == 0 and rekeyed["rekeyed"] == 4 and rekeyed["problems"] == []
    status, again = _walk(cli, "rekey")  # safe to run twice
    assert status == 0 and again["rekeyed"] == 0 and again["under_current_key"] == 4

    # The leaked key is gone from the settings and opens nothing in the vault.
    vault_keys(fresh)
    status, after = _walk(cli, "verify")
    assert status == 0 and after["under_current_key"] == 4
    assert sorted(
        _legal_opens_every_media_file(_with_keys(settings, fresh), "counsel-2")
    ) == sorted(pictures)
    assert _legal_opens_every_media_file(_with_keys(settings, leaked), "counsel-3") == [
        b"evidence_key_mismatch"
    ]

    with session_scope(settings.resolved_database_url) as db_session:
        entries = db_session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("evidence.%ed"))
        ).all()
        walks = [e for e in entries if e.action in ("evidence.verified", "evidence.rekeyed")]
    assert [e.action for e in walks] == [
        "evidence.verified",
        "evidence.rekeyed",
        "evidence.rekeyed",
        "evidence.verified",
    ]
    assert all(key not in json.dumps(e.details) for e in walks for key in (leaked, fresh))


def test_without_the_retired_key_the_old_files_are_reported_not_lost(settings, cli, vault_keys):
    old = _key()
    _preserve_cases(_with_keys(settings, old), [jpeg(generated_scene(73))])
    vault_keys(_key())  # the old key forgotten: nothing is rewritten, every file is named
    status, walk = _walk(cli, "rekey")
    assert status == 1 and walk["rekeyed"] == 0
    assert len(walk["problems"]) == 2
    assert all("no configured key opens it" in p["problem"] for p in walk["problems"])
    vault_keys(_key(), retired=old)
    status, walk = _walk(cli, "verify")
    assert status == 0 and walk["under_retired_key"] == 2  # the files were left untouched


def test_verify_finds_a_file_altered_or_missing_on_disk(settings, cli, vault_keys):
    key = _key()
    _preserve_cases(_with_keys(settings, key), [jpeg(generated_scene(74))])
    vault_keys(key)
    assert _walk(cli, "verify")[0] == 0
    with session_scope(settings.resolved_database_url) as db_session:
        media, context = sorted(
            db_session.scalars(select(EvidenceFile)).all(), key=lambda f: f.kind != "media"
        )
        media_path, context_path = (
            vault_dir(settings) / media.storage_path,
            vault_dir(settings) / context.storage_path,
        )
        names = {f"{media.package_id}/{media.id}", f"{context.package_id}/{context.id}"}
    blob = bytearray(media_path.read_bytes())
    blob[-1] ^= 1
    media_path.write_bytes(bytes(blob))
    context_path.unlink()
    status, walk = _walk(cli, "verify")
    assert status == 1
    assert {p["file"] for p in walk["problems"]} == names
    assert any("missing" in p["problem"] for p in walk["problems"])


def test_verify_finds_content_swapped_by_someone_holding_the_key(settings, cli, vault_keys):
    """The leak's worst case: whoever had the key encrypts other content under a file's own
    binding. The key opens it, and only the SHA-256 recorded at preservation tells: verify names
    the file and legal is refused it rather than handed it as evidence."""
    key = _key()
    _preserve_cases(_with_keys(settings, key), [jpeg(generated_scene(76))])
    vault_keys(key)
    with session_scope(settings.resolved_database_url) as db_session:
        media = db_session.scalars(select(EvidenceFile).where(EvidenceFile.kind == "media")).one()
        path = vault_dir(settings) / media.storage_path
        binding = associated(media.package_id, media.id)
    swapped = jpeg(generated_scene(77))
    path.write_bytes(encrypt(base64.b64decode(key), swapped, associated=binding))
    status, walk = _walk(cli, "verify")
    assert status == 1
    assert walk["problems"] == [
        {
            "file": f"{media.package_id}/{media.id}",
            "problem": "opens, but its SHA-256 differs from the one recorded",
        }
    ]
    assert _legal_opens_every_media_file(_with_keys(settings, key), "counsel") == [
        b"evidence_altered"
    ]


@pytest.mark.usefixtures("moving_clock")
def test_a_package_due_for_purge_is_left_to_the_purge(settings, cli, vault_keys):
    old, new = _key(), _key()
    _preserve_cases(_with_keys(settings, old), [jpeg(generated_scene(75))])
    # No CyberTipline report owed (one unfinished would keep the package: not this test's rule).
    with session_scope(settings.resolved_database_url) as db_session:
        for case in db_session.scalars(select(Case)):
            withdraw_report(db_session=db_session, case=case, actor="test", reason="not owed")
    vault_keys(new, retired=old)
    clock.advance(timedelta(days=settings.evidence_retention_days) - timedelta(hours=2))
    status, walk = _walk(cli, "rekey")
    assert status == 0 and walk["rekeyed"] == 0 and walk["left_for_purge"] == 2
    clock.advance(timedelta(hours=3))
    with session_scope(settings.resolved_database_url) as db_session:
        assert len(purge_due(db_session=db_session, settings=settings)) == 1
    status, walk = _walk(cli, "verify")
    assert status == 0 and walk["files"] == 0
    with session_scope(settings.resolved_database_url) as db_session:
        (package,) = db_session.scalars(select(EvidencePackage)).all()
        assert package.purged_at is not None
    assert not (vault_dir(settings) / package.id).exists()
