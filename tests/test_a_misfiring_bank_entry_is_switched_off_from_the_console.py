"""Rule: a misfiring bank entry is switched off from the console. A child-safety reviewer follows
a case's match (or a reporter's fingerprint) to its bank entry, switches it off with a reason,
and the next scan no longer matches it; switched on again, it matches again. The reason and the
person are in the audit log. Plain reviewers have no Banks pages."""

from __future__ import annotations

from tests.enforcement_support import bank_pictures, scan
from tests.media import generated_scene, jpeg
from tests.review_support import console, make_user, report, staff_headers

PICTURE = jpeg(generated_scene(6161))


def test_a_misfiring_bank_entry_is_switched_off_from_the_console(client, settings, make_api_key):
    key = make_api_key("scan", "banks")
    auth = {"Authorization": f"Bearer {key}"}
    (entry_id,) = bank_pictures(client, auth, "suspected", PICTURE, action="review")
    assert scan(client, key, PICTURE, "post-1", "acct-1")["verdict"] == "review"
    case_id = report(client, category="child_sexual_abuse", image=PICTURE)["case_id"]

    make_user(settings, "csr", "child_safety_reviewer")
    browser = console(client.app, "csr")
    case_page = browser.get(f"/console/cases/{case_id}").text
    assert f'href="/console/banks/entries/{entry_id}"' in case_page
    followed = browser.get(f"/console/banks/entries/{entry_id}", follow_redirects=False)
    assert followed.headers["location"] == f"/console/banks/suspected?entry={entry_id}"
    page = browser.get(followed.headers["location"]).text
    assert f'data-entry="{entry_id}"' in page and "Switch off" in page

    switch = f"/console/banks/suspected/entries/{entry_id}/disable"
    refused = browser.post(switch, {"reason": " "})
    assert refused.status_code == 422 and "say why" in refused.text
    done = browser.post(switch, {"reason": "matches a harmless meme, see case notes"})
    assert done.status_code == 303 and done.headers["location"].endswith("&done=disabled")
    page = browser.get(done.headers["location"]).text
    assert "Entry switched off" in page and "Switch on" in page
    assert scan(client, key, PICTURE, "post-2", "acct-2")["verdict"] == "allow"
    listed = browser.get("/console/banks").text
    assert 'data-bank="suspected"' in listed and "0 / 1" in listed

    make_user(settings, "lead", "admin")
    lead = staff_headers(client, settings, "lead")
    entries = client.get("/v1/audit?subject=bank:suspected", headers=lead).json()["entries"]
    (disabled,) = [e for e in entries if e["action"] == "bank.entry.disable"]
    assert disabled["details"]["reason"] == "matches a harmless meme, see case notes"
    assert disabled["actor"].startswith("user:")

    again = browser.post(
        f"/console/banks/suspected/entries/{entry_id}/enable", {"reason": "meme case closed"}
    )
    assert again.status_code == 303
    assert scan(client, key, PICTURE, "post-3", "acct-3")["verdict"] == "review"

    # Found by its hash too.
    signals = scan(client, key, PICTURE, "p4")["signals"]
    pdq = next(s["value"] for s in signals if s["type"] == "pdq")
    assert f'data-entry="{entry_id}"' in browser.get(f"/console/banks/suspected?q={pdq}").text


def test_plain_reviewers_have_no_banks_pages(client, settings, make_api_key):
    key = make_api_key("scan", "banks")
    (entry_id,) = bank_pictures(client, {"Authorization": f"Bearer {key}"}, "kb", PICTURE)
    make_user(settings, "rev", "reviewer")
    browser = console(client.app, "rev")
    assert 'href="/console/banks"' not in browser.get("/console/queue").text
    assert browser.get("/console/banks").status_code == 403
    assert browser.get(f"/console/banks/entries/{entry_id}").status_code == 403
    switched = browser.post(f"/console/banks/kb/entries/{entry_id}/disable", {"reason": "x"})
    assert switched.status_code == 403


def test_switching_an_entry_already_in_that_state_says_who_did_it_and_records_nothing(
    client, settings, make_api_key
):
    key = make_api_key("scan", "banks")
    (entry_id,) = bank_pictures(client, {"Authorization": f"Bearer {key}"}, "kb", PICTURE)
    make_user(settings, "csr-1", "child_safety_reviewer")
    make_user(settings, "csr-2", "child_safety_reviewer")
    first, second = console(client.app, "csr-1"), console(client.app, "csr-2")
    switch = f"/console/banks/kb/entries/{entry_id}"
    never_off = second.post(f"{switch}/enable", {"reason": "back on"})
    assert never_off.status_code == 409
    assert "already switched on since it was added" in never_off.text
    assert first.post(f"{switch}/disable", {"reason": "misfires"}).status_code == 303

    # The second reviewer's page was opened before the first switched it off.
    late = second.post(f"{switch}/disable", {"reason": "also misfires on case 9"})

    assert late.status_code == 409
    assert "Entry switched off" not in late.text
    assert "already switched off by csr-1 on" in late.text
    assert "Your reason was not recorded" in late.text
    make_user(settings, "lead", "admin")
    lead = staff_headers(client, settings, "lead")
    entries = client.get("/v1/audit?subject=bank:kb", headers=lead).json()["entries"]
    assert [e["details"]["reason"] for e in entries if e["action"].startswith("bank.entry")] == [
        "misfires"
    ]
