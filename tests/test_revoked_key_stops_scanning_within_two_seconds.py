"""POST /v1/scan accepts a key it checked in the last `api_key_cache_seconds` without asking the
database again, so a revoked key keeps scanning for at most that long (never more than 2 s)."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import update

from takedown import clock
from takedown.api.app import create_app
from takedown.auth.models import ApiKey
from takedown.auth.service import hash_key
from takedown.settings import Settings
from takedown.store.db import session_scope
from tests.media import generated_scene, jpeg

IMAGE = jpeg(generated_scene(1, (200, 150)))


def _scan(client, key: str) -> int:  # type: ignore[no-untyped-def]
    return client.post(
        "/v1/scan",
        files={"file": ("a.jpg", IMAGE, "image/jpeg")},
        data={"content_id": "c"},
        headers={"Authorization": f"Bearer {key}"},
    ).status_code


def _revoke(settings: Settings, key: str) -> None:
    with session_scope(settings.resolved_database_url) as db_session:
        db_session.execute(
            update(ApiKey).where(ApiKey.key_hash == hash_key(key)).values(revoked_at=clock.now())
        )


def test_revoked_key_is_refused_once_the_cache_window_passes(settings, make_api_key) -> None:
    window = 1.0
    with TestClient(create_app(settings.model_copy(update={"api_key_cache_seconds": window}))) as c:
        key = make_api_key("scan")
        assert _scan(c, key) == 200
        _revoke(settings, key)
        revoked_at = time.monotonic()
        assert _scan(c, key) == 200  # still remembered: the documented window
        time.sleep(max(0.0, revoked_at + window - time.monotonic()) + 0.05)
        assert _scan(c, key) == 401


def test_without_the_cache_a_revoked_key_is_refused_at_once(settings, make_api_key) -> None:
    with TestClient(create_app(settings.model_copy(update={"api_key_cache_seconds": 0.0}))) as c:
        key = make_api_key("scan")
        assert _scan(c, key) == 200
        _revoke(settings, key)
        assert _scan(c, key) == 401


def test_the_window_cannot_be_set_above_two_seconds(settings) -> None:
    assert Settings().api_key_cache_seconds <= 2.0
    with pytest.raises(ValidationError):
        Settings(api_key_cache_seconds=2.5)
