"""A local fake of the EU DSA Transparency Database's batch endpoint (`POST /api/v1/statements`)
for the statement-of-reasons tests: bearer token, Takedown's own schema of a batch, a 422
`statement_<i>` for puids a test rejects, a 422 `existing_puids` for puids it already holds (as
the real database answers a batch sent again), and, with `drop_next_answer`, a batch stored and
the connection closed without an answer."""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pydantic import ValidationError

from takedown.transparency.schemas import StatementBatch

TOKEN = "X|test-token-123"


class FakeDsaDatabase:
    def __init__(self) -> None:
        self.calls: list[list[dict[str, Any]]] = []
        self.reject_puids: set[str] = set()
        self.held: set[str] = set()
        self.drop_next_answer = False
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
                return self._store(statements)

            def _store(self, statements: list[dict[str, Any]]) -> None:
                puids = [s["puid"] for s in statements]
                existing = [p for p in puids if p in database.held]
                if existing:
                    message = "The platform identifier(s) are not all unique within this call."
                    errors = {"puid": [message], "existing_puids": existing}
                    return self._answer(422, {"message": message, "errors": errors})
                rejected = {
                    f"statement_{i}": {"puid": ["rejected by the test"]}
                    for i, puid in enumerate(puids)
                    if puid in database.reject_puids
                }
                if rejected:
                    return self._answer(422, {"errors": rejected})
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
