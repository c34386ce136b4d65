"""Helpers for the review and console tests: staff users, reports through the public API, and a
console browser session (cookie + CSRF token) on a TestClient."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient

from takedown import clock
from takedown.auth.users import create_user, get_user_by_username
from takedown.settings import Settings
from takedown.store.db import session_scope
from tests.media import jpeg, stand_in

PASSWORD = "correct horse battery staple"


def user_id_of(settings: Settings, username: str) -> str:
    with session_scope(settings.resolved_database_url) as db_session:
        user = get_user_by_username(db_session=db_session, username=username)
        assert user is not None, username
        return user.id


def make_user(settings: Settings, username: str, role: str) -> str:
    """Create a staff user through the users service; returns its id."""
    with session_scope(settings.resolved_database_url) as db_session:
        user = create_user(db_session=db_session, username=username, role=role, password=PASSWORD)
        return user.id


def report(
    client: TestClient,
    *,
    category: str = "child_sexual_abuse",
    image: bytes | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """File a report through POST /v1/reports (multipart with a benign image when given). A
    picture sent from the public names no case to its reporter: `case_id` is then the case staff
    find from the report's reference."""
    body: dict[str, Any] = {"category": category, **fields}
    if category not in ("child_sexual_abuse", "child_sexual_exploitation"):
        body.setdefault("content_url", "https://platform.example/p/1")
        body.setdefault("explanation", "breaks the rules")
        body.setdefault("reporter", {"name": "A Person", "email": "person@example.org"})
        body.setdefault("good_faith_statement", True)
        body.setdefault("signature", "A Person")
    elif "content_id" not in body and "content_url" not in body and image is None:
        body["content_url"] = "https://platform.example/p/cs"
    if image is not None:
        answer = client.post(
            "/v1/reports",
            data={"report": json.dumps(body)},
            files={"file": ("upload.jpg", image, "image/jpeg")},
        )
    else:
        answer = client.post("/v1/reports", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json() | {"case_id": reported_case(client, answer.json())}


def benign_image(name: str = "chelsea") -> bytes:
    return jpeg(stand_in(name))


def staff_headers(client: TestClient, settings: Settings, username: str) -> dict[str, str]:
    from takedown.auth.users import issue_staff_token

    with session_scope(settings.resolved_database_url) as db_session:
        token = issue_staff_token(db_session=db_session, username=username)
    return {"Authorization": f"Bearer {token}"}


CASE_READER = "case-reader"  # a child-safety reviewer: may see every case


def case_reader(client: TestClient, settings: Settings) -> dict[str, str]:
    """A child-safety reviewer's token (the reviewer is created on the first call in a test's
    database)."""
    with session_scope(settings.resolved_database_url) as db_session:
        if get_user_by_username(db_session=db_session, username=CASE_READER) is None:
            create_user(
                db_session=db_session,
                username=CASE_READER,
                role="child_safety_reviewer",
                password=PASSWORD,
            )
    return staff_headers(client, settings, CASE_READER)


def case_seen_by_staff(client: TestClient, settings: Settings, case_id: str) -> dict[str, Any]:
    """The case as staff see it: GET /v1/cases/{case_id} with a child-safety reviewer's token."""
    answer = client.get(f"/v1/cases/{case_id}", headers=case_reader(client, settings))
    assert answer.status_code == 200, answer.text
    return answer.json()


def without_references(text: str, ack: dict[str, Any]) -> str:
    """`text` (a page, an email) with what differs between any two reports taken out: the
    report's reference and tracking token (from its answer `ack`), and times."""
    text = text.replace(ack["report_id"], "REPORT").replace(ack["tracking_token"], "TOKEN")
    return re.sub(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?", "TIME", text)


def reported_case(client: TestClient, ack: dict[str, Any]) -> str:
    """The case a report is on: from its answer, or, where its reporter is told no case (a
    picture sent from the public with no place that shows it), as staff find it."""
    if ack["case_id"]:
        return str(ack["case_id"])
    return case_of_report(client, client.app.state.settings, ack["report_id"])  # type: ignore[attr-defined]


def case_of_report(client: TestClient, settings: Settings, report_id: str) -> str:
    """The case a report is on, as staff find it from the report's reference (a reporter by
    fingerprint alone is told no case): GET /v1/reports/{report_id}."""
    answer = client.get(f"/v1/reports/{report_id}", headers=case_reader(client, settings))
    assert answer.status_code == 200, answer.text
    return str(answer.json()["case_id"])


_SECRET = re.compile(r"data-secret>([A-Z2-7 ]+)<")


@dataclass
class Authenticator:
    """A reviewer's authenticator app: TOTP codes of the test clock's now, never one twice (the
    server refuses a replay), so a second sign-in within 30 s takes the next step's code."""

    secret: str
    last_step: int = -1

    def code(self) -> str:
        totp = pyotp.TOTP(self.secret)
        for drift in (0, 1):
            moment = clock.now() + timedelta(seconds=30 * drift)
            if totp.timecode(moment) > self.last_step:
                self.last_step = totp.timecode(moment)
                return totp.at(moment)
        raise AssertionError("three sign-ins within one 30 s step: advance the clock")


# (app, username) -> the authenticator the console's set-up page gave that user
AUTHENTICATOR: dict[tuple[int, str], Authenticator] = {}

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF field on the page"
    return match.group(1)


@dataclass
class ConsoleBrowser:
    """A TestClient signed in to the console, remembering the session's CSRF token."""

    client: TestClient
    csrf: str = ""

    def login(self, username: str, password: str = PASSWORD) -> Any:
        """Sign in as a reviewer would: password, then the authenticator's code (enrolling at the
        first sign-in). Answers the password step's response; a refused code fails the test."""
        form = self.client.get("/console/login")
        answer = self.client.post(
            "/console/login",
            data={"username": username, "password": password, "csrf_token": csrf_from(form.text)},
            follow_redirects=False,
        )
        if answer.status_code == 303 and answer.headers["location"].startswith("/console/login/"):
            self.second_factor(answer.headers["location"], username)
        if answer.status_code == 303:
            page = self.client.get("/console/queue")
            self.csrf = csrf_from(page.text)
        return answer

    def second_factor(self, step: str, username: str) -> Any:
        page = self.client.get(step)
        key = (id(self.client.app), username)
        if step == "/console/login/setup":
            secret = _SECRET.search(page.text)
            assert secret, "no secret on the set-up page"
            AUTHENTICATOR[key] = Authenticator(secret.group(1).replace(" ", ""))
        answer = self.client.post(
            step,
            data={"code": AUTHENTICATOR[key].code(), "csrf_token": csrf_from(page.text)},
            follow_redirects=False,
        )
        assert answer.status_code in (200, 303), answer.text
        return answer

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, **kw)

    def post(self, path: str, data: dict[str, str] | None = None, **kw: Any) -> Any:
        payload = {"csrf_token": self.csrf, **(data or {})}
        kw.setdefault("follow_redirects", False)
        return self.client.post(path, data=payload, **kw)

    def decide(self, case_id: str, outcome: str, **fields: str) -> Any:
        data = {"outcome": outcome, "reason": fields.pop("reason", "looked at it"), **fields}
        return self.post(f"/console/cases/{case_id}/decisions", data)


def console(app: Any, username: str) -> ConsoleBrowser:
    """A separate browser (own cookie jar) signed in as `username`."""
    browser = ConsoleBrowser(TestClient(app, base_url="http://testserver"))
    answer = browser.login(username)
    assert answer.status_code == 303, answer.text
    return browser


def track_status(client: TestClient, tracking_token: str) -> str:
    """The plain-words status the reporter sees on /track/{token}."""
    page = client.get(f"/track/{tracking_token}")
    assert page.status_code == 200, page.text
    return page.text


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(database_url: str, data_dir: Any, port: int) -> dict[str, str]:
    import os

    return {
        **os.environ,
        "TAKEDOWN_DATA_DIR": str(data_dir),
        "TAKEDOWN_DATABASE_URL": database_url,
        "TAKEDOWN_PORT": str(port),
        "TAKEDOWN_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "TAKEDOWN_QUALITY_SAMPLE_PERCENT": "0",  # random; tests of quality checks set 100
    }


# A 2-core machine running other tests besides can take a while to start a server.
READY_SECONDS = 120


def run_server(env: dict[str, str], log_path: Any, *options: str, command: str = "serve") -> Any:
    """Start `takedown serve [options]` (or `command`, such as `demo`) and wait until /readyz
    answers; returns the Popen."""
    import subprocess
    import sys
    import time

    import httpx

    base = env["TAKEDOWN_PUBLIC_BASE_URL"]
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process by stop_server
    process = subprocess.Popen(
        [sys.executable, "-m", "takedown.cli.main", command, *options],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    process.log = log  # type: ignore[attr-defined]
    deadline = time.monotonic() + READY_SECONDS
    while True:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            stop_server(process)
            raise RuntimeError(Path(log_path).read_text())
        time.sleep(0.3)


def stop_server(process: Any) -> None:
    import subprocess

    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    process.log.close()


BROWSER_TIMEOUT_MS = 90_000  # two shared cores: argon2 and page loads can be slow


def send_intimate_imagery_form_and_track(page: Any) -> None:
    """Fill in the rest of the public form's intimate-imagery request (email, good-faith
    statement, signature), send it, and open the tracking link it answers with."""
    page.fill("#reporter-email", "jo@example.org")
    page.check("#good_faith_statement-input")
    page.fill("#signature", "Jo Example")
    page.click("button[type=submit]")
    page.wait_for_selector("#tracking-link")
    page.click("#tracking-link")
    page.wait_for_selector("#status")


def sign_in_in_browser(  # type: ignore[no-untyped-def]
    browser: Any, base: str, username: str, password: str, visit: Any = None, context: Any = None
):
    """A browser context (a new one unless given) signed in to the console as a first-time user:
    password, then the authenticator set up from the key on the page, then the recovery codes
    saved. `visit(page, name)` is called on each page on the way. Returns (context, page) on the
    queue."""
    import pyotp

    context = context or browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{base}/console")
    page.wait_for_selector("#username")
    if visit:
        visit(page, "console sign-in")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation(url=f"{base}/console/login/setup"):
        page.click("form.login button[type=submit]")
    if visit:
        visit(page, "two-factor set-up")
    secret = page.text_content("[data-secret]") or ""
    page.fill("#code", pyotp.TOTP(secret.replace(" ", "")).now())
    page.click("form.login button[type=submit]")
    assert len(page.locator(".recovery-codes li").all()) == 10
    if visit:
        visit(page, "recovery codes")
    with page.expect_navigation(url=f"{base}/console/queue**"):
        page.click("text=I have saved them")
    return context, page


CHROMIUM = Path("/usr/bin/chromium")  # Debian's; Playwright never downloads a browser here
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BROWSER_TEST_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's /usr/bin/chromium is not installed"),
]


def launch_chromium(playwright: Any) -> Any:
    """Debian's Chromium, headless, through Playwright."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )


PHONE_SCREEN = {"width": 390, "height": 844}  # CSS pixels of a common phone


def wider_than_the_screen(page: Any) -> list[str]:
    """What makes the page wider than the phone's screen (PHONE_SCREEN): the page's width and the
    widest elements; nothing when it fits. A page wider than the screen is zoomed out by the phone
    until it is small to read, or scrolls sideways."""
    width = page.evaluate("document.documentElement.scrollWidth")
    limit = PHONE_SCREEN["width"]
    if width <= limit and page.evaluate("window.innerWidth") == limit:
        return []
    culprits = page.evaluate(
        """limit => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > limit + 1)
            .slice(0, 5)
            .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : ''))""",
        limit,
    )
    return [f"{page.url}: {width}px wide", *culprits]


def console_server_user(tmp_path: Path, username: str, password: str, role: str) -> None:
    """Add a staff user with `role` to the `console_server` started in `tmp_path` (the CLI's
    `takedown user create`)."""
    import subprocess
    import sys

    env = server_env(f"sqlite:///{tmp_path / 'server.db'}", tmp_path / "data", 0)
    command = ["user", "create", "--username", username, "--role", role, "--password-stdin"]
    subprocess.run(
        [sys.executable, "-m", "takedown.cli.main", *command],
        input=password + "\n",
        text=True,
        env=env,
        check=True,
        capture_output=True,
    )


def console_server_api_key(tmp_path: Path, *scopes: str) -> str:
    """A platform API key with `scopes` on the `console_server` started in `tmp_path`, made by
    the CLI (`takedown apikey create`)."""
    command = ["apikey", "create", "--name", "platform", "--json"]
    command += [part for scope in scopes for part in ("--scope", scope)]
    return str(_console_server_cli(tmp_path, command)["key"])


def console_server_case(server: str, tmp_path: Path, filed: dict[str, Any], username: str) -> str:
    """The case of a report filed on the `console_server` in `tmp_path`: from its answer, or,
    where its reporter is told no case (a picture sent from the public with no place that shows
    it), as staff `username` find it from the report's reference."""
    import httpx

    if filed["case_id"]:
        return str(filed["case_id"])
    token = console_server_token(tmp_path, username)
    found = httpx.get(
        f"{server}/v1/reports/{filed['report_id']}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    assert found.status_code == 200, found.text
    return str(found.json()["case_id"])


def console_server_token(tmp_path: Path, username: str) -> str:
    """A staff API token for `username` on the `console_server` started in `tmp_path`, issued
    by the CLI (`takedown user token`)."""
    command = ["user", "token", "--username", username, "--json"]
    return str(_console_server_cli(tmp_path, command)["token"])


def _console_server_cli(tmp_path: Path, command: list[str]) -> dict[str, Any]:
    """What a `takedown ... --json` command prints, run on the `console_server`'s database."""
    import subprocess
    import sys

    env = server_env(f"sqlite:///{tmp_path / 'server.db'}", tmp_path / "data", 0)
    done = subprocess.run(
        [sys.executable, "-m", "takedown.cli.main", *command],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(done.stdout))


@contextmanager
def console_server(tmp_path: Path, reviewers: dict[str, str], **settings: str) -> Iterator[str]:
    """A real `takedown serve` on SQLite with child-safety reviewers (username: password) and
    `settings` as TAKEDOWN_* variables ({"wellbeing_daily_reveal_limit": "1"}); its base URL."""
    import subprocess
    import sys

    env = server_env(f"sqlite:///{tmp_path / 'server.db'}", tmp_path / "data", free_port())
    env |= {f"TAKEDOWN_{name.upper()}": value for name, value in settings.items()}
    cli = [sys.executable, "-m", "takedown.cli.main"]
    subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
    for username, password in reviewers.items():
        subprocess.run(
            [*cli, "user", "create", "--username", username, "--role", "child_safety_reviewer",
             "--password-stdin"],
            input=password + "\n", text=True, env=env, check=True, capture_output=True,
        )  # fmt: skip
    process = run_server(env, tmp_path / "server.log")
    try:
        yield env["TAKEDOWN_PUBLIC_BASE_URL"]
    finally:
        stop_server(process)
