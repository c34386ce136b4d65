"""Helpers for the report and case tests: valid report bodies per category, local servers
(HTTP media / webhook receiver), and direct reads of stored rows for assertions."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from takedown.cases import near_search
from takedown.cases.models import OPEN_STATUSES, Case, CaseMediaSignal, OpenCasePdqKey
from takedown.store.db import session_scope
from tests.review_support import free_port, reported_case

CHILD_SAFETY = ("child_sexual_abuse", "child_sexual_exploitation")


def valid_body(category: str = "terms_violation", **fields: Any) -> dict[str, Any]:
    """A report body that satisfies `category`'s rules, with `fields` laid over it."""
    body: dict[str, Any] = {"category": category}
    if "content_id" not in fields:
        body["content_url"] = "https://platform.example/p/1"
    if category == "non_consensual_intimate_imagery":
        body |= {
            "signature": "Jo Example",
            "good_faith_statement": True,
            "reporter": {"role": "victim", "name": "Jo Example", "email": "jo@example.org"},
        }
    elif category not in CHILD_SAFETY:
        body |= {
            "explanation": "It breaks the rules because it is spam.",
            "good_faith_statement": True,
            "reporter": {"name": "Sam Example", "email": "sam@example.org"},
        }
    body |= fields
    return body


def file_report(
    client: TestClient,
    category: str = "terms_violation",
    *,
    file: bytes | None = None,
    headers: dict[str, str] | None = None,
    expect: int = 201,
    **fields: Any,
) -> dict[str, Any]:
    body = valid_body(category, **fields)
    if file is not None:
        answer = client.post(
            "/v1/reports",
            data={"report": json.dumps(body)},
            files={"file": ("upload.bin", file, "application/octet-stream")},
            headers=headers or {},
        )
    else:
        answer = client.post("/v1/reports", json=body, headers=headers or {})
    assert answer.status_code == expect, answer.text
    return answer.json()


def report_picture(
    client: TestClient, category: str = "child_sexual_abuse", *, file: bytes, **fields: Any
) -> dict[str, Any]:
    """A report from the public with a picture and nothing showing that the platform holds it
    where the report says: its answer names no case and no deadline; `case_id` is filled in as
    staff find it from the report's reference."""
    ack = file_report(client, category, file=file, **fields)
    assert ack["case_id"] is None and ack["deadline"] is None, ack
    return ack | {"case_id": reported_case(client, ack)}


@contextmanager
def http_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


class WebhookReceiver(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        type(self).received.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


class SmtpInbox:
    """A local SMTP server (aiosmtpd) that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from email import message_from_bytes
        from email.policy import default

        self.messages.append(message_from_bytes(envelope.content, policy=default))
        return "250 OK"

    def to(self, address: str) -> list[Any]:
        return [m for m in self.messages if m["To"] == address]


@contextmanager
def smtp_server() -> Iterator[tuple[SmtpInbox, int]]:
    from aiosmtpd.controller import Controller

    inbox = SmtpInbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


class PlatformEndpoints(BaseHTTPRequestHandler):
    """The platform's endpoints for Takedown, by content id: `/status/<id>` answers 200 while the
    item is visible and 404 once it is down (removal checks); any other path serves the media
    (media fetches), 404 when there is none. Use through `platform_server`."""

    media: dict[str, bytes] = {}
    visible: set[str] = set()
    asked: list[str] = []  # content ids whose status was asked

    def do_GET(self) -> None:
        content_id = self.path.rsplit("/", 1)[-1]
        if self.path.startswith("/status/"):
            type(self).asked.append(content_id)
            data, found = b"", content_id in type(self).visible
        else:
            data = type(self).media.get(content_id, b"")
            found = bool(data)
        self.send_response(200 if found else 404)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def platform_server(
    media: dict[str, bytes] | None = None, visible: set[str] | None = None
) -> Iterator[tuple[type[PlatformEndpoints], int]]:
    """A local platform (its own copy of the state) and its port; URL templates:
    http://127.0.0.1:<port>/media/{content_id} and http://127.0.0.1:<port>/status/{content_id}."""

    class Endpoints(PlatformEndpoints):
        pass

    Endpoints.media, Endpoints.visible, Endpoints.asked = dict(media or {}), set(visible or ()), []
    with http_server(Endpoints) as server:
        yield Endpoints, server.server_port


def assert_only_open_cases_are_keyed(settings) -> None:  # type: ignore[no-untyped-def]
    """Every PDQ row of an open case's media has its 16 keys under that case; no other row has."""
    with session_scope(settings.resolved_database_url) as db_session:
        expected = {
            (signal.id, key, signal.case_id)
            for signal in db_session.scalars(
                select(CaseMediaSignal)
                .join(Case, Case.id == CaseMediaSignal.case_id)
                .where(
                    CaseMediaSignal.signal_type.in_(near_search.KEYED_SIGNALS),
                    Case.status.in_([s.value for s in OPEN_STATUSES]),
                )
            )
            for key in near_search.keys_of(signal.signal_type, signal.value)
        }
        stored = set(
            db_session.execute(
                select(OpenCasePdqKey.signal_id, OpenCasePdqKey.key, OpenCasePdqKey.case_id)
            ).tuples()
        )
    assert stored == expected
