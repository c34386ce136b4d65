"""The failure Takedown exists to end, replayed through its public surfaces (README, "The
mission"): a child's abuse video stayed up for over a week; the victim and his mother reported it
five times with a police case number and got "no violation"; the posting account had shared such
material before; it came down only when a federal agent stepped in.

Here, with benign stand-ins for every picture and video:
- the posting account's earlier upload of known material was blocked at upload;
- the victim reports through the public web form with only the post's link, no account, no ID;
  his mother reports by the API; five reports in all join one case, acknowledged at once;
- the case is P0 with a one-hour deadline, says why, and escalates on its own as time passes;
- one reviewer's "no violation" does not stand, and the reporters are not told it;
- a second reviewer's violating decision removes the post and a re-post by another account,
  suspends the poster, banks the video so a re-upload is blocked, preserves encrypted evidence,
  files an XSD-valid CyberTipline report carrying the police case number, and tells the mother;
- the platform takes the post down but misses the re-post: the removal check says which is
  verified down and which is still visible (and alerts on-call);
- what else the poster had up is opened for review, and the re-poster's account is flagged;
- the audit log of all of it verifies.
"""

from __future__ import annotations

import base64
import re
import secrets
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from pydantic import SecretStr

from takedown import clock
from takedown.api.app import create_app
from takedown.cases.fetching import fetch_pending_media
from takedown.cases.scheduled import escalate_due_cases
from takedown.enforcement import account_sweep, copy_search
from takedown.enforcement.delivery import deliver_due
from takedown.enforcement.removal_checks import check_due_removals
from takedown.ncmec.scheduled import file_due_reports
from takedown.ncmec.xml import validate
from takedown.notify.scheduled import deliver_notifications
from tests.enforcement_support import SECRET, Receiver, moving_clock  # noqa: F401 (fixture)
from tests.media import generated_scene, jpeg, slideshow, stand_in
from tests.ncmec_factories import ncmec_settings, sandbox
from tests.reports_support import platform_server, smtp_server
from tests.review_support import make_user, staff_headers

POST_URL = "https://platform.example/watch/1"
POLICE = {"agency": "Example County Police", "case_number": "ECP-2026-0713"}


def _video(size: tuple[int, int], fps: int) -> bytes:
    return slideshow(
        [stand_in("chelsea").resize(size), stand_in("rocket").resize(size)],
        seconds_each=2.0,
        fps=fps,
    )


