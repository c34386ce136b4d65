"""Rule: a batch the DSA Transparency Database stored but whose answer was lost (a timeout, a
dropped connection) is not sent for ever. Sent again, the database refuses it with a 422 naming
the puids it already holds (`errors.existing_puids`, not `statement_<i>`): those statements are
marked submitted, and the statements queued behind them go on the next run."""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from fastapi.testclient import TestClient
from pydantic import SecretStr

from takedown.api.app import create_app
from takedown.enforcement.scheduled import submit_statements
from tests.enforcement_support import decision_with_copies
from tests.review_support import make_user, staff_headers

TOKEN = "X|test-token-456"


class ForgetfulNetworkDatabase:
    """The database's batch endpoint, which refuses puids it holds as the real one does; with
    `drop_next_answer` it stores a batch and closes the connection without answering."""

    def __init__(self) -> None:
        self.held: set[str] = set()
        self.drop_next_answer = False
        database = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                statements = json.loads(body)["statements"]
                puids = [s["puid"] for s in statements]
                existing = [p for p in puids if p in database.held]
                if existing:
                    message = "The platform identifier(s) are not all unique within this call."
                    return self._answer(
                        422,
                        {
                            "message": message,
                            "errors": {"puid": [message], "existing_puids": existing},
                        },
                    )
                database.held.update(puids)
                if database.drop_next_answer:
                    database.drop_next_answer = False
                    self.close_connection = True
                    self.connection.close()
                    return None
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


def test_a_stored_batch_whose_answer_was_lost_does_not_block_the_queue(settings, make_api_key):
    fake = ForgetfulNetworkDatabase()
    configured = settings.model_copy(
        update={"dsa_database_url": fake.url, "dsa_database_token": SecretStr(TOKEN)}
    )
    try:
        with TestClient(create_app(settings)) as client:
            # The reported item and its 100 copies: 101 statements, two batches.
            decision_with_copies(client, settings, make_api_key("scan"), copies=100, seed=700)
            fake.drop_next_answer = True
            assert submit_statements(configured).failed == 100  # stored, but no answer came
            assert len(fake.held) == 100

            again = submit_statements(configured)
            assert (again.submitted, again.rejected, again.failed) == (100, 0, 0)
            assert submit_statements(configured).submitted == 1  # the queue moved on
            assert submit_statements(configured).submitted == 0

            make_user(settings, "viewer-700", "reviewer")
            listed = client.get(
                "/v1/statements-of-reasons?limit=1000",
                headers=staff_headers(client, settings, "viewer-700"),
            ).json()["statements"]
        assert len(listed) == 101
        assert all(s["status"] == "submitted" for s in listed)
        assert {s["id"] for s in listed} == fake.held
    finally:
        fake.close()
