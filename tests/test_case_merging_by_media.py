"""Reports whose media is the same file (MD5), within the PDQ threshold of a case's media, or the
same video by vPDQ join that case; unrelated media opens a new case."""

from __future__ import annotations

from tests.media import altered_copy, generated_scene, jpeg, png, stand_in, video
from tests.reports_support import file_report
from tests.review_support import case_seen_by_staff, reported_case


def report_media(client, data: bytes, **fields):  # type: ignore[no-untyped-def]
    """A report of the file alone: its reporter is told no case; staff see which it joined."""
    ack = file_report(client, "child_sexual_abuse", file=data, content_url=None, **fields)
    assert ack["case_id"] is None and ack["deadline"] is None, ack
    return ack | {"case_id": reported_case(client, ack)}


def test_same_file_joins_the_case_and_is_stored_content_addressed(client, settings):
    data = jpeg(stand_in("rocket"))
    first = report_media(client, data)
    second = report_media(client, data)
    assert first["case_id"] == second["case_id"]
    media = case_seen_by_staff(client, settings, first["case_id"])["media"]
    assert len(media) == 2 and media[0]["sha256"] == media[1]["sha256"]
    stored = list(settings.media_dir.rglob(media[0]["sha256"]))
    assert len(stored) == 1 and stored[0].read_bytes() == data


def test_altered_copy_within_pdq_threshold_joins_the_case(client):
    original = report_media(client, png(stand_in("chelsea")))
    copy = report_media(client, altered_copy(stand_in("chelsea")))
    unrelated = report_media(client, jpeg(stand_in("coffee")))
    assert copy["case_id"] == original["case_id"]
    assert unrelated["case_id"] != original["case_id"]


def test_same_video_by_vpdq_joins_the_case(client):
    frames = [generated_scene(seed) for seed in (1, 1, 2, 2, 3, 3)]
    first = report_media(client, video(frames, fps=2))
    # Re-encoded at another quality/codec setting: different bytes, same frames.
    again = report_media(client, video([f.resize((480, 360)) for f in frames], fps=2))
    other = report_media(client, video([generated_scene(s) for s in (7, 8, 9)], fps=1))
    assert again["case_id"] == first["case_id"]
    assert other["case_id"] != first["case_id"]


def test_undecodable_file_is_kept_and_still_reported(client, settings):
    answer = report_media(client, b"definitely not an image")
    media = case_seen_by_staff(client, settings, answer["case_id"])["media"]
    assert media[0]["media_type"] == "unknown" and media[0]["error"]
