"""The audit log can be read, not only verified: a case page shows the case's own activity in
order (who reported, revealed, decided), and legal and admins search the whole log on the
console, through the staff API (`GET /v1/audit`) and the CLI (`takedown audit show`), newest
first with paging. Reviewers cannot search it."""

from __future__ import annotations

import json
import re

from tests.media import jpeg, stand_in
from tests.review_support import console, make_user, reported_case, staff_headers


def _case_with_media(client, settings):  # type: ignore[no-untyped-def]
    answer = client.post(
        "/v1/reports",
        data={"report": json.dumps({"category": "child_sexual_abuse"})},
        files={"file": ("upload.jpg", jpeg(stand_in("rocket")), "image/jpeg")},
    )
    assert answer.status_code == 201, answer.text
    case_id = reported_case(client, answer.json())
    make_user(settings, "ada", "admin")
    detail = client.get(f"/v1/cases/{case_id}", headers=staff_headers(client, settings, "ada"))
    return case_id, detail.json()["media"][0]["media_id"]


def _actions_in_table(html: str) -> list[str]:
    return re.findall(r'<tr data-action="([^"]+)">', html)


def test_case_page_shows_the_cases_activity_in_order(app, client, settings):
    case_id, media_id = _case_with_media(client, settings)
    make_user(settings, "carol", "child_safety_reviewer")
    carol = console(app, "carol")
    carol.post(f"/console/cases/{case_id}/media/{media_id}/reveal", headers={"HX-Request": "true"})
    carol.decide(case_id, "violating", policy="csam", classification="B1")
    page = carol.get(f"/console/cases/{case_id}").text
    actions = _actions_in_table(page)
    assert actions.index("report.received") < actions.index("media.revealed")
    assert actions.index("media.revealed") < actions.index("decision.recorded")
    reveal_row = page[page.index('<tr data-action="media.revealed">') :].split("</tr>")[0]
    assert "carol" in reveal_row  # the reviewer's name, not only an id


def test_legal_and_admins_search_the_log_reviewers_cannot(app, client, settings):
    case_id, media_id = _case_with_media(client, settings)
    make_user(settings, "carol", "child_safety_reviewer")
    make_user(settings, "lee", "legal")
    carol = console(app, "carol")
    carol.post(f"/console/cases/{case_id}/media/{media_id}/reveal", headers={"HX-Request": "true"})
    assert carol.get("/console/audit", headers={"accept": "text/html"}).status_code == 403

    lee = console(app, "lee")
    everything = _actions_in_table(lee.get("/console/audit").text)
    assert {"report.received", "media.revealed", "console.login"} <= set(everything)
    reveals = lee.get("/console/audit", params={"action": "media."}).text
    assert set(_actions_in_table(reveals)) == {"media.revealed"} and "carol" in reveals
    of_case = _actions_in_table(lee.get("/console/audit", params={"subject": case_id}).text)
    assert "console.login" not in of_case and "media.revealed" in of_case

    legal_token = staff_headers(client, settings, "lee")
    api = client.get("/v1/audit", params={"limit": 2}, headers=legal_token)
    assert api.status_code == 200
    first_page = api.json()["entries"]
    assert len(first_page) == 2 and first_page[0]["seq"] > first_page[1]["seq"]
    older = client.get(
        "/v1/audit", params={"before": first_page[-1]["seq"], "limit": 1000}, headers=legal_token
    ).json()["entries"]
    assert older and all(e["seq"] < first_page[-1]["seq"] for e in older)
    reviewer_token = staff_headers(client, settings, "carol")
    assert client.get("/v1/audit", headers=reviewer_token).status_code == 403


def test_cli_shows_entries_newest_first(client, settings, cli):
    case_id, _ = _case_with_media(client, settings)
    result = cli("audit", "show", "--subject", case_id, "--json")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows and all(row["subject"] == case_id for row in rows)
    assert [row["seq"] for row in rows] == sorted((row["seq"] for row in rows), reverse=True)
    assert "report.received" in {row["action"] for row in rows}
    plain = cli("audit", "show", "--action", "user.", "--limit", "1")
    assert plain.exit_code == 0 and "user.token_issued" in plain.stdout
