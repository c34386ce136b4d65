"""Rule: reports that name different posts of the same material, with no file attached, open
separate cases; once the platform's media of both is fetched and matches, the cases become one:
every report (and every staff note) in one case (the tracking page of each follows it), the
priority its reports earn, the earlier deadline, a `merged` case pointing at it, an audit entry; a
later report about either post joins it; a violating decision then takes down both posts.
Different media never merge, a case a reviewer is working on is not merged away, and a merge
check interrupted by a crash after the media was stored runs on the job's next pass."""

from __future__ import annotations

from datetime import datetime
from http.server import BaseHTTPRequestHandler

import pytest
from fastapi.testclient import TestClient

from takedown.audit.models import AuditEntry
from takedown.cases.fetching import fetch_pending_media
from takedown.enforcement.models import OutboxEvent
from takedown.store.db import session_scope
from tests.enforcement_support import decide_violating
from tests.media import altered_copy, jpeg, stand_in
from tests.reports_support import assert_only_open_cases_are_keyed, file_report, http_server
from tests.review_support import case_seen_by_staff, make_user, staff_headers, track_status


class Platform(BaseHTTPRequestHandler):
    media: dict[str, bytes] = {}

    def do_GET(self) -> None:
        data = type(self).media.get(self.path.rsplit("/", 1)[-1])
        self.send_response(200 if data else 404)
        self.send_header("Content-Length", str(len(data or b"")))
        self.end_headers()
        self.wfile.write(data or b"")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def serving(app, settings):  # type: ignore[no-untyped-def]
    """The app with the platform's media endpoint configured, and the settings the job uses."""
    with http_server(Platform) as server:
        configured = settings.model_copy(
            update={
                "platform_media_url": f"http://127.0.0.1:{server.server_port}/m/{{content_id}}",
                "platform_media_allowed_hosts": ["127.0.0.1"],
            }
        )
        app.state.settings = configured
        with TestClient(app) as client:
            yield client, configured


