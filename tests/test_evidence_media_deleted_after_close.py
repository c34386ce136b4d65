"""Media not preserved is deleted from working storage (media_dir) once the case is closed; the
media of child-safety cases lives on only in the encrypted vault, and stays on disk only until the
CyberTipline filing (which uploads it) has finished. Open cases keep their media."""

from __future__ import annotations

import base64
import secrets

from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from takedown.api.app import create_app
from takedown.audit.models import AuditEntry
from takedown.cases.models import CaseMedia
from takedown.enforcement.scheduled import clean_media
from takedown.ncmec.scheduled import file_due_reports
from takedown.store.db import session_scope
from tests.enforcement_support import decide_violating, report_with_media
from tests.media import generated_scene, jpeg
from tests.ncmec_factories import ncmec_settings, sandbox
from tests.review_support import make_user, staff_headers


def _media_paths(settings, case_id: str) -> list:  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        rows = db_session.scalars(select(CaseMedia).where(CaseMedia.case_id == case_id))
        return [settings.media_dir / row.storage_path for row in rows]


def test_closed_case_media_is_deleted_and_child_safety_media_waits_for_ncmec(settings):
    with sandbox() as server:
        settings = ncmec_settings(
            settings,
            server,
            evidence_key=SecretStr(base64.b64encode(secrets.token_bytes(32)).decode()),
        )
        csam_media = jpeg(generated_scene(73))
        with TestClient(create_app(settings)) as client:
            ncii = report_with_media(
                client,
                jpeg(generated_scene(71)),
                content_id="p-ncii",
                account_id="a",
                category="non_consensual_intimate_imagery",
            )
            still_open = report_with_media(
                client,
                jpeg(generated_scene(72)),
                content_id="p-open",
                account_id="b",
                category="non_consensual_intimate_imagery",
            )
            csam = report_with_media(client, csam_media, content_id="p-csam", account_id="c")
            decide_violating(client, settings, ncii["case_id"], username="r1", policy="ncii")
            decide_violating(client, settings, csam["case_id"], username="r2", classification="A1")
            paths = {
                k: _media_paths(settings, v["case_id"])
                for k, v in {"ncii": ncii, "open": still_open, "csam": csam}.items()
            }
            assert all(p and all(f.is_file() for f in p) for p in paths.values())

            assert clean_media(settings) == 1
            assert not any(f.exists() for f in paths["ncii"])
            assert all(f.is_file() for f in paths["open"])  # not decided yet
            assert all(f.is_file() for f in paths["csam"])  # NCMEC still needs the upload

            assert list(file_due_reports(settings).values()) == ["finished"]
            assert clean_media(settings) == 1
            assert not any(f.exists() for f in paths["csam"])
            assert clean_media(settings) == 0

            # The preserved copy is still in the vault.
            make_user(settings, "law", "legal")
            legal = staff_headers(client, settings, "law")
            (package,) = client.get(
                f"/v1/evidence?case_id={csam['case_id']}", headers=legal
            ).json()["packages"]
            files = client.get(f"/v1/evidence/{package['package_id']}", headers=legal).json()
            media = next(f for f in files["files"] if f["kind"] == "media")
            opened = client.get(
                f"/v1/evidence/{package['package_id']}/files/{media['file_id']}", headers=legal
            )
            assert opened.content == csam_media
    with session_scope(settings.resolved_database_url) as db_session:
        deleted = db_session.scalars(
            select(AuditEntry.subject).where(AuditEntry.action == "media.deleted")
        ).all()
        assert sorted(deleted) == sorted([ncii["case_id"], csam["case_id"]])


def test_a_file_another_case_still_files_to_ncmec_is_kept(settings):
    """The same picture in two cases: a child-safety case whose CyberTipline report is not filed
    yet, and a later case about it decided and closed. Closing the later case must not delete
    the file the filing uploads; once the report is filed, the file goes."""
    picture = jpeg(generated_scene(74))
    with sandbox() as server:
        settings = ncmec_settings(
            settings,
            server,
            evidence_key=SecretStr(base64.b64encode(secrets.token_bytes(32)).decode()),
        )
        with TestClient(create_app(settings)) as client:
            csam = report_with_media(client, picture, content_id="p-first", account_id="c")
            decide_violating(client, settings, csam["case_id"], username="r1", classification="A1")
            later = report_with_media(
                client,
                picture,
                content_id="p-later",
                account_id="d",
                category="non_consensual_intimate_imagery",
            )
            assert later["case_id"] != csam["case_id"]
            decide_violating(client, settings, later["case_id"], username="r2", policy="ncii")
            (shared,) = set(_media_paths(settings, csam["case_id"]))
            assert set(_media_paths(settings, later["case_id"])) == {shared}

            assert clean_media(settings) == 0
            assert shared.is_file()
            assert list(file_due_reports(settings).values()) == ["finished"]
            assert clean_media(settings) == 1
            assert not shared.exists()


def test_cases_closed_before_the_upgrade_have_their_media_deleted(database_url, client, settings):
    """Migration 0033 queues the cleanup of every closed case not cleaned yet."""
    from alembic import command

    from takedown.store.migrate import alembic_config, upgrade

    ncii = report_with_media(
        client,
        jpeg(generated_scene(75)),
        content_id="p-before",
        account_id="a",
        category="non_consensual_intimate_imagery",
    )
    decide_violating(client, settings, ncii["case_id"], username="r1", policy="ncii")
    command.downgrade(alembic_config(database_url), "0032_recent_fingerprints")
    upgrade(database_url)
    paths = _media_paths(settings, ncii["case_id"])
    assert paths and all(path.is_file() for path in paths)
    assert clean_media(settings) == len(paths)
    assert not any(path.exists() for path in paths)
