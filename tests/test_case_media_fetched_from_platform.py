"""A case's media can be fetched from the platform by content id (TAKEDOWN_PLATFORM_MEDIA_URL),
hashed and matched like a scan; a bank match raises the priority. The fetch only goes to allowed
hosts, refuses private addresses not explicitly allowed, follows no redirects, and is capped."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler

import pytest
from fastapi.testclient import TestClient

from takedown.cases.fetching import fetch_pending_media
from takedown.cases.service import get_case
from takedown.signals.service import hash_media
from takedown.store.db import session_scope
from tests.media import altered_copy, jpeg, stand_in
from tests.reports_support import file_report, http_server
from tests.review_support import case_seen_by_staff


class Platform(BaseHTTPRequestHandler):
    paths: list[str] = []
    media: dict[str, bytes] = {}

    def do_GET(self) -> None:
        type(self).paths.append(self.path)
        name = self.path.rsplit("/", 1)[-1]
        if name == "moved":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data")
            self.end_headers()
            return
        data = type(self).media.get(name)
        if data is None:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def platform():  # type: ignore[no-untyped-def]
    Platform.paths = []
    Platform.media = {
        "post-1": altered_copy(stand_in("chelsea")),
        "post-2": jpeg(stand_in("coffee")),
    }
    with http_server(Platform) as server:
        yield server.server_port


def configure(app, settings, url: str, allowed: list[str], **more):  # type: ignore[no-untyped-def]
    app.state.settings = configured = settings.model_copy(
        update={"platform_media_url": url, "platform_media_allowed_hosts": allowed, **more}
    )
    return configured


@pytest.fixture
def banked(cli, settings, tmp_path):  # type: ignore[no-untyped-def]
    pdq = next(
        s["value"]
        for s in hash_media(jpeg(stand_in("chelsea")), settings=settings).signals
        if s["type"] == "pdq" and s["variant"] == "original"
    )
    csv_file = tmp_path / "bank.csv"
    csv_file.write_text(f"signal_type,signal_str,collab,category,tags\npdq,{pdq},C,CSAM,x\n")
    assert cli("bank", "create", "known", "--category", "csam", "--action", "block").exit_code == 0
    assert cli("bank", "import", "known", str(csv_file), "--format", "csv").exit_code == 0


def test_fetched_media_is_hashed_matched_and_raises_priority(app, settings, platform, banked):
    configured = configure(
        app, settings, f"http://127.0.0.1:{platform}/media/{{content_id}}", ["127.0.0.1"]
    )
    with TestClient(app) as client:
        answer = file_report(client, "child_sexual_abuse", content_id="post-1")
        assert case_seen_by_staff(client, settings, answer["case_id"])["priority"] == "P1"
        assert fetch_pending_media(configured, app.state.index) == 1
        assert fetch_pending_media(configured, app.state.index) == 0  # done once
        seen = case_seen_by_staff(client, settings, answer["case_id"])
    assert Platform.paths == ["/media/post-1"]
    assert seen["priority"] == "P0" and seen["bank_match"]
    (media,) = seen["media"]
    assert media["source"] == "platform" and media["matches"][0]["bank"] == "known"
    assert any(s["type"] == "pdq" for s in media["signals"])


def test_host_not_on_the_allow_list_is_refused(client, app, settings, platform):
    configured = configure(
        app, settings, f"http://localhost:{platform}/media/{{content_id}}", ["127.0.0.1"]
    )
    answer = file_report(client, "child_sexual_abuse", content_id="post-2")
    assert fetch_pending_media(configured, None) == 0
    assert Platform.paths == []
    with session_scope(settings.resolved_database_url) as db_session:
        case = get_case(db_session=db_session, case_id=answer["case_id"])
        assert case.media_fetch_state == "failed" and "ALLOWED_HOSTS" in case.media_fetch_error


def test_allowed_name_resolving_to_loopback_is_refused_unless_that_address_is_allowed(
    client, app, settings, platform
):
    configured = configure(
        app, settings, f"http://localhost:{platform}/media/{{content_id}}", ["localhost"]
    )
    answer = file_report(client, "child_sexual_abuse", content_id="post-2")
    fetch_pending_media(configured, None)
    assert Platform.paths == []
    with session_scope(settings.resolved_database_url) as db_session:
        error = get_case(db_session=db_session, case_id=answer["case_id"]).media_fetch_error
    assert "non-public address" in error


def test_content_id_cannot_escape_the_url_template(client, app, settings, platform):
    configured = configure(
        app, settings, f"http://127.0.0.1:{platform}/media/{{content_id}}", ["127.0.0.1"]
    )
    file_report(client, "child_sexual_abuse", content_id="../admin?x=1#y")
    fetch_pending_media(configured, None)
    assert Platform.paths == ["/media/..%2Fadmin%3Fx%3D1%23y"]


def test_redirects_are_not_followed_and_size_is_capped(client, app, settings, platform):
    configured = configure(
        app,
        settings,
        f"http://127.0.0.1:{platform}/media/{{content_id}}",
        ["127.0.0.1"],
        platform_media_max_bytes=1000,
    )
    moved = file_report(client, "child_sexual_abuse", content_id="moved")
    big = file_report(client, "child_sexual_abuse", content_id="post-2")
    assert fetch_pending_media(configured, None) == 0
    assert Platform.paths.count("/media/moved") == 1  # nothing else was requested
    with session_scope(settings.resolved_database_url) as db_session:
        assert "302" in get_case(db_session=db_session, case_id=moved["case_id"]).media_fetch_error
        big_case = get_case(db_session=db_session, case_id=big["case_id"])
        assert "1000-byte limit" in big_case.media_fetch_error
        assert big_case.media_fetch_state == "pending"  # retried later with backoff
    assert case_seen_by_staff(client, settings, big["case_id"])["media"] == []