def _fetch_all(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    """The media-fetch job, as every server runs it in the background."""
    assert fetch_pending_media(settings, client.app.state.index) == 2  # type: ignore[attr-defined]


def test_fetched_media_matching_an_open_case_merges_the_cases(serving) -> None:  # type: ignore[no-untyped-def]
    client, settings = serving
    Platform.media = {
        "post-1": jpeg(stand_in("chelsea")),
        "post-2": altered_copy(stand_in("chelsea")),  # re-encoded, resized, re-posted
    }
    bystander = file_report(client, "terms_violation", content_id="post-1")
    parent = file_report(
        client,
        "child_sexual_abuse",
        content_id="post-2",
        subject_is_minor="yes",
        law_enforcement={"agency": "Example Police", "case_number": "2026-1234"},
    )
    assert bystander["case_id"] != parent["case_id"]  # nothing tells them apart yet
    case_ids = (bystander["case_id"], parent["case_id"])
    deadlines = {
        c: datetime.fromisoformat(case_seen_by_staff(client, settings, c)["deadline_at"])
        for c in case_ids
    }
    make_user(settings, "noter", "child_safety_reviewer")
    noter = staff_headers(client, settings, "noter")
    for case_id in case_ids:  # staff notes written before the merge go with the reports
        noted = client.post(f"/v1/cases/{case_id}/notes", json={"text": case_id}, headers=noter)
        assert noted.status_code == 201, noted.text

    _fetch_all(client, settings)

    seen = {c: case_seen_by_staff(client, settings, c) for c in case_ids}
    (merged,) = [c for c in seen.values() if c["status"] == "merged"]
    (kept,) = [c for c in seen.values() if c["status"] != "merged"]
    assert merged["merged_into"] == kept["case_id"] and merged["reports"] == []
    assert kept["report_count"] == len(kept["reports"]) == 2
    assert sorted(n["text"] for n in kept["notes"]) == sorted(case_ids) and not merged["notes"]
    assert {r["report_id"] for r in kept["reports"]} == {
        bystander["report_id"],
        parent["report_id"],
    }
    assert kept["is_child_safety"] and kept["category"] == "child_sexual_abuse"
    assert kept["priority"] == "P0"  # a minor, a police case number: what the parent's report earns
    assert datetime.fromisoformat(kept["deadline_at"]) <= min(deadlines.values())
    assert len(kept["media"]) == 2
    for ack in (bystander, parent):  # each reporter's tracking page follows the kept case
        assert "received" in track_status(client, ack["tracking_token"])
    with session_scope(settings.resolved_database_url) as db_session:
        audited = db_session.query(AuditEntry).filter_by(action="case.merged").one()
        assert audited.subject == kept["case_id"]
    assert_only_open_cases_are_keyed(settings)  # the merged case's media is searched as the kept's

    # A later report about the merged case's post goes straight to the kept case.
    again = file_report(client, "child_sexual_abuse", content_id=merged["content_id"])
    assert again["case_id"] == kept["case_id"]
    again_seen = case_seen_by_staff(client, settings, kept["case_id"])
    assert again_seen["report_count"] == len(again_seen["reports"]) == 3

    decide_violating(client, settings, kept["case_id"], classification="B2")
    with session_scope(settings.resolved_database_url) as db_session:
        removed = {
            e.payload()["data"]["content_id"]
            for e in db_session.query(OutboxEvent).filter_by(event_type="content.remove")
        }
    assert removed == {"post-1", "post-2"}


def test_different_media_do_not_merge(serving) -> None:  # type: ignore[no-untyped-def]
    client, settings = serving
    Platform.media = {"post-1": jpeg(stand_in("chelsea")), "post-2": jpeg(stand_in("coffee"))}
    first = file_report(client, "child_sexual_abuse", content_id="post-1")
    second = file_report(client, "child_sexual_abuse", content_id="post-2")
    _fetch_all(client, settings)
    for answer in (first, second):
        seen = case_seen_by_staff(client, settings, answer["case_id"])
        assert seen["status"] == "open" and seen["merged_into"] is None
        assert seen["report_count"] == len(seen["reports"]) == 1


def test_case_in_review_is_not_merged_away(serving) -> None:  # type: ignore[no-untyped-def]
    client, settings = serving
    Platform.media = {"post-1": jpeg(stand_in("coffee")), "post-2": jpeg(stand_in("coffee"))}
    first = file_report(client, "child_sexual_abuse", content_id="post-1")
    second = file_report(client, "child_sexual_abuse", content_id="post-2")
    make_user(settings, "csr-a", "child_safety_reviewer")
    make_user(settings, "csr-b", "child_safety_reviewer")
    for case_id, reviewer in ((first["case_id"], "csr-a"), (second["case_id"], "csr-b")):
        claimed = client.post(
            f"/v1/cases/{case_id}/claim", headers=staff_headers(client, settings, reviewer)
        )
        assert claimed.status_code == 200, claimed.text

    _fetch_all(client, settings)

    for answer in (first, second):
        seen = case_seen_by_staff(client, settings, answer["case_id"])
        assert seen["status"] == "in_review" and seen["merged_into"] is None


def test_a_merge_interrupted_after_the_media_is_stored_is_finished_later(  # type: ignore[no-untyped-def]
    serving, monkeypatch
) -> None:
    """A crash between storing the fetched media and the merge check leaves the case marked
    `merging`; the next run of the job finishes the merge from the stored media."""
    from takedown.cases import fetching

    client, settings = serving
    Platform.media = {
        "post-1": jpeg(stand_in("coffee")),
        "post-2": altered_copy(stand_in("coffee")),
    }
    first = file_report(client, "child_sexual_abuse", content_id="post-1")
    second = file_report(client, "child_sexual_abuse", content_id="post-2")

    merge_check = fetching.merge_with_matching_case
    calls: list[str] = []

    def crash_on_the_second(**kwargs):  # type: ignore[no-untyped-def]
        calls.append(kwargs["case_id"])
        if len(calls) == 2:  # both media stored; the check that would find the pair never runs
            raise SystemExit("the server stopped here")
        return merge_check(**kwargs)

    monkeypatch.setattr(fetching, "merge_with_matching_case", crash_on_the_second)
    with pytest.raises(SystemExit):
        fetch_pending_media(settings, client.app.state.index)  # type: ignore[attr-defined]
    monkeypatch.undo()
    # Nothing is left to fetch; the next run finishes the interrupted merge check.
    assert fetch_pending_media(settings, client.app.state.index) == 0  # type: ignore[attr-defined]
    seen = [case_seen_by_staff(client, settings, answer["case_id"]) for answer in (first, second)]
    assert sorted(case["status"] for case in seen) == ["merged", "open"]
    (kept,) = [case for case in seen if case["status"] == "open"]
    assert kept["report_count"] == len(kept["reports"]) == 2 and len(kept["media"]) == 2
    with session_scope(settings.resolved_database_url) as db_session:
        assert db_session.query(AuditEntry).filter_by(action="case.merged").count() == 1


def test_what_reporters_added_stays_with_their_report_when_cases_merge(serving) -> None:  # type: ignore[no-untyped-def]
    client, settings = serving
    Platform.media = {
        "post-1": jpeg(stand_in("chelsea")),
        "post-2": altered_copy(stand_in("chelsea")),
    }
    first = file_report(client, "child_sexual_abuse", content_id="post-1")
    parent = file_report(client, "child_sexual_abuse", content_id="post-2")
    for ack in (first, parent):  # each adds something before anything tells the posts apart
        added = client.post(
            f"/track/{ack['tracking_token']}/information",
            data={"police_agency": "Example Police", "police_case_number": ack["report_id"]},
            follow_redirects=False,
        )
        assert added.status_code == 303, added.text

    _fetch_all(client, settings)

    (kept,) = [
        c
        for c in (case_seen_by_staff(client, settings, a["case_id"]) for a in (first, parent))
        if c["status"] != "merged"
    ]
    added_by_report = {
        r["report_id"]: [a["law_enforcement_case_number"] for a in r["additions"]]
        for r in kept["reports"]
    }
    assert added_by_report == {
        first["report_id"]: [first["report_id"]],
        parent["report_id"]: [parent["report_id"]],
    }
