"""Rule: every refused reveal (past the day's limit) says why under an id of its own media item,
so several refusals on one page never give two elements the same id (WCAG 4.1.1) and each
figure's explanation can be pointed at."""

from __future__ import annotations

from tests.review_support import benign_image, console, make_user, report, staff_headers


def test_each_refused_reveal_says_why_under_its_own_id(app, client, settings):  # type: ignore[no-untyped-def]
    app.state.settings = settings.model_copy(update={"wellbeing_daily_reveal_limit": 1})
    make_user(settings, "cs-1", "child_safety_reviewer")
    picture = benign_image("rocket")
    case_id = report(client, image=picture)["case_id"]
    assert report(client, image=picture)["case_id"] == case_id
    detail = client.get(f"/v1/cases/{case_id}", headers=staff_headers(client, settings, "cs-1"))
    media_ids = [m["media_id"] for m in detail.json()["media"]]
    assert len(media_ids) == 2
    reviewer = console(app, "cs-1")
    reveal = f"/console/cases/{case_id}/media/{{}}/reveal"
    first = reviewer.post(reveal.format(media_ids[0]), headers={"HX-Request": "true"})
    assert first.status_code == 200

    refusals = [
        reviewer.post(reveal.format(media_id), headers={"HX-Request": "true"})
        for media_id in media_ids
    ]
    for media_id, refused in zip(media_ids, refusals, strict=True):
        assert refused.status_code == 429
        assert f'id="reveal-withheld-{media_id}"' in refused.text
        assert 'id="reveal-withheld"' not in refused.text
    no_script = reviewer.post(reveal.format(media_ids[1]))
    assert no_script.status_code == 429
    assert no_script.text.count(f'id="reveal-withheld-{media_ids[1]}"') == 1
