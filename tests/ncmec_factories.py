"""Factories for the NCMEC tests: decided child-safety cases with benign stand-in media.

Cases are written as rows (the cases, reports and review concerns own the flows that normally
create them); the NCMEC concern is then exercised through its public surface: `queue_report`
(what enforcement calls in the decision's transaction), the filing job, the staff API, the CLI.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pydantic import SecretStr

from takedown import clock
from takedown.auth.models import Role
from takedown.auth.users import create_user, issue_staff_token
from takedown.cases.models import Case, CaseMedia, Category
from takedown.ids import new_id
from takedown.ncmec.sandbox import SandboxServer
from takedown.ncmec.service import queue_report
from takedown.reports.models import Report
from takedown.review.models import Decision
from takedown.settings import Settings
from takedown.store.db import session_scope
from tests import media as test_media

SANDBOX_USER, SANDBOX_PASSWORD = "esp-test-user", "esp-test-password"


@dataclass
class DecidedCase:
    case_id: str
    decision_id: str
    media_md5s: list[str]
    filing_id: str | None


def ncmec_settings(settings: Settings, sandbox: SandboxServer, **overrides: object) -> Settings:
    values = {
        "ncmec_url": sandbox.url,
        "ncmec_username": SANDBOX_USER,
        "ncmec_password": SecretStr(SANDBOX_PASSWORD),
        "ncmec_environment": "test",
        "esp_name": "Example Platform",
        "esp_contact_name": "Trust and Safety",
        "esp_contact_email": "safety@example.com",
        "esp_contact_phone": "+1 202 555 0100",
        "ncmec_retry_base_seconds": 60.0,
        "ncmec_retry_max_seconds": 3600.0,
        **overrides,
    }
    return settings.model_copy(update=values)


@contextmanager
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(username=SANDBOX_USER, password=SANDBOX_PASSWORD) as server:
        yield server


def make_user(settings: Settings, role: Role) -> tuple[str, str]:
    """(user id, staff token) for a new user with `role`."""
    username = f"{role.value}-{new_id('u')[-8:]}"
    with session_scope(settings.resolved_database_url) as db_session:
        user = create_user(
            db_session=db_session, username=username, role=role, password="correct horse battery"
        )
        token = issue_staff_token(db_session=db_session, username=username)
        return user.id, token


def _store_media(settings: Settings, content: bytes) -> str:
    digest = hashlib.sha256(content).hexdigest()
    relative = f"ncmec-test/{digest[:2]}/{digest}"
    path = settings.media_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return relative


def decided_case(
    settings: Settings,
    *,
    category: Category = Category.CHILD_SEXUAL_ABUSE,
    files: int = 1,
    law_enforcement: bool = False,
    victim: bool = False,
    account_id: str | None = "acct-uploader-1",
    content_url: str | None = "https://platform.example/p/123",
    classification: str | None = "A2",
    queue: bool = True,
    reviewer_id: str | None = None,
) -> DecidedCase:
    """A case decided `violating`, with `files` stand-in images; queued for NCMEC if `queue`."""
    now = clock.now()
    reviewer_id = reviewer_id or make_user(settings, Role.CHILD_SAFETY_REVIEWER)[0]
    md5s: list[str] = []
    with session_scope(settings.resolved_database_url) as db_session:
        case = Case(
            id=new_id("case"),
            status="action_taken",
            priority="P0",
            category=category.value,
            is_child_safety=True,
            deadline_is_legal=False,
            deadline_started_at=now - timedelta(hours=2),
            deadline_at=now + timedelta(hours=1),
            escalation_level=0,
            bank_match=False,
            ranked_lower=False,
            report_count=1,
            outcome="violating",
            decided_at=now,
            account_id=account_id,
            content_id="content-123",
            content_url=content_url,
            created_at=now - timedelta(hours=2),
            updated_at=now,
        )
        db_session.add(case)
        db_session.flush()
        db_session.add(
            Report(
                id=new_id("rep"),
                case_id=case.id,
                category=category.value,
                content_id="content-123",
                content_url=content_url,
                reporter_role="law_enforcement" if law_enforcement else "platform_user",
                reporter_name="Officer Dana Example" if law_enforcement else "A Bystander",
                reporter_email="reporter@example.org",
                subject_is_minor="yes",
                law_enforcement_agency="Example County Police" if law_enforcement else None,
                law_enforcement_case_number="ECP-2026-0042" if law_enforcement else None,
                tracking_token=new_id("trk"),
                channel="web_form",
                received_at=now - timedelta(hours=2),
            )
        )
        if victim:
            db_session.add(
                Report(
                    id=new_id("rep"),
                    case_id=case.id,
                    category=category.value,
                    content_id="content-123",
                    reporter_role="victim",
                    reporter_name="Sam Victim",
                    reporter_email="sam@example.org",
                    subject_is_minor="yes",
                    tracking_token=new_id("trk"),
                    channel="web_form",
                    received_at=now - timedelta(hours=1),
                )
            )
        for index in range(files):
            content = test_media.jpeg(test_media.generated_scene(seed=100 + index, size=(64, 48)))
            md5s.append(hashlib.md5(content).hexdigest())
            db_session.add(
                CaseMedia(
                    case_id=case.id,
                    source="upload",
                    storage_path=_store_media(settings, content),
                    sha256=hashlib.sha256(content).hexdigest(),
                    filename=f"upload-{index}.jpg",
                    media_type="image",
                    size_bytes=len(content),
                    signals=[
                        {"type": "md5", "value": md5s[-1]},
                        {"type": "pdq", "value": "f" * 64, "quality": 100},
                    ],
                    matches=[],
                    created_at=now,
                )
            )
        decision = Decision(
            id=new_id("dec"),
            case_id=case.id,
            reviewer_id=reviewer_id,
            stage="second_review",
            outcome="violating",
            policy="csam",
            reason="apparent CSAM (test stand-in)",
            classification=classification,
            final=True,
            decided_at=now,
        )
        db_session.add(decision)
        db_session.flush()
        filing = (
            queue_report(db_session=db_session, settings=settings, case=case, decision=decision)
            if queue
            else None
        )
        return DecidedCase(case.id, decision.id, md5s, filing.id if filing else None)


@contextmanager
def platform_metadata(
    metadata: dict[str, Any], status: int = 200
) -> Iterator[tuple[str, list[str]]]:
    """A stand-in for the platform's metadata endpoint answering `metadata` (or `status` with no
    JSON): its TAKEDOWN_PLATFORM_METADATA_URL template, and the paths it was asked for."""
    requested: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requested.append(self.path)
            body = json.dumps(metadata).encode() if status == 200 else b"down"
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/meta/{{content_id}}?account={{account_id}}"
        yield url, requested
    finally:
        server.shutdown()
