"""Rule: GET /v1/cases and GET /v1/webhooks/outbox list everything, a page at a time: each page
gives `next`, the `after` of the page that follows (null after the last), in the list's own
order, so no row is skipped or repeated, ties included. A cursor the list did not give is 422
`invalid_cursor`; a query parameter a route does not read (`offset`) is 422
`unknown_parameter`, never silently ignored."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from takedown import clock
from takedown.enforcement.models import EventType
from takedown.enforcement.outbox import enqueue
from takedown.settings import Settings
from takedown.store.db import session_scope
from tests.review_support import make_user, report, staff_headers


def _pages(client: TestClient, path: str, key: str, headers: dict[str, str]) -> list[Any]:
    rows: list[Any] = []
    after: str | None = None
    for _ in range(20):
        params = {"limit": "2"} | ({"after": after} if after else {})
        answer = client.get(path, params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        rows += answer.json()[key]
        after = answer.json()["next"]
        if after is None:
            return rows
    raise AssertionError("the pages never ended")


def test_every_case_can_be_listed_page_by_page(client: TestClient, settings: Settings) -> None:
    make_user(settings, "rev-pg", "reviewer")
    headers = staff_headers(client, settings, "rev-pg")
    with clock.frozen_at(datetime(2026, 3, 1, 12, tzinfo=UTC)):  # equal deadlines: ties
        for n in range(5):
            report(client, category="terms_violation", content_url=f"https://p.example/{n}")
    everything = client.get("/v1/cases", params={"limit": "1000"}, headers=headers).json()
    assert len(everything["cases"]) == 5 and everything["next"] is None
    paged = _pages(client, "/v1/cases", "cases", headers)
    assert [c["case_id"] for c in paged] == [c["case_id"] for c in everything["cases"]]


def test_every_webhook_event_can_be_listed_page_by_page(
    client: TestClient, settings: Settings
) -> None:
    make_user(settings, "adm-pg", "admin")
    headers = staff_headers(client, settings, "adm-pg")
    moment = datetime(2026, 3, 1, 12, tzinfo=UTC)  # one moment: every event ties
    with clock.frozen_at(moment), session_scope(settings.resolved_database_url) as db_session:
        for n in range(5):
            enqueue(
                db_session=db_session,
                event_type=EventType.CASE_UPDATED,
                data={"n": n},
                subject=f"content-{n}",
            )
    paged = _pages(client, "/v1/webhooks/outbox", "events", headers)
    assert len({e["event_id"] for e in paged}) == len(paged) == 5


def test_a_list_refuses_what_it_does_not_read(client: TestClient, settings: Settings) -> None:
    make_user(settings, "adm-q", "admin")
    headers = staff_headers(client, settings, "adm-q")
    for path in ("/v1/cases", "/v1/webhooks/outbox"):
        offset = client.get(path, params={"offset": "1000"}, headers=headers)
        assert offset.status_code == 422, offset.text
        assert offset.json()["code"] == "unknown_parameter"
        assert [e["field"] for e in offset.json()["errors"]] == ["offset"]
        for cursor in ("nonsense", "WyJQMCJd", "x" * 2000):
            wrong = client.get(path, params={"after": cursor}, headers=headers)
            assert wrong.status_code == 422, (path, cursor, wrong.text)
    cursor_of_cases = client.get("/v1/cases", params={"limit": "1"}, headers=headers)
    assert cursor_of_cases.json()["next"] is None  # no cases yet
