"""Rule: once a reviewer confirms an upload as child sexual abuse, child sexual exploitation or
intimate imagery shared without consent, the uploader's other uploads in the content ledger are
opened for review, each a case of its own (no notice behind it; P1, since the account's violation
is why it is reviewed, not a fact about the upload), newest first and at most
TAKEDOWN_ACCOUNT_SWEEP_LIMIT of them. Copies the decision already took down, uploads blocked at
scan and other accounts' uploads are not opened; an upload is opened once however many decisions
sweep it; other categories sweep nothing; an overturned decision stops the sweep. Accounts flagged
for posting a copy are listed for reviewers, who open their uploads for review the same way or
clear the flag with a note."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from takedown import clock
from takedown.api.app import create_app
from takedown.enforcement import account_sweep, copy_search
from takedown.settings import Settings
from tests.enforcement_support import (
    bank_pictures,
    decide_violating,
    overturn_on_uploader_appeal,
    report_with_media,
    scan,
)
from tests.media import altered_copy, generated_scene, jpeg, stand_in
from tests.metrics_support import metrics_text
from tests.review_support import CASE_READER, case_reader, console, make_user, staff_headers


@pytest.fixture(autouse=True)
def _clock_put_back():  # type: ignore[no-untyped-def]
    clock.reset()
    yield
    clock.reset()


def _searches_finish(settings: Settings) -> None:
    """The jobs every server runs: the copy search, after its cover time; then the sweep, which
    waits for it."""
    assert account_sweep.run_due(settings) == 0  # the copies first
    clock.advance(copy_search.COVER + timedelta(seconds=1))
    copy_search.run_due(settings)
    account_sweep.run_due(settings)


def _uploader_cases(client: TestClient, settings: Settings, account_id: str) -> dict[str, Any]:
    """The account's cases (as uploader, or as poster of what a case took down) by their
    content id, each with its detail."""
    headers = case_reader(client, settings)
    history = client.get(f"/v1/accounts/{account_id}", headers=headers)
    assert history.status_code == 200, history.text
    found: dict[str, Any] = {}
    for entry in history.json()["cases"]:
        detail = client.get(f"/v1/cases/{entry['case_id']}", headers=headers).json()
        found[detail["content_id"]] = detail
    return found


def _sweep(client: TestClient, settings: Settings, case_id: str) -> dict[str, Any]:
    page = client.get(f"/v1/cases/{case_id}/enforcement", headers=case_reader(client, settings))
    assert page.status_code == 200, page.text
    (sweep,) = page.json()["account_sweeps"]
    return sweep


def _confirmed_abuse_by(client: TestClient, settings: Settings, key: str, account: str) -> str:
    """`account` uploads a benign stand-in, it is reported as child sexual abuse and confirmed;
    the case id."""
    picture = jpeg(stand_in("rocket"))
    scan(client, key, picture, "u-reported", account)
    filed = report_with_media(client, picture, content_id="u-reported", account_id=account)
    decide_violating(client, settings, filed["case_id"], classification="B2")
    _searches_finish(settings)
    return str(filed["case_id"])


def test_other_uploads_of_the_uploader_are_opened_for_review(settings, make_api_key):  # type: ignore[no-untyped-def]
    key, banks_key = make_api_key("scan"), make_api_key("banks", "scan")
    with TestClient(create_app(settings)) as client:
        bank_pictures(
            client, {"Authorization": f"Bearer {banks_key}"}, "known", jpeg(stand_in("coffee"))
        )
        for n in range(3):
            scan(client, key, jpeg(generated_scene(700 + n)), f"u-other-{n}", "acct-u")
        scan(client, key, altered_copy(stand_in("rocket")), "u-copy", "acct-u")
        blocked = scan(client, key, jpeg(stand_in("coffee")), "u-blocked", "acct-u")
        assert blocked["verdict"] == "block"
        scan(client, key, jpeg(generated_scene(710)), "someone-else", "acct-x")
        case_id = _confirmed_abuse_by(client, settings, key, "acct-u")

        cases = _uploader_cases(client, settings, "acct-u")
        swept = {
            content_id: detail
            for content_id, detail in cases.items()
            if any(r["channel"] == "account_sweep" for r in detail["reports"])
        }
        assert sorted(swept) == ["u-other-0", "u-other-1", "u-other-2"]
        for detail in swept.values():
            assert detail["category"] == "child_sexual_abuse"
            assert detail["priority"] == "P1"
            assert detail["status"] == "open"
            assert (
                f"confirmed as child sexual abuse in case {case_id}"
                in (detail["reports"][0]["explanation"])
            )
        # The copy went down with the decision, not into review; the blocked upload and the
        # other account's upload were not opened.
        assert "u-copy" not in cases
        assert "someone-else" not in _uploader_cases(client, settings, "acct-x")
        assert cases["u-reported"]["case_id"] == case_id

        status = _sweep(client, settings, case_id)
        assert (status["status"], status["account_id"], status["opened"]) == ("done", "acct-u", 3)
        page = console(client.app, CASE_READER).get(f"/console/cases/{case_id}").text
        assert "3 uploads opened for review, newest first: every upload in the ledger." in page

        # Confirming one of them sweeps the account again: nothing is opened twice.
        decide_violating(
            client, settings, swept["u-other-0"]["case_id"], username="csr-2", classification="B2"
        )
        _searches_finish(settings)
        assert _sweep(client, settings, swept["u-other-0"]["case_id"])["opened"] == 0
        # The uploader's statement of reasons says how it was found: by no report, no hash list.
        statements = client.get(
            f"/v1/statements-of-reasons?case_id={swept['u-other-0']['case_id']}",
            headers=case_reader(client, settings),
        ).json()["statements"]
        (removal,) = [s for s in statements if s["restriction"] == "content.remove"]
        assert removal["statement"]["source_type"] == "SOURCE_VOLUNTARY"
        assert (
            "found by the platform's own review, not from a report"
            in (removal["statement"]["decision_facts"])
        )
        page = console(client.app, CASE_READER).get(
            f"/console/cases/{swept['u-other-0']['case_id']}"
        )
        assert "no upload left to open" in page.text
        # The explanation links the confirmed case it came from.
        link = f'confirmed as child sexual abuse in case <a href="/console/cases/{case_id}">'
        assert link in page.text
        again = _uploader_cases(client, settings, "acct-u")
        assert sorted(again) == sorted(cases)


def test_at_most_the_limit_newest_first(settings, make_api_key, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(account_sweep, "BATCH", 2)  # the cursor carries across batches
    settings.account_sweep_limit = 3
    key = make_api_key("scan")
    with TestClient(create_app(settings)) as client:
        for n in range(5):
            scan(client, key, jpeg(generated_scene(720 + n)), f"u-{n}", "acct-many")
        case_id = _confirmed_abuse_by(client, settings, key, "acct-many")

        opened = [
            content_id
            for content_id, detail in _uploader_cases(client, settings, "acct-many").items()
            if detail["reports"][0]["channel"] == "account_sweep"
        ]
        assert sorted(opened) == ["u-2", "u-3", "u-4"]
        status = _sweep(client, settings, case_id)
        assert (status["status"], status["opened"], status["max_uploads"]) == ("done", 3, 3)
        page = console(client.app, CASE_READER).get(f"/console/cases/{case_id}").text
        assert "3 uploads opened for review, newest first: the limit of 3;" in page


def test_intimate_imagery_sweeps_and_terms_violations_do_not(settings, make_api_key):  # type: ignore[no-untyped-def]
    key = make_api_key("scan")
    with TestClient(create_app(settings)) as client:
        for seed, (account, category, policy) in enumerate(
            (
                ("acct-ncii", "non_consensual_intimate_imagery", "ncii"),
                ("acct-tos", "terms_violation", "terms_of_service"),
            )
        ):
            scan(client, key, jpeg(generated_scene(740 + seed)), f"{account}-other", account)
            picture = jpeg(generated_scene(750 + seed))
            filed = report_with_media(
                client,
                picture,
                content_id=f"{account}-post",
                account_id=account,
                category=category,
            )
            decide_violating(
                client, settings, filed["case_id"], username=f"rev-{account}", policy=policy
            )
        _searches_finish(settings)
        assert "acct-ncii-other" in _uploader_cases(client, settings, "acct-ncii")
        assert "acct-tos-other" not in _uploader_cases(client, settings, "acct-tos")


def test_an_overturned_decision_stops_the_sweep(settings, make_api_key):  # type: ignore[no-untyped-def]
    key, report_key = make_api_key("scan"), make_api_key("report")
    with TestClient(create_app(settings)) as client:
        scan(client, key, jpeg(generated_scene(730)), "u-other", "acct-o")
        picture = jpeg(generated_scene(731))
        filed = report_with_media(
            client,
            picture,
            content_id="u-post",
            account_id="acct-o",
            category="non_consensual_intimate_imagery",
        )
        decide_violating(client, settings, filed["case_id"], policy="ncii", search_copies=False)
        overturn_on_uploader_appeal(client, settings, filed["case_id"], report_key)
        _searches_finish(settings)

        assert "u-other" not in _uploader_cases(client, settings, "acct-o")
        status = _sweep(client, settings, filed["case_id"])
        assert (status["status"], status["opened"]) == ("cancelled", 0)


def test_flagged_accounts_are_listed_and_reviewed(settings, make_api_key):  # type: ignore[no-untyped-def]
    key = make_api_key("scan")
    with TestClient(create_app(settings)) as client:
        # Two accounts re-posted the material; one of them has other uploads.
        scan(client, key, jpeg(generated_scene(760)), "copier-other", "acct-copier")
        scan(client, key, altered_copy(stand_in("rocket")), "copier-copy", "acct-copier")
        scan(client, key, altered_copy(stand_in("rocket")), "sharer-copy", "acct-sharer")
        case_id = _confirmed_abuse_by(client, settings, key, "acct-u")
        lead = case_reader(client, settings)

        listed = client.get("/v1/accounts", headers=lead).json()["accounts"]
        assert sorted(a["account_id"] for a in listed) == ["acct-copier", "acct-sharer"]
        account_sweep.run_due(settings)  # refreshes the gauge on-call alerts on
        assert "takedown_accounts_flagged_for_review 2.0" in metrics_text(client)
        assert all(case_id in a["flag_reason"] for a in listed)
        browser = console(client.app, CASE_READER)
        page = browser.get("/console/accounts").text
        assert "acct-copier" in page and "acct-sharer" in page
        assert "2 accounts flagged for review" in browser.get("/console/queue").text

        # A plain reviewer cannot open an account's uploads (they may be child abuse material).
        make_user(settings, "plain", "reviewer")
        refused = client.post(
            "/v1/accounts/acct-copier/sweeps",
            json={"note": "re-posted it"},
            headers=staff_headers(client, settings, "plain"),
        )
        assert refused.status_code == 403

        swept = browser.post(
            "/console/accounts/acct-copier/sweeps", {"note": "re-posted abuse material"}
        )
        assert swept.status_code == 303, swept.text
        assert browser.get(swept.headers["location"]).status_code == 200
        twice = client.post(
            "/v1/accounts/acct-copier/sweeps", json={"note": "clicked twice"}, headers=lead
        )
        assert (twice.status_code, twice.json()["code"]) == (409, "sweep_running")
        account_sweep.run_due(settings)
        copier = _uploader_cases(client, settings, "acct-copier")
        assert copier["copier-other"]["reports"][0]["channel"] == "account_sweep"
        assert "copier-copy" not in copier  # taken down by the decision, not reviewed again

        cleared = client.post(
            "/v1/accounts/acct-sharer/clear-flag",
            json={"note": "shared it to ask for it to be taken down"},
            headers=lead,
        )
        assert cleared.status_code == 200, cleared.text
        assert cleared.json()["flag_note"] == "shared it to ask for it to be taken down"
        again = client.post(
            "/v1/accounts/acct-sharer/clear-flag", json={"note": "again"}, headers=lead
        )
        assert (again.status_code, again.json()["code"]) == (409, "not_flagged")
        assert client.get("/v1/accounts", headers=lead).json()["accounts"] == []
        account_sweep.run_due(settings)
        assert "takedown_accounts_flagged_for_review 0.0" in metrics_text(client)

        # An account no confirmed case links has nothing to sweep because of.
        unknown = client.post(
            "/v1/accounts/acct-nobody/sweeps", json={"note": "curious"}, headers=lead
        )
        assert (unknown.status_code, unknown.json()["code"]) == (409, "no_confirmed_case")
        scan(client, key, jpeg(generated_scene(761)), "plain-post", "acct-plain")
        page = browser.post("/console/accounts/acct-plain/sweeps", {"note": "curious"})
        assert page.status_code == 409 and "no confirmed case links this account" in page.text
        assert "nothing to open its uploads for review because of" in page.text
        copier_page = client.get("/v1/accounts/acct-copier", headers=lead).json()
        assert copier_page["confirmed_case_id"] == case_id


def test_two_workers_never_open_an_upload_twice(  # type: ignore[no-untyped-def]
    settings, make_api_key, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(account_sweep, "BATCH", 2)
    monkeypatch.setattr(account_sweep, "LEASE", timedelta(0))  # both may hold the sweep at once
    key = make_api_key("scan")
    with TestClient(create_app(settings)) as client:
        for n in range(6):
            scan(client, key, jpeg(generated_scene(770 + n)), f"w-{n}", "acct-w")
        picture = jpeg(stand_in("rocket"))
        scan(client, key, picture, "w-reported", "acct-w")
        filed = report_with_media(client, picture, content_id="w-reported", account_id="acct-w")
        decide_violating(client, settings, filed["case_id"], classification="B2")
        clock.advance(copy_search.COVER + timedelta(seconds=1))
        copy_search.run_due(settings)

        opened: list[int] = []
        workers = [
            threading.Thread(target=lambda: opened.append(account_sweep.run_due(settings)))
            for _ in range(2)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()

        cases = _uploader_cases(client, settings, "acct-w")
        swept = sorted(c for c, d in cases.items() if d["reports"][0]["channel"] == "account_sweep")
        assert swept == [f"w-{n}" for n in range(6)]
        assert all(len(cases[c]["reports"]) == 1 for c in swept)
        assert sum(opened) == 6
        assert _sweep(client, settings, filed["case_id"])["opened"] == 6
