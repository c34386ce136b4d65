"""Helpers for the enforcement tests: a real local webhook receiver that can go down and come
back on the same port, uploads through POST /v1/scan, and a violating decision through the staff
API. Media are benign stand-ins from tests/media.py only."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient

from takedown import clock
from takedown.auth.service import create_api_key
from takedown.enforcement import copy_search
from takedown.enforcement.signing import SIGNATURE_HEADER, verify
from takedown.store.db import session_scope
from tests.review_support import make_user, staff_headers

SECRET = "whsec-test-0123456789"


@pytest.fixture
def moving_clock():  # type: ignore[no-untyped-def]
    """For tests that call clock.advance(): the clock is reset afterwards, whatever happens."""
    clock.reset()
    yield clock
    clock.reset()


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)

    def signed(self, secret: str = SECRET) -> bool:
        return verify(
            secret,
            self.headers.get(SIGNATURE_HEADER.lower(), ""),
            self.body,
            now=int(clock.now().timestamp()),
        )


@dataclass
class Receiver:
    """A platform's webhook endpoint on a fixed local port; stop() and start() simulate outages."""

    port: int = 0
    status: int = 204
    deliveries: list[Delivery] = field(default_factory=list)
    answer_after_seconds: float = 0.0  # a slow receiver
    _server: ThreadingHTTPServer | None = None

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                receiver.deliveries.append(
                    Delivery({k.lower(): v for k, v in self.headers.items()}, body)
                )
                time.sleep(receiver.answer_after_seconds)
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/takedown-events"

    def events(self, event_type: str | None = None) -> list[dict[str, Any]]:
        return [
            d.event for d in self.deliveries if event_type is None or d.event["type"] == event_type
        ]


