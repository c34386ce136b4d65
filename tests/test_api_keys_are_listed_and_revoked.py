"""API keys can be listed and revoked without touching the database: a leaked platform key is
revoked from the CLI (`takedown apikey list|revoke`) or by an admin on the console's API keys
page, and every server refuses it; listings never show a key, only its first characters.
Creating and revoking are audited."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import select

from takedown.api.app import create_app
from takedown.audit.models import AuditEntry
from takedown.store.db import session_scope
from tests.media import generated_scene, jpeg
from tests.review_support import console, make_user

IMAGE = jpeg(generated_scene(3, (200, 150)))


def _scan(client: TestClient, key: str) -> int:
    return client.post(
        "/v1/scan",
        files={"file": ("a.jpg", IMAGE, "image/jpeg")},
        data={"content_id": "c"},
        headers={"Authorization": f"Bearer {key}"},
    ).status_code


def _audit(settings, action: str) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        rows = list(db_session.scalars(select(AuditEntry).where(AuditEntry.action == action)))
        db_session.expunge_all()
        return rows


def _create(cli) -> dict[str, str]:  # type: ignore[no-untyped-def]
    result = cli("apikey", "create", "--name", "platform", "--scope", "scan", "--json")
    return dict(json.loads(result.stdout))


def test_a_leaked_key_is_revoked_from_the_cli(settings, cli):
    made = json.loads(
        cli("apikey", "create", "--name", "platform", "--scope", "scan", "--json").stdout
    )
    listed = [json.loads(line) for line in cli("apikey", "list", "--json").stdout.splitlines()]
    (row,) = [r for r in listed if r["id"] == made["id"]]
    assert row["prefix"] == made["key"][:10] and row["revoked_at"] is None
    assert made["key"] not in cli("apikey", "list").output  # the table shows prefixes only
    uncached = settings.model_copy(update={"api_key_cache_seconds": 0.0})
    with TestClient(create_app(uncached)) as client:
        assert _scan(client, made["key"]) == 200
        result = cli("apikey", "revoke", made["id"])
        assert result.exit_code == 0, result.output
        assert _scan(client, made["key"]) == 401
    listed = [json.loads(line) for line in cli("apikey", "list", "--json").stdout.splitlines()]
    assert next(r for r in listed if r["id"] == made["id"])["revoked_at"] is not None
    assert cli("apikey", "revoke", "key_unknown").exit_code == 1
    assert [e.subject for e in _audit(settings, "api_key.created")] == [made["id"]]
    assert [(e.subject, e.actor) for e in _audit(settings, "api_key.revoked")] == [
        (made["id"], "cli")
    ]


def test_an_admin_revokes_a_key_on_the_console(settings, cli):
    made = json.loads(
        cli("apikey", "create", "--name", "platform", "--scope", "scan", "--json").stdout
    )
    uncached = settings.model_copy(update={"api_key_cache_seconds": 0.0})
    app = create_app(uncached)
    with TestClient(app) as client:
        make_user(settings, "ada", "admin")
        make_user(settings, "rev", "reviewer")
        reviewer = console(app, "rev")
        assert reviewer.get("/console/keys", headers={"accept": "text/html"}).status_code == 403
        assert reviewer.post(f"/console/keys/{made['id']}/revoke").status_code == 403
        assert _scan(client, made["key"]) == 200
        admin = console(app, "ada")
        page = admin.get("/console/keys").text
        assert f'data-key="{made["id"]}"' in page and made["key"] not in page
        assert admin.post(f"/console/keys/{made['id']}/revoke").status_code == 303
        assert _scan(client, made["key"]) == 401
    (revoked,) = _audit(settings, "api_key.revoked")
    assert revoked.actor.startswith("user:")
