"""Rule: known material cannot stay up because it was uploaded before its hash was known. Every
hash banked later is looked for among the uploads already scanned, by the scan's own rule (a
mirrored copy too): a live upload matching a csam bank opens a P0 case, an ncii bank a P1 case
(channel found_after_upload, no notice behind it). Uploads blocked at upload, allowed uploads that
match nothing, and matches in other banks open nothing; each upload opens one case however
often the job runs, and hashes banked later start a search of their own."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from PIL import ImageOps

from takedown import clock
from takedown.api.app import create_app
from takedown.lookback.service import run_lookback
from tests.enforcement_support import (  # noqa: F401 (moving_clock: fixture)
    bank_pictures,
    moving_clock,
    scan,
)
from tests.media import generated_scene, jpeg
from tests.metrics_support import metrics_text
from tests.review_support import console, make_user, staff_headers

KNOWN = generated_scene(7101)
INTIMATE = generated_scene(7202)
SPAM = generated_scene(7303)
LATER = generated_scene(7404)


def _bank(client: TestClient, headers: dict[str, str], name: str, category: str) -> None:
    created = client.post(
        "/v1/banks", json={"name": name, "category": category, "action": "block"}, headers=headers
    )
    assert created.status_code == 201, created.text


def _metric(client: TestClient, name: str) -> float:
    for line in metrics_text(client).splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not on /metrics")


def _cases(client: TestClient, headers: dict[str, str]) -> dict[str, dict]:  # type: ignore[type-arg]
    """Every case, in full, by content id."""
    listed = client.get("/v1/cases?queue=all", headers=headers).json()["cases"]
    full = [client.get(f"/v1/cases/{c['case_id']}", headers=headers).json() for c in listed]
    return {case["content_id"]: case for case in full}


@pytest.mark.usefixtures("moving_clock")
def test_live_upload_matching_a_hash_banked_later_opens_a_case(settings, make_api_key):  # type: ignore[no-untyped-def]
    key = make_api_key("scan", "banks")
    auth = {"Authorization": f"Bearer {key}"}
    app = create_app(settings)
    with TestClient(app) as client:
        for name, category in (("industry", "csam"), ("stopncii", "ncii"), ("spam", "other")):
            _bank(client, auth, name, category)
        # Scanned while no bank knew them: all allowed, all up.
        mirrored = jpeg(ImageOps.mirror(KNOWN), quality=80)
        assert scan(client, key, mirrored, "post-1", "acct-1")["verdict"] == "allow"
        assert scan(client, key, jpeg(INTIMATE, 85), "post-2", "acct-2")["verdict"] == "allow"
        assert scan(client, key, jpeg(SPAM, 85), "post-3", "acct-3")["verdict"] == "allow"
        assert scan(client, key, jpeg(LATER, 85), "post-4", "acct-4")["verdict"] == "allow"
        assert scan(client, key, jpeg(generated_scene(1)), "post-5", "acct-5")["verdict"] == (
            "allow"
        )

        bank_pictures(client, auth, "industry", jpeg(KNOWN))[0]
        bank_pictures(client, auth, "stopncii", jpeg(INTIMATE))[0]
        bank_pictures(client, auth, "spam", jpeg(SPAM))[0]
        # Uploaded after banking: blocked at upload (that path opens its own case).
        assert scan(client, key, jpeg(KNOWN), "post-6", "acct-6")["verdict"] == "block"

        assert run_lookback(settings, app.state.index) == 0  # the changes are settling
        clock.advance(timedelta(seconds=11))
        assert run_lookback(settings, app.state.index) == 2
        assert run_lookback(settings, app.state.index) == 0  # nothing new banked

        make_user(settings, "csr", "child_safety_reviewer")
        csr = staff_headers(client, settings, "csr")
        cases = _cases(client, csr)
        assert set(cases) == {"post-1", "post-2"}
        abuse, intimate = cases["post-1"], cases["post-2"]
        assert (abuse["category"], abuse["priority"]) == ("child_sexual_abuse", "P0")
        assert "the media matches a hash bank" in abuse["priority_reasons"]
        assert abuse["account_id"] == "acct-1"
        assert [r["channel"] for r in abuse["reports"]] == ["found_after_upload"]
        assert "bank industry" in abuse["reports"][0]["explanation"]
        assert (intimate["category"], intimate["priority"]) == (
            "non_consensual_intimate_imagery",
            "P1",
        )

        # A hash banked later starts a search of its own: it finds post-4, and post-1 and
        # post-2 open nothing twice.
        bank_pictures(client, auth, "industry", jpeg(LATER))[0]
        clock.advance(timedelta(seconds=11))
        assert run_lookback(settings, app.state.index) == 1
        assert sorted(_cases(client, csr)) == ["post-1", "post-2", "post-4"]

        page = console(app, "csr").get(f"/console/cases/{abuse['case_id']}").text
        assert "found by Takedown: up, and matches a hash banked after upload" in page


@pytest.mark.usefixtures("moving_clock")
def test_lookback_goes_on_where_the_last_run_stopped(settings, make_api_key, monkeypatch):  # type: ignore[no-untyped-def]
    """A search larger than one run resumes from its position in the next run (every process's
    job may take it), searching each upload once."""
    from takedown.lookback import service

    monkeypatch.setattr(service, "BATCH", 2)
    monkeypatch.setattr(service, "RUN_SECONDS", 0.0)  # one batch a run
    key = make_api_key("scan", "banks")
    auth = {"Authorization": f"Bearer {key}"}
    app = create_app(settings)
    with TestClient(app) as client:
        _bank(client, auth, "industry", "csam")
        for number in range(4):
            picture = jpeg(generated_scene(8000 + number))
            assert scan(client, key, picture, f"other-{number}", "acct")["verdict"] == "allow"
        assert scan(client, key, jpeg(KNOWN, 85), "post-last", "acct-9")["verdict"] == "allow"
        bank_pictures(client, auth, "industry", jpeg(KNOWN))[0]
        clock.advance(timedelta(seconds=11))
        found = [run_lookback(settings, app.state.index)]
        assert _metric(client, "takedown_lookback_progress_ratio") == 0.4  # 2 of 5 uploads
        (running,) = client.get("/v1/lookback", headers=auth).json()["searches"]
        assert (running["status"], running["entries"]) == ("running", 1)
        assert (running["uploads_searched"], running["uploads_in_range"]) == (2, 5)
        clock.advance(timedelta(minutes=1))
        found += [run_lookback(settings, app.state.index) for _ in range(3)]
        assert found == [0, 0, 1, 0]  # rows 1-2, 3-4, 5 (found), then nothing left
        assert _metric(client, "takedown_lookback_progress_ratio") == 1.0
        assert _metric(client, "takedown_lookback_running_seconds") == 0.0
        (done,) = client.get("/v1/lookback", headers=auth).json()["searches"]
        assert (done["status"], done["uploads_searched"], done["found"]) == ("done", 5, 1)
        make_user(settings, "csr", "child_safety_reviewer")
        assert list(_cases(client, staff_headers(client, settings, "csr"))) == ["post-last"]


@pytest.mark.usefixtures("moving_clock")
def test_hashes_a_decision_banked_are_left_to_its_every_copy_search(settings, make_api_key):  # type: ignore[no-untyped-def]
    """A confirmed case banks its media's hashes and its every-copy search removes the earlier
    copies, so the lookback opens no second case for each of them, even when it runs first."""
    from takedown.enforcement import copy_search
    from tests.enforcement_support import decide_violating, report_with_media

    key = make_api_key("scan")
    picture = jpeg(generated_scene(7505))
    app = create_app(settings)
    with TestClient(app) as client:
        for n in range(2):
            assert scan(client, key, picture, f"copy-{n}", f"acct-{n}")["verdict"] == "allow"
        filed = report_with_media(
            client,
            picture,
            content_id="orig",
            account_id="acct-orig",
            category="non_consensual_intimate_imagery",
        )
        decide_violating(client, settings, filed["case_id"], policy="ncii", search_copies=False)
        clock.advance(timedelta(seconds=11))
        assert run_lookback(settings, app.state.index) == 0
        assert copy_search.run_due(settings) == 2
        make_user(settings, "csr", "child_safety_reviewer")
        assert list(_cases(client, staff_headers(client, settings, "csr"))) == ["orig"]


@pytest.mark.usefixtures("moving_clock")
def test_hash_withdrawn_during_a_search_opens_no_case(settings, make_api_key, monkeypatch):  # type: ignore[no-untyped-def]
    """An entry disabled while a search runs (an exchange withdrew it, a person disabled it)
    opens no case for the uploads the search reaches afterwards."""
    from takedown.lookback import service

    monkeypatch.setattr(service, "BATCH", 2)
    monkeypatch.setattr(service, "RUN_SECONDS", 0.0)
    key = make_api_key("scan", "banks")
    auth = {"Authorization": f"Bearer {key}"}
    kept, withdrawn = generated_scene(7606), generated_scene(7707)
    app = create_app(settings)
    with TestClient(app) as client:
        _bank(client, auth, "industry", "csam")
        for number in range(2):
            picture = jpeg(generated_scene(8100 + number))
            assert scan(client, key, picture, f"other-{number}", "acct")["verdict"] == "allow"
        assert scan(client, key, jpeg(kept, 85), "post-kept", "acct-1")["verdict"] == "allow"
        assert scan(client, key, jpeg(withdrawn, 85), "post-gone", "acct-2")["verdict"] == "allow"
        bank_pictures(client, auth, "industry", jpeg(kept))[0]
        gone = bank_pictures(client, auth, "industry", jpeg(withdrawn))[0]
        clock.advance(timedelta(seconds=11))
        assert run_lookback(settings, app.state.index) == 0  # the two unrelated uploads

        disabled = client.post(f"/v1/banks/industry/entries/{gone}/disable", headers=auth)
        assert disabled.status_code == 200, disabled.text
        assert run_lookback(settings, app.state.index) == 1
        make_user(settings, "csr", "child_safety_reviewer")
        assert list(_cases(client, staff_headers(client, settings, "csr"))) == ["post-kept"]


@pytest.mark.usefixtures("moving_clock")
def test_bank_that_can_match_more_is_looked_back(settings, make_api_key):  # type: ignore[no-untyped-def]
    """A bank enabled again, moved out of `other` or given a higher threshold matches uploads it
    did not match before: the lookback searches the ledger for all of its entries. Disabling a
    bank or lowering a threshold starts no search."""
    key = make_api_key("scan", "banks")
    auth = {"Authorization": f"Bearer {key}"}
    known, misfiled = generated_scene(7808), generated_scene(7909)
    app = create_app(settings)

    def settle_and_look() -> int:
        clock.advance(timedelta(seconds=11))
        return run_lookback(settings, app.state.index)

    def searches() -> list[dict]:  # type: ignore[type-arg]
        return list(client.get("/v1/lookback", headers=auth).json()["searches"])

    def update(bank: str, **changes: object) -> None:
        answer = client.patch(f"/v1/banks/{bank}", json=changes, headers=auth)
        assert answer.status_code == 200, answer.text

    with TestClient(app) as client:
        _bank(client, auth, "industry", "csam")
        triage = client.post(
            "/v1/banks", json={"name": "triage", "category": "other", "action": "review"},
            headers=auth,
        )  # fmt: skip
        assert triage.status_code == 201, triage.text
        bank_pictures(client, auth, "industry", jpeg(known))[0]
        bank_pictures(client, auth, "triage", jpeg(misfiled))[0]
        assert settle_and_look() == 0  # nothing uploaded yet
        update("industry", enabled=False)
        assert settle_and_look() == 0
        assert len(searches()) == 1  # disabling widens nothing

        # While the bank was off, and while the picture's bank was `other`: up.
        assert scan(client, key, jpeg(known, 80), "post-off", "acct-1")["verdict"] == "allow"
        assert scan(client, key, jpeg(misfiled, 80), "post-other", "acct-2")["verdict"] == "review"

        make_user(settings, "csr", "child_safety_reviewer")
        csr = staff_headers(client, settings, "csr")
        update("industry", enabled=True)
        assert settle_and_look() == 1
        assert searches()[0]["entries"] == 1
        assert list(_cases(client, csr)) == ["post-off"]

        update("triage", category="csam")
        assert settle_and_look() == 1
        assert sorted(_cases(client, csr)) == ["post-off", "post-other"]

        update("triage", threshold=20)
        assert settle_and_look() == 0
        assert len(searches()) == 3  # a lower threshold finds nothing new
        update("triage", threshold=31)
        # post-other, found again (a review bank: still up, under review); post-off is down.
        assert settle_and_look() == 1
        assert len(searches()) == 4
        cases = _cases(client, csr)
        assert sorted(cases) == ["post-off", "post-other"]  # and no second case for it
        assert len(cases["post-other"]["reports"]) == 1


@pytest.mark.usefixtures("moving_clock")
def test_an_upload_found_again_by_the_same_entries_is_the_same_finding(  # type: ignore[no-untyped-def]
    settings, make_api_key, caplog
):
    """A widened bank's search finds an upload again by the entries that found it before. The
    finding's words may have changed since (the bank was renamed): it is the same finding, no
    second report and no error, not a refused reuse of its key."""
    key = make_api_key("scan", "banks")
    auth = {"Authorization": f"Bearer {key}"}
    known = generated_scene(7818)
    app = create_app(settings)
    with TestClient(app) as client:
        _bank(client, auth, "industry", "csam")
        assert scan(client, key, jpeg(known, 80), "post-up", "acct-1")["verdict"] == "allow"
        client.patch("/v1/banks/industry", json={"threshold": 20, "action": "review"}, headers=auth)
        bank_pictures(client, auth, "industry", jpeg(known))[0]
        clock.advance(timedelta(seconds=11))
        assert run_lookback(settings, app.state.index) == 1

        renamed = client.patch(
            "/v1/banks/industry", json={"name": "ncmec-list", "threshold": 31}, headers=auth
        )
        assert renamed.status_code == 200, renamed.text
        clock.advance(timedelta(seconds=11))
        with caplog.at_level("ERROR", logger="takedown.lookback.service"):
            assert run_lookback(settings, app.state.index) == 1
        assert not [r for r in caplog.records if r.levelname == "ERROR"], caplog.text

        make_user(settings, "csr", "child_safety_reviewer")
        cases = _cases(client, staff_headers(client, settings, "csr"))
        assert list(cases) == ["post-up"]
        assert len(cases["post-up"]["reports"]) == 1
        assert "bank industry" in cases["post-up"]["reports"][0]["explanation"]
