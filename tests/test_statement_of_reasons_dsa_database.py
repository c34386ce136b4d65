"""The DSA Transparency Database client posts pending statements to `<url>/api/v1/statements`
(bearer token, at most 100 per call), stores each returned uuid, marks statements the database
rejects (422 `statement_<i>`) and sends the others again; nothing is sent unless configured.
Tested against a local fake of the database's batch endpoint."""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from fastapi.testclient import TestClient
from pydantic import SecretStr, ValidationError

from takedown.api.app import create_app
from takedown.enforcement.scheduled import submit_statements
from takedown.transparency.schemas import StatementBatch
from tests.enforcement_support import decision_with_copies
from tests.review_support import make_user, staff_headers

TOKEN = "X|test-token-123"


class FakeDatabase:
    def __init__(self) -> None:
        self.calls: list[list[dict[str, Any]]] = []
        self.reject_puids: set[str] = set()
        database = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                if self.path != "/api/v1/statements":
                    return self._answer(404, {"message": "not found"})
                if self.headers.get("authorization") != f"Bearer {TOKEN}":
                    return self._answer(401, {"message": "Unauthenticated."})
                payload = json.loads(body)
                try:
                    StatementBatch.model_validate(payload)
                except ValidationError as exc:
                    return self._answer(422, {"message": "invalid", "errors": {"x": str(exc)}})
                statements = payload["statements"]
                database.calls.append(statements)
                errors = {
                    f"statement_{i}": {"puid": ["rejected by the test"]}
                    for i, s in enumerate(statements)
                    if s["puid"] in database.reject_puids
                }
                if errors:
                    return self._answer(422, {"errors": errors})
                created = [s | {"uuid": str(uuid.uuid4())} for s in statements]
                return self._answer(201, {"statements": created})

            def _answer(self, status: int, data: dict[str, Any]) -> None:
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_statements_reach_the_database_in_batches(settings, make_api_key):
    fake = FakeDatabase()
    try:
        with TestClient(create_app(settings)) as client:
            decision_with_copies(client, settings, make_api_key("scan"), copies=104)
            assert submit_statements(settings).submitted == 0  # not configured: nothing sent
            assert fake.calls == []

            wrong = settings.model_copy(
                update={"dsa_database_url": fake.url, "dsa_database_token": SecretStr("nope")}
            )
            assert submit_statements(wrong).failed == 100
            configured = settings.model_copy(
                update={"dsa_database_url": fake.url, "dsa_database_token": SecretStr(TOKEN)}
            )
            assert submit_statements(configured).submitted == 100
            assert submit_statements(configured).submitted == 5
            assert submit_statements(configured).submitted == 0
            assert [len(c) for c in fake.calls] == [100, 5]
            make_user(settings, "viewer", "reviewer")
            listed = client.get(
                "/v1/statements-of-reasons?limit=1000",
                headers=staff_headers(client, settings, "viewer"),
            ).json()["statements"]
            assert len(listed) == 105
            assert all(s["status"] == "submitted" and s["database_uuid"] for s in listed)
            sent = {s["puid"] for call in fake.calls for s in call}
            assert sent == {s["id"] for s in listed}
    finally:
        fake.close()


def test_rejected_statements_are_marked_and_the_rest_resent(settings, make_api_key):
    fake = FakeDatabase()
    configured = settings.model_copy(
        update={"dsa_database_url": fake.url, "dsa_database_token": SecretStr(TOKEN)}
    )
    try:
        with TestClient(create_app(settings)) as client:
            decision_with_copies(client, settings, make_api_key("scan"), copies=2, seed=600)
            make_user(settings, "viewer", "reviewer")
            headers = staff_headers(client, settings, "viewer")
            before = client.get("/v1/statements-of-reasons", headers=headers).json()["statements"]
            bad = before[0]["id"]
            fake.reject_puids = {bad}
            run = submit_statements(configured)
            assert (run.rejected, run.submitted) == (1, 0)
            assert submit_statements(configured).submitted == len(before) - 1
            after = {
                s["id"]: s
                for s in client.get("/v1/statements-of-reasons", headers=headers).json()[
                    "statements"
                ]
            }
            assert after[bad]["status"] == "rejected"
            assert all(s["status"] == "submitted" for i, s in after.items() if i != bad)
    finally:
        fake.close()