def _scan(client, key, data, content_id, account_id, url="", name="upload.mp4"):  # type: ignore[no-untyped-def]
    answer = client.post(
        "/v1/scan",
        files={"file": (name, data, "application/octet-stream")},
        data={"content_id": content_id, "account_id": account_id, "content_url": url},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def _form_report(client, **fields: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """The public web form, as a child fills it in: (case reference, tracking link)."""
    page = client.post("/report", data=fields)
    assert page.status_code == 201, page.text
    case_ref = re.search(r'id="case-reference">([^<]+)<', page.text)
    link = re.search(r'id="tracking-link" href="([^"]+)"', page.text)
    assert case_ref and link, page.text
    return case_ref.group(1), link.group(1).replace("http://testserver", "")


def _api_report(client, **body: object) -> dict:  # type: ignore[no-untyped-def]
    answer = client.post("/v1/reports", json={"category": "child_sexual_abuse", **body})
    assert answer.status_code == 201, answer.text
    return answer.json()


@pytest.mark.usefixtures("moving_clock")
def test_reported_abuse_video_comes_down_without_outside_help(settings, make_api_key, cli):
    video = _video((320, 240), fps=10)
    repost = _video((288, 216), fps=8)  # re-encoded, resized, re-timed by another account
    known_picture = jpeg(generated_scene(9001))
    receiver = Receiver().start()
    with (
        sandbox() as ncmec,
        smtp_server() as (inbox, smtp_port),
        platform_server(media={"vid-1": video}, visible={"vid-1", "vid-9"}) as (platform, port),
    ):
        settings = ncmec_settings(
            settings,
            ncmec,
            platform_webhook_url=receiver.url,
            platform_webhook_secret=SecretStr(SECRET),
            evidence_key=SecretStr(base64.b64encode(secrets.token_bytes(32)).decode()),
            smtp_host="127.0.0.1",
            smtp_port=smtp_port,
            platform_media_url=f"http://127.0.0.1:{port}/media/{{content_id}}",
            platform_media_allowed_hosts=["127.0.0.1"],
            platform_content_status_url=f"http://127.0.0.1:{port}/status/{{content_id}}",
        )
        key = make_api_key("scan", "banks")
        with TestClient(create_app(settings)) as client:
            # An industry hash list holds a known picture; the poster's upload of it was blocked.
            auth = {"Authorization": f"Bearer {key}"}
            client.post(
                "/v1/banks",
                json={"name": "industry", "category": "csam", "action": "block"},
                headers=auth,
            )
            hashed = client.post(
                "/v1/hash", files={"file": ("k.jpg", known_picture, "image/jpeg")}, headers=auth
            ).json()
            pdq = next(s["value"] for s in hashed["signals"] if s["type"] == "pdq")
            client.post(
                "/v1/banks/industry/entries",
                json={"entries": [{"signal_type": "pdq", "value": pdq}]},
                headers=auth,
            )
            blocked = _scan(client, key, known_picture, "img-0", "acct-poster", name="k.jpg")
            assert blocked["verdict"] == "block"
            # Something else the poster put up, which no bank knows.
            other = jpeg(generated_scene(9002))
            assert _scan(client, key, other, "img-2", "acct-poster", name="p.jpg")["verdict"] == (
                "allow"
            )

            # The video itself is new to every bank: it goes up, and so does a re-post.
            assert _scan(client, key, video, "vid-1", "acct-poster", POST_URL)["verdict"] == "allow"
            assert _scan(client, key, repost, "vid-9", "acct-resharer")["verdict"] == "allow"

            # Five reports: the victim by the web form with the link someone sent him, his
            # mother by the API; no account, no ID, each answered at once with the case.
            case_id, victim_link = _form_report(
                client,
                category="child_sexual_abuse",
                content_url=f"{POST_URL}?si=shared-link",
                subject_is_minor="yes",
                **{
                    "reporter.role": "victim",
                    "law_enforcement.agency": POLICE["agency"],
                    "law_enforcement.case_number": POLICE["case_number"],
                },
            )
            mother = {"role": "parent_or_guardian", "email": "mother@example.org"}
            answers = [
                _api_report(
                    client,
                    content_url=POST_URL,
                    subject_is_minor="yes",
                    reporter=mother,
                    law_enforcement=POLICE,
                    explanation=f"Report number {n}: this is my son, he is 13.",
                )
                for n in range(2, 5)
            ]
            second_ref, _ = _form_report(
                client, category="child_sexual_abuse", content_url=POST_URL
            )
            assert {a["case_id"] for a in answers} | {second_ref} == {case_id}

            csr_a, csr_b = "csr-first", "csr-second"
            make_user(settings, csr_a, "child_safety_reviewer")
            make_user(settings, csr_b, "child_safety_reviewer")
            first, second = (staff_headers(client, settings, u) for u in (csr_a, csr_b))
            case = client.get(f"/v1/cases/{case_id}", headers=first).json()
            assert case["report_count"] == 5
            assert case["priority"] == "P0"
            assert (case["content_id"], case["account_id"]) == ("vid-1", "acct-poster")
            for reason in (
                "a minor is shown",
                "reported by the person shown or a parent",
                "a police case number",
                "the uploader has earlier violations",
            ):
                assert reason in case["priority_reasons"]
            first_report = datetime.fromisoformat(case["created_at"])
            assert datetime.fromisoformat(case["deadline_at"]) - first_report == timedelta(hours=1)
            queue = client.get("/v1/cases", headers=first).json()["cases"]
            assert queue[0]["case_id"] == case_id  # first in the queue

            # Takedown fetches the video from the platform itself: nobody asks the child for it.
            assert fetch_pending_media(settings, client.app.state.index) == 1

            # One reviewer says "no violation": it does not stand, and nobody is told it.
            lone = client.post(
                f"/v1/cases/{case_id}/decisions",
                json={"outcome": "no_violation", "reason": "could not see it"},
                headers=first,
            )
            assert lone.status_code == 201 and lone.json()["decision"]["final"] is False
            tracked = client.get(victim_link).text.lower()
            assert "in review" in tracked and "no action" not in tracked
            deliver_notifications(settings)
            assert all(
                "no action" not in m.get_content().lower() for m in inbox.to("mother@example.org")
            )

            # Nobody looks for half the hour: the case escalates on its own.
            clock.advance(timedelta(minutes=31))
            assert escalate_due_cases(settings) == 1
            assert (
                client.get(f"/v1/cases/{case_id}", headers=second).json()["escalation_level"] == 1
            )

            # The second reviewer confirms it.
            decided = client.post(
                f"/v1/cases/{case_id}/decisions",
                json={
                    "outcome": "violating",
                    "policy": "child_sexual_abuse_material",
                    "classification": "A1",
                    "reason": "confirmed (benign test stand-in)",
                },
                headers=second,
            )
            assert decided.status_code == 201, decided.text
            copy_search.run_due(settings)
            deliver_due(settings)

            removed = {e["data"]["content_id"] for e in receiver.events("content.remove")}
            assert removed == {"vid-1", "vid-9"}
            suspended = [e["data"]["account_id"] for e in receiver.events("account.suspend")]
            assert "acct-poster" in suspended

            client.app.state.index.refresh()
            again = _scan(client, key, repost, "vid-10", "acct-new")
            assert again["verdict"] == "block"
            assert any(m["bank"] == "platform-confirmed" for m in again["matches"])

            assert file_due_reports(settings) and len(ncmec.state.reports) == 1
            (filed,) = ncmec.state.reports.values()
            assert filed.status == "finished" and len(filed.files) == 1
            validate(filed.report_xml.encode())
            tip = etree.fromstring(filed.report_xml.encode())
            assert tip.findtext("lawEnforcement/caseNumber") == POLICE["case_number"]
            assert tip.findtext("internetDetails/webPageIncident/url") == POST_URL

            legal = staff_headers(client, settings, _legal_user(settings))
            (package,) = client.get(f"/v1/evidence?case_id={case_id}", headers=legal).json()[
                "packages"
            ]
            assert package["package_id"]

            # The platform took the post down but missed the re-post: Takedown notices.
            platform.visible = {"vid-9"}
            clock.advance(timedelta(minutes=16))
            checked = check_due_removals(settings)
            assert (checked.verified, checked.still_up) == (1, 1)
            states = {
                item["content_id"]: item["removal"]
                for item in client.get(f"/v1/cases/{case_id}/enforcement", headers=second).json()[
                    "items"
                ]
            }
            assert states == {"vid-1": "verified_down", "vid-9": "still_up"}

            tracked = client.get(victim_link).text
            assert "action taken" in tracked.lower()
            assert "it is no longer visible" in tracked  # the victim's post, checked gone
            assert "1 other copy of it was found and removed too" in tracked
            deliver_notifications(settings)
            told = [m.get_content().lower() for m in inbox.to("mother@example.org")]
            assert any("action taken" in body for body in told)

            # What else the poster had up is opened for review, once the copies are down.
            copy_search.run_due(settings)
            account_sweep.run_due(settings)
            poster = client.get("/v1/accounts/acct-poster", headers=second).json()
            cases = [
                client.get(f"/v1/cases/{c['case_id']}", headers=second).json()
                for c in poster["cases"]
            ]
            swept = [c for c in cases if c["reports"][0]["channel"] == "account_sweep"]
            assert [c["content_id"] for c in swept] == ["img-2"]
            # The re-poster's account waits on the Accounts page for a reviewer's look.
            flagged = client.get("/v1/accounts", headers=second).json()["accounts"]
            assert [a["account_id"] for a in flagged] == ["acct-resharer"]
            # The re-upload blocked at scan was never shown: the copy search leaves it alone.
            deliver_due(settings)
            removed = {e["data"]["content_id"] for e in receiver.events("content.remove")}
            assert removed == {"vid-1", "vid-9"}
    receiver.stop()

    verified = cli("audit", "verify")
    assert verified.exit_code == 0, verified.output


def _legal_user(settings) -> str:  # type: ignore[no-untyped-def]
    make_user(settings, "legal-1", "legal")
    return "legal-1"
