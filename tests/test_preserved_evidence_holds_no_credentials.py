"""Rule: preserved evidence holds no credentials.

A package's context.json goes to the police in a disclosure. It keeps the reports as they stood
(the reporter's name and email too: an investigator may need to reach the reporter) but never a
report's tracking token (it opens the reporter's tracking page: appeal, erase, withdraw), a
client address's keyed hash or the platform's API key id."""

from __future__ import annotations

import base64
import json
import secrets

from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from takedown.api.app import create_app
from takedown.reports.models import Report
from takedown.store.db import session_scope
from tests.enforcement_support import decide_violating, platform_key
from tests.media import generated_scene, jpeg
from tests.review_support import make_user, staff_headers

NOT_PRESERVED = ("tracking_token", "client_address_hash", "api_key_id")


def test_preserved_evidence_holds_no_credentials(settings):  # type: ignore[no-untyped-def]
    settings = settings.model_copy(
        update={"evidence_key": SecretStr(base64.b64encode(secrets.token_bytes(32)).decode())}
    )
    with TestClient(create_app(settings)) as client:
        # The platform's report button, passing on the reporter's name and address.
        filed = client.post(
            "/v1/reports",
            data={
                "report": json.dumps(
                    {
                        "category": "child_sexual_abuse",
                        "content_id": "p-81",
                        "account_id": "a-81",
                        "content_url": "https://platform.example/p/81",
                        "subject_is_minor": "yes",
                        "reporter": {"name": "Pat Parent", "email": "pat@example.org"},
                    }
                )
            },
            files={"file": ("p.jpg", jpeg(generated_scene(81)), "application/octet-stream")},
            headers={"Authorization": f"Bearer {platform_key(client, 'report')}"},
        )
        assert filed.status_code == 201, filed.text
        case_id = filed.json()["case_id"]
        decide_violating(client, settings, case_id, classification="A1")
        with session_scope(settings.resolved_database_url) as db_session:
            (token,) = db_session.scalars(
                select(Report.tracking_token).where(Report.case_id == case_id)
            ).all()
        make_user(settings, "law", "legal")
        legal = staff_headers(client, settings, "law")
        (package,) = client.get(f"/v1/evidence?case_id={case_id}", headers=legal).json()["packages"]
        detail = client.get(f"/v1/evidence/{package['package_id']}", headers=legal).json()
        (context_file,) = [f for f in detail["files"] if f["kind"] == "context"]
        opened = client.get(
            f"/v1/evidence/{package['package_id']}/files/{context_file['file_id']}", headers=legal
        )
        assert opened.status_code == 200, opened.text
        context = opened.content.decode()
        assert token not in context
        (report,) = json.loads(context)["reports"]
        assert not set(NOT_PRESERVED) & set(report)
        assert report["reporter_email"] == "pat@example.org"  # the police may need the reporter
