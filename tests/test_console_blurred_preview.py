"""Media reaches the reviewer blurred and greyscale, made on the server; the original is only
served by a POST reveal, after an audit entry is written."""

from __future__ import annotations

import base64
import io
import re

import numpy as np
from PIL import Image, ImageFilter
from sqlalchemy import select

from takedown.audit.models import AuditEntry
from takedown.store.db import session_scope
from tests.media import generated_scene, jpeg, slideshow, stand_in
from tests.review_support import console, make_user, reported_case, staff_headers


def high_frequency_energy(image: Image.Image) -> float:
    """Mean absolute difference from a lightly blurred copy: near 0 for blurred images."""
    grey = image.convert("L")
    smooth = grey.filter(ImageFilter.GaussianBlur(2))
    return float(np.abs(np.asarray(grey, float) - np.asarray(smooth, float)).mean())


def is_greyscale(image: Image.Image) -> bool:
    if image.mode == "L":
        return True
    rgb = np.asarray(image.convert("RGB"), int)
    return bool(
        np.abs(rgb[..., 0] - rgb[..., 1]).max() <= 2
        and np.abs(rgb[..., 1] - rgb[..., 2]).max() <= 2
    )


def _case_with(client, settings, data, filename="upload.jpg", mime="image/jpeg"):  # type: ignore[no-untyped-def]
    import json

    answer = client.post(
        "/v1/reports",
        data={"report": json.dumps({"category": "child_sexual_abuse"})},
        files={"file": (filename, data, mime)},
    )
    assert answer.status_code == 201, answer.text
    case_id = reported_case(client, answer.json())
    make_user(settings, "admin1", "admin")
    detail = client.get(f"/v1/cases/{case_id}", headers=staff_headers(client, settings, "admin1"))
    return case_id, detail.json()["media"][0]["media_id"]


def test_preview_is_blurred_and_greyscale(client, app, settings):
    original = jpeg(stand_in("coffee"))
    case_id, media_id = _case_with(client, settings, original)
    make_user(settings, "carol", "child_safety_reviewer")
    carol = console(app, "carol")
    page = carol.get(f"/console/cases/{case_id}")
    assert f"/media/{media_id}/preview.jpg" in page.text
    assert base64.b64encode(original[:60]).decode()[:40] not in page.text

    preview_answer = carol.get(f"/console/cases/{case_id}/media/{media_id}/preview.jpg")
    assert preview_answer.status_code == 200
    assert preview_answer.headers["content-type"] == "image/jpeg"
    assert "no-store" in preview_answer.headers["cache-control"]
    preview = Image.open(io.BytesIO(preview_answer.content))
    assert is_greyscale(preview)
    reference = Image.open(io.BytesIO(original)).resize(preview.size)
    assert high_frequency_energy(reference) > 4 * high_frequency_energy(preview)
    assert high_frequency_energy(preview) < 1.0

    # Nothing was revealed by looking at the case.
    with session_scope(settings.resolved_database_url) as db_session:
        reveals = db_session.scalars(
            select(AuditEntry).where(AuditEntry.action == "media.revealed")
        ).all()
    assert reveals == []


def test_reveal_is_a_post_that_is_audited_first(client, app, settings):
    original = jpeg(stand_in("rocket"))
    case_id, media_id = _case_with(client, settings, original)
    make_user(settings, "carol", "child_safety_reviewer")
    carol = console(app, "carol")
    url = f"/console/cases/{case_id}/media/{media_id}/reveal"
    assert carol.get(url).status_code == 405
    assert carol.client.post(url, follow_redirects=False).status_code == 403  # no CSRF token
    answer = carol.post(url, headers={"HX-Request": "true"})
    assert answer.status_code == 200
    assert "no-store" in answer.headers["cache-control"]
    source = re.search(r'src="data:image/jpeg;base64,([^"]+)"', answer.text)
    assert source, answer.text[:500]
    assert base64.b64decode(source.group(1)) == original
    with session_scope(settings.resolved_database_url) as db_session:
        reveals = db_session.scalars(
            select(AuditEntry).where(AuditEntry.action == "media.revealed")
        ).all()
    assert len(reveals) == 1
    assert reveals[0].subject == case_id
    assert reveals[0].details["media_id"] == media_id


def test_video_preview_is_a_blurred_strip_of_frames(client, app, settings):
    video = slideshow([generated_scene(1), generated_scene(2), generated_scene(3)], 1.0)
    case_id, media_id = _case_with(client, settings, video, "clip.mp4", "video/mp4")
    make_user(settings, "carol", "child_safety_reviewer")
    carol = console(app, "carol")
    preview = Image.open(
        io.BytesIO(carol.get(f"/console/cases/{case_id}/media/{media_id}/preview.jpg").content)
    )
    assert is_greyscale(preview)
    assert preview.width > 2 * preview.height  # several frames side by side
    assert high_frequency_energy(preview) < 1.5
