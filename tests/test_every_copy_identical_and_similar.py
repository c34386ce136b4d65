"""Every copy: a violating decision finds, in the ledger of past scans, every identical copy
(same MD5 / video MD5: TAKE IT DOWN Act) and every substantially similar one (PDQ within the
bank threshold against every stored variant, vPDQ video match: UK OSA), links each to the case,
sends content.remove for each, and flags the accounts that posted them. Unrelated uploads are
left alone."""

from __future__ import annotations

from fastapi.testclient import TestClient

from takedown.api.app import create_app
from tests.enforcement_support import (
    case_enforcement,
    decide_violating,
    removal_orders,
    report_with_media,
    scan,
)
from tests.media import altered_copy, generated_scene, jpeg, slideshow, stand_in
from tests.review_support import make_user, staff_headers


def test_identical_and_similar_image_copies_are_all_removed(settings, make_api_key):
    key = make_api_key("scan")
    original = jpeg(stand_in("rocket"))
    with TestClient(create_app(settings)) as client:
        scan(client, key, original, "dup-identical", "acct-a")
        scan(client, key, altered_copy(stand_in("rocket")), "dup-similar", "acct-b")
        scan(client, key, jpeg(stand_in("coffee")), "unrelated", "acct-c")
        scan(client, key, original, "orig", "acct-u")
        filed = report_with_media(
            client,
            original,
            content_id="orig",
            account_id="acct-u",
            category="non_consensual_intimate_imagery",
        )
        decide_violating(client, settings, filed["case_id"], policy="ncii")

        make_user(settings, "viewer", "child_safety_reviewer")
        items = {
            i["content_id"]: i
            for i in case_enforcement(client, settings, filed["case_id"])["items"]
        }
        assert set(items) == {"orig", "dup-identical", "dup-similar"}
        assert items["orig"]["match_kind"] == "reported"
        assert items["dup-identical"]["match_kind"] == "identical"
        assert items["dup-identical"]["signal_type"] in {"md5", "sha256"}
        assert items["dup-similar"]["match_kind"] == "similar"
        assert items["dup-similar"]["signal_type"].startswith("pdq")
        assert 0 < items["dup-similar"]["distance"] <= 31
        assert set(removal_orders(settings)) == {"orig", "dup-identical", "dup-similar"}

        make_user(settings, "lawyer", "legal")
        legal = staff_headers(client, settings, "lawyer")
        for account in ("acct-a", "acct-b"):
            page = client.get(f"/v1/accounts/{account}", headers=legal).json()
            assert page["flagged_for_review"] is True, page
            assert page["cases"][0]["case_id"] == filed["case_id"]
        assert (
            client.get("/v1/accounts/acct-c", headers=legal).json()["flagged_for_review"] is False
        )


def test_video_copies_match_by_video_md5_and_vpdq(settings, make_api_key):
    key = make_api_key("scan")
    scenes = [generated_scene(11), generated_scene(12)]
    reported = slideshow(scenes, seconds_each=2.0, fps=10)
    re_encoded = slideshow(scenes, seconds_each=2.0, fps=8)  # other bytes, same pictures
    other = slideshow([generated_scene(21), generated_scene(22)], seconds_each=2.0, fps=10)
    with TestClient(create_app(settings)) as client:
        scan(client, key, reported, "vid-identical", "acct-a", filename="a.mp4")
        scan(client, key, re_encoded, "vid-similar", "acct-b", filename="b.mp4")
        scan(client, key, other, "vid-unrelated", "acct-c", filename="c.mp4")
        filed = report_with_media(
            client,
            reported,
            content_id="vid-orig",
            account_id="acct-u",
            category="non_consensual_intimate_imagery",
            filename="v.mp4",
        )
        decide_violating(client, settings, filed["case_id"], policy="ncii")
        make_user(settings, "viewer", "child_safety_reviewer")
        items = {
            i["content_id"]: i
            for i in case_enforcement(client, settings, filed["case_id"])["items"]
        }
        assert set(items) == {"vid-orig", "vid-identical", "vid-similar"}
        assert items["vid-identical"]["match_kind"] == "identical"
        assert items["vid-identical"]["signal_type"] in {"video_md5", "video_sha256"}
        assert items["vid-similar"] == items["vid-similar"] | {
            "match_kind": "similar",
            "signal_type": "vpdq",
        }
