"""Rule: content that was public before the platform scanned it (a back catalogue, when a platform
adopts Takedown) is not "blocked at upload": it has been up. `POST /v1/scan` with `published=true`
answers the same verdict, and a match in a csam bank opens a P0 case at once (channel
back_catalogue) and, for a block bank, orders the removal (content.remove, automatic statement
of reasons); no "upload blocked" statement and no second case from the blocked-upload job. A
review bank's match opens the case and leaves the content up; an unrelated item opens nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from takedown import clock
from takedown.api.app import create_app
from takedown.cases.blocked_uploads import open_cases_for_blocked_uploads
from takedown.enforcement.models import OutboxEvent
from takedown.store.db import session_scope
from tests.enforcement_support import bank_pictures, moving_clock  # noqa: F401
from tests.media import altered_copy, generated_scene, jpeg, stand_in
from tests.review_support import make_user, staff_headers


def _scan(client: TestClient, key: str, data: bytes, content_id: str, **fields: str) -> dict:  # type: ignore[type-arg]
    answer = client.post(
        "/v1/scan",
        files={"file": ("old.jpg", data, "image/jpeg")},
        data={"content_id": content_id, "account_id": f"acct-{content_id}", **fields},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _removals(settings) -> list[dict]:  # type: ignore[no-untyped-def, type-arg]
    with session_scope(settings.resolved_database_url) as db_session:
        bodies = db_session.scalars(
            select(OutboxEvent.body).where(OutboxEvent.event_type == "content.remove")
        ).all()
    return [json.loads(body)["data"] for body in bodies]


@pytest.mark.usefixtures("moving_clock")
def test_back_catalogue_scan_takes_known_material_down(settings, make_api_key) -> None:  # type: ignore[no-untyped-def]
    key = make_api_key("scan", "banks")
    auth = {"Authorization": f"Bearer {key}"}
    known, watched = stand_in("rocket"), generated_scene(9401)
    app = create_app(settings)
    with TestClient(app) as client:
        bank_pictures(client, auth, "industry", jpeg(known))
        bank_pictures(client, auth, "watchlist", jpeg(watched), action="review")

        old = _scan(client, key, altered_copy(known), "old-1", published="true")
        assert old["verdict"] == "block" and old["statement_of_reasons"] is None
        assert old["case_id"]
        [removal] = _removals(settings)
        assert (removal["content_id"], removal["case_id"]) == ("old-1", old["case_id"])
        assert "removed automatically" in removal["statement_of_reasons"]["decision_facts"]

        held = _scan(client, key, jpeg(watched, 85), "old-2", published="true")
        assert held["verdict"] == "review" and held["case_id"]
        assert len(_removals(settings)) == 1  # a review bank's match stays up for the reviewer

        plain = _scan(client, key, jpeg(generated_scene(9402)), "old-3", published="true")
        assert (plain["verdict"], plain["case_id"]) == ("allow", None)

        # A new upload of the same picture is blocked at upload, as ever.
        new = _scan(client, key, altered_copy(known), "new-1")
        assert new["verdict"] == "block" and new["case_id"] is None
        assert new["statement_of_reasons"] is not None

        make_user(settings, "csr", "child_safety_reviewer")
        staff = staff_headers(client, settings, "csr")
        case = client.get(f"/v1/cases/{old['case_id']}", headers=staff).json()
        assert (case["priority"], case["category"]) == ("P0", "child_sexual_abuse")
        assert [r["channel"] for r in case["reports"]] == ["back_catalogue"]
        assert case["reports"][0]["explanation"].startswith("Public before it was scanned")

        # The blocked-upload job opens a case for the new upload only.
        clock.advance(timedelta(seconds=11))
        assert open_cases_for_blocked_uploads(settings, app.state.index) == 1
        with session_scope(settings.resolved_database_url) as db_session:
            from takedown.cases.models import Case

            by_content = dict(
                db_session.execute(
                    select(Case.content_id, func.count()).group_by(Case.content_id)
                ).all()
            )
        assert by_content == {"old-1": 1, "old-2": 1, "new-1": 1}


def test_back_catalogue_scan_is_recorded_when_its_case_cannot_open(
    settings,  # type: ignore[no-untyped-def]
    make_api_key,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The scan is the record: a case that cannot be opened (here, intake refusing) is logged,
    and the scan is still stored and answered."""
    from takedown.errors import InvalidInput
    from takedown.reports import flows as report_flows
    from takedown.scan.models import ContentItem

    def refuse(**_: object) -> None:
        raise InvalidInput("intake refused (test)")

    monkeypatch.setattr(report_flows, "report_scanned_upload", refuse)
    key = make_api_key("scan", "banks")
    auth = {"Authorization": f"Bearer {key}"}
    known = stand_in("rocket")
    with TestClient(create_app(settings)) as client:
        bank_pictures(client, auth, "industry", jpeg(known))
        answer = _scan(client, key, altered_copy(known), "old-9", published="true")
    assert (answer["verdict"], answer["case_id"]) == ("block", None)
    assert _removals(settings) == []
    with session_scope(settings.resolved_database_url) as db_session:
        stored = db_session.scalars(
            select(ContentItem.published).where(ContentItem.content_id == "old-9")
        ).all()
    assert stored == [True]
