"""A 200 from POST /v1/scan means the scan is durable: a real server killed (SIGKILL) right after
answering loses no ledger row, no signal row, no match event and no statement of reasons, because
the scan commits before the answer is sent."""

from __future__ import annotations

import signal

import httpx
from sqlalchemy import select

from takedown.auth.service import create_api_key
from takedown.banks import service as banks
from takedown.scan.models import ContentItem, ContentSignal, MatchEvent
from takedown.signals.service import hash_media
from takedown.store.db import dispose, session_scope
from takedown.transparency.models import StatementRecord
from tests.media import altered_copy, generated_scene, jpeg, stand_in
from tests.review_support import free_port, run_server, server_env, stop_server


def test_scans_survive_a_kill_right_after_200(settings, database_url, tmp_path) -> None:
    banked = stand_in("chelsea")
    pdq = next(
        s["value"]
        for s in hash_media(jpeg(banked), settings=settings).signals
        if s["type"] == "pdq" and s.get("variant") == "original"
    )
    with session_scope(database_url) as db_session:
        _, key = create_api_key(db_session=db_session, name="platform", scopes=["scan"])
        bank = banks.create_bank(db_session=db_session, name="k", category="csam", action="block")
        banks.add_entries(
            db_session=db_session, bank=bank, entries=[banks.NewEntry("pdq", pdq)], added_by="t"
        )
    uploads = {
        "blocked-0": altered_copy(banked),
        "blocked-1": jpeg(banked, quality=70),
        "allowed-0": jpeg(generated_scene(1)),
        "allowed-1": jpeg(generated_scene(2)),
    }
    port = free_port()
    env = {**server_env(database_url, tmp_path / "server-data", port)}
    env["TAKEDOWN_RUN_BACKGROUND_JOBS"] = "false"
    server = run_server(env, tmp_path / "server.log")
    answers = {}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            for content_id, data in uploads.items():
                answer = http.post(
                    "/v1/scan",
                    files={"file": (f"{content_id}.jpg", data, "image/jpeg")},
                    data={"content_id": content_id, "account_id": "uploader-1"},
                    headers={"Authorization": f"Bearer {key}"},
                )
                assert answer.status_code == 200, answer.text
                answers[content_id] = answer.json()
        server.send_signal(signal.SIGKILL)  # no shutdown hooks, no flushing
    finally:
        stop_server(server)
    assert [a["verdict"] for a in answers.values()] == ["block", "block", "allow", "allow"]

    dispose(database_url)
    with session_scope(database_url) as db_session:
        items = {i.scan_id: i for i in db_session.scalars(select(ContentItem))}
        for content_id, answer in answers.items():
            item = items[answer["scan_id"]]
            assert (item.content_id, item.verdict) == (content_id, answer["verdict"])
            assert item.signals == answer["signals"]
            stored = set(
                db_session.execute(
                    select(ContentSignal.signal_type, ContentSignal.value).where(
                        ContentSignal.content_item_id == item.id
                    )
                )
            )
            assert {("md5", s["value"]) for s in answer["signals"] if s["type"] == "md5"} <= stored
            events = db_session.scalars(
                select(MatchEvent).where(MatchEvent.content_item_id == item.id)
            ).all()
            assert len(events) == len(answer["matches"])
        statements = db_session.scalars(select(StatementRecord)).all()
        assert sorted(s.content_id for s in statements) == ["blocked-0", "blocked-1"]
        assert {s.body["puid"] for s in statements} == {
            answers[c]["statement_of_reasons"]["puid"] for c in ("blocked-0", "blocked-1")
        }
