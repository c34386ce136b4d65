"""Parameters a route cannot use are refused as the client's error, never a 500, and a console
page answers with the console's error page (the staff API with problem+json): an integer id past
the database's 64-bit range names nothing (404 in a path, 422 in a query), a word where a number
or yes/no goes is 422."""

from __future__ import annotations

from typing import Any

from fastapi.dependencies.utils import get_flat_params
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from takedown.auth.models import Scope
from takedown.settings import Settings
from tests.review_support import console, make_user, staff_headers

TOO_LARGE = 2**63  # one past the largest SQLite INTEGER / PostgreSQL BIGINT


def _routes(routes: list[Any]) -> list[APIRoute]:
    """Every route of the app, through the routers it includes."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            found.extend(_routes(route.original_router.routes))
    return found


def _integer_parameters(route: APIRoute) -> list[tuple[str, str]]:
    """(where, name) of each integer path or query parameter a route takes."""
    path = {p.name for p in route.dependant.path_params}
    return [
        ("path" if p.name in path else "query", p.alias)
        for p in get_flat_params(route.dependant)
        if p.field_info.annotation is int or "int" in repr(p.field_info.annotation)
    ]


def test_an_id_too_large_for_the_database_is_a_404_not_a_500(
    client: TestClient, app: Any, settings: Settings, auth_header: Any
) -> None:
    make_user(settings, "lead", "admin")
    browser = console(app, "lead")
    credentials = [staff_headers(client, settings, "lead"), auth_header(*[s.value for s in Scope])]
    tried = 0
    for route in _routes(app.routes):
        for where, name in _integer_parameters(route):
            url = route.path
            for other in route.dependant.path_params:
                value = str(TOO_LARGE) if other.name == name else "x"
                url = url.replace("{" + other.name + "}", value)
            if where == "query":
                url += f"?{name}={TOO_LARGE}"
            for method in route.methods:
                answers = [
                    browser.client.request(
                        method, url, data={"csrf_token": browser.csrf}, headers=headers
                    )
                    for headers in credentials
                ]
                statuses = [a.status_code for a in answers]
                assert 500 not in statuses, (method, url, answers[statuses.index(500)].text)
                if name.endswith("_id") or name in ("entry", "before"):  # a row's id, not a count
                    assert (404 if where == "path" else 422) in statuses, (method, url, statuses)
                    tried += 1
    assert tried >= 12  # media previews, reveals and videos, bank entries, audit pages, paging


def test_a_bad_value_on_a_console_page_shows_the_console_error_page_not_json(
    client: TestClient, app: Any, settings: Settings
) -> None:
    make_user(settings, "lead", "admin")
    browser = console(app, "lead")
    user_id = make_user(settings, "rev-1", "reviewer")
    html = {"Accept": "text/html"}
    for answer in (
        browser.get("/console/queue?language=" + "x" * 40, headers=html),
        browser.get("/console/audit?before=notadate", headers=html),
        browser.post(f"/console/staff/{user_id}/disabled", {"disabled": "maybe"}, headers=html),
        browser.post(f"/console/staff/{user_id}/disabled", {}, headers=html),
    ):
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"].startswith("text/html")
        assert "Invalid input" in answer.text and "Back to the queue" in answer.text
    assert (
        "at most 35 characters"
        in browser.get("/console/queue?language=" + "x" * 40, headers=html).text
    )
    # The staff API keeps answering in problem+json.
    api = client.get("/v1/audit?before=notadate", headers=staff_headers(client, settings, "lead"))
    assert api.status_code == 422
    assert api.headers["content-type"] == "application/problem+json"
    assert api.json()["errors"][0]["field"] == "before"
