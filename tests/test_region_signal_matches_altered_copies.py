"""Rule: a boxed, overlaid or rotated copy of a banked benign image, which plain PDQ misses, is
matched through POST /v1/scan by a region signal (pdq_norm, pdq_center, pdq_band), and the match
names the signal (and the de-rotation) that fired; an unrelated image is still allowed."""

from __future__ import annotations

from PIL import Image, ImageDraw

from tests.media import jpeg, stand_in
from tests.region_support import bank_region_hashes, scan_upload


def _letterboxed(image: Image.Image) -> Image.Image:
    bar = image.height // 3
    canvas = Image.new("RGB", (image.width, image.height + 2 * bar), (0, 0, 0))
    canvas.paste(image, (0, bar))
    return canvas


def _captioned(image: Image.Image) -> Image.Image:
    """A caption block over the top-left corner (40% x 25% of the picture)."""
    copy = image.copy()
    draw = ImageDraw.Draw(copy)
    w, h = int(copy.width * 0.4), int(copy.height * 0.25)
    draw.rounded_rectangle((8, 8, 8 + w, 8 + h), radius=h // 5, fill=(250, 200, 20))
    draw.multiline_text((14, 12), "WATCH FULL\nlink in bio", fill=(20, 20, 160))
    return copy


def test_region_signals_match_boxed_overlaid_and_rotated_copies(client, auth_header) -> None:
    scan, banks = auth_header("scan"), auth_header("scan", "banks")
    bank_region_hashes(client, scan, banks, jpeg(stand_in("chelsea")))

    boxed = scan_upload(client, scan, jpeg(_letterboxed(stand_in("chelsea")), 80))
    assert boxed["verdict"] == "block"
    by_type = {m["signal_type"]: m for m in boxed["matches"]}
    # Plain PDQ misses the letterboxed copy: the banked pdq matches only its trimmed picture.
    assert by_type["pdq"]["variant"] == "trimmed"
    assert by_type["pdq_norm"]["distance"] <= 31

    rotated = stand_in("chelsea").rotate(
        8, resample=Image.BICUBIC, expand=True, fillcolor=(0, 0, 0)
    )
    turned = scan_upload(client, scan, jpeg(rotated, 80))
    assert turned["verdict"] == "block"
    assert {m["signal_type"] for m in turned["matches"]} <= {"pdq", "pdq_norm", "pdq_center"}
    assert {m.get("variant") for m in turned["matches"]} & {"rotated -8", "rotated -4"}
    # The banked pdq matches only a de-rotated trimmed picture, never the turned copy as it is.
    assert all(
        m.get("variant", "").startswith("trimmed, rotated")
        for m in turned["matches"]
        if m["signal_type"] == "pdq"
    )

    unrelated = scan_upload(client, scan, jpeg(stand_in("rocket")))
    assert unrelated["verdict"] == "allow" and unrelated["matches"] == []


def test_center_region_matches_a_captioned_copy(client, auth_header) -> None:
    scan, banks = auth_header("scan"), auth_header("scan", "banks")
    bank_region_hashes(client, scan, banks, jpeg(stand_in("coffee")))
    answer = scan_upload(client, scan, jpeg(_captioned(stand_in("coffee")), 80))
    assert answer["verdict"] == "block"
    by_type = {m["signal_type"]: m for m in answer["matches"]}
    assert "pdq" not in by_type  # the caption moves plain PDQ past 31
    assert by_type["pdq_center"]["distance"] <= 31
    # The caption sits in the top band; the bottom band is untouched.
    assert by_type["pdq_band"]["distance"] <= 16