def scan(
    client: TestClient,
    key: str,
    data: bytes,
    content_id: str,
    account_id: str | None = None,
    filename: str = "upload.jpg",
) -> dict[str, Any]:
    form = {"content_id": content_id} | ({"account_id": account_id} if account_id else {})
    answer = client.post(
        "/v1/scan",
        files={"file": (filename, data, "application/octet-stream")},
        data=form,
        headers={"Authorization": f"Bearer {key}"},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def picture_pdq(client: TestClient, headers: dict[str, str], picture: bytes) -> str:
    """The picture's own PDQ, from POST /v1/hash."""
    signals = client.post(
        "/v1/hash", files={"file": ("k.jpg", picture, "image/jpeg")}, headers=headers
    ).json()["signals"]
    return str(next(s["value"] for s in signals if s["type"] == "pdq"))


def bank_pictures(
    client: TestClient,
    headers: dict[str, str],
    bank: str,
    *pictures: bytes,
    category: str = "csam",
    action: str = "block",
) -> list[int]:
    """Bank the pictures' PDQs over HTTP (scope `banks`), creating the bank if it is new; their
    entry ids."""
    if client.get(f"/v1/banks/{bank}", headers=headers).status_code == 404:
        created = client.post(
            "/v1/banks",
            json={"name": bank, "category": category, "action": action},
            headers=headers,
        )
        assert created.status_code == 201, created.text
    added = client.post(
        f"/v1/banks/{bank}/entries",
        json={
            "entries": [
                {"signal_type": "pdq", "value": picture_pdq(client, headers, p)} for p in pictures
            ]
        },
        headers=headers,
    )
    assert added.status_code == 200, added.text
    return [int(entry_id) for entry_id in added.json()["entry_ids"]]


def report_with_media(
    client: TestClient,
    data: bytes,
    *,
    content_id: str,
    account_id: str,
    category: str = "child_sexual_abuse",
    filename: str = "upload.jpg",
) -> dict[str, Any]:
    body = {
        "category": category,
        "content_id": content_id,
        "account_id": account_id,
        "content_url": f"https://platform.example/p/{content_id}",
        "subject_is_minor": "yes" if category.startswith("child_") else "no",
    }
    if category not in ("child_sexual_abuse", "child_sexual_exploitation"):
        body.update(
            explanation="shared without consent",
            reporter={"name": "A Person", "email": "person@example.org", "role": "victim"},
            good_faith_statement=True,
            signature="A Person",
        )
    # The platform's own report button: its key, the post's content id and uploader, the file.
    answer = client.post(
        "/v1/reports",
        data={"report": json.dumps(body)},
        files={"file": (filename, data, "application/octet-stream")},
        headers={"Authorization": f"Bearer {platform_key(client, 'report')}"},
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def platform_key(client: TestClient, *scopes: str) -> str:
    """A new API key of the platform's with `scopes`, on the app `client` calls."""
    settings = client.app.state.settings  # type: ignore[attr-defined]
    with session_scope(settings.resolved_database_url) as db_session:
        _, key = create_api_key(db_session=db_session, name="the platform", scopes=list(scopes))
    return key


def decide_violating(
    client: TestClient,
    settings: Any,
    case_id: str,
    username: str = "csr-1",
    *,
    search_copies: bool = True,
    **fields: Any,
) -> dict[str, Any]:
    """A child-safety reviewer decides `violating` through POST /v1/cases/{id}/decisions; then
    (unless `search_copies` is false) the copy-search job runs, as every server runs it in the
    background, and finds the copies in the ledger."""
    make_user(settings, username, "child_safety_reviewer")
    body = {
        "outcome": "violating",
        "policy": fields.pop("policy", "child_sexual_abuse_material"),
        "reason": "confirmed (benign test stand-in)",
        **fields,
    }
    answer = client.post(
        f"/v1/cases/{case_id}/decisions",
        json=body,
        headers=staff_headers(client, settings, username),
    )
    assert answer.status_code == 201, answer.text
    if search_copies:
        copy_search.run_due(settings)
    return answer.json()


def decision_with_copies(
    client: TestClient, settings: Any, key: str, copies: int, seed: int = 500
) -> dict[str, Any]:
    """One violating NCII decision that removes `copies` earlier identical uploads (so it yields
    copies + 1 content statements and one account statement)."""
    from tests.media import generated_scene, jpeg

    picture = jpeg(generated_scene(seed))
    for n in range(copies):
        scan(client, key, picture, f"copy-{seed}-{n}", f"acct-copy-{n}")
    filed = report_with_media(
        client,
        picture,
        content_id=f"orig-{seed}",
        account_id=f"acct-orig-{seed}",
        category="non_consensual_intimate_imagery",
    )
    decide_violating(client, settings, filed["case_id"], username=f"rev-{seed}", policy="ncii")
    return filed


def overturn_on_uploader_appeal(
    client: TestClient, settings: Any, case_id: str, report_key: str, username: str = "second"
) -> dict[str, Any]:
    """The uploader appeals through the platform (a key with scope `report`) and a reviewer who
    did not decide the case overturns the removal."""
    appeal = client.post(
        "/v1/uploader-appeals",
        json={"case_id": case_id, "reason": "this is not what you think"},
        headers={"Authorization": f"Bearer {report_key}"},
    )
    assert appeal.status_code == 201, appeal.text
    make_user(settings, username, "reviewer")
    decided = client.post(
        f"/v1/appeals/{appeal.json()['appeal_id']}/decisions",
        json={"outcome": "overturned", "reason": "a mistake"},
        headers=staff_headers(client, settings, username),
    )
    assert decided.status_code == 201, decided.text
    return decided.json()


def removal_orders(settings: Any) -> list[str]:
    """The content ids of every `content.remove` event written, in the order written."""
    from takedown.enforcement.models import OutboxEvent

    with session_scope(settings.resolved_database_url) as db_session:
        events = db_session.query(OutboxEvent).filter_by(event_type="content.remove")
        return [e.payload()["data"]["content_id"] for e in events.order_by("created_at", "id")]


def case_enforcement(
    client: TestClient, settings: Any, case_id: str, username: str = "viewer"
) -> dict[str, Any]:
    """GET /v1/cases/{id}/enforcement as staff user `username` (made beforehand)."""
    answer = client.get(
        f"/v1/cases/{case_id}/enforcement", headers=staff_headers(client, settings, username)
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())
