"""Rule: a phone screenshot of a banked benign picture inside an app's chrome (status bar, the
poster's avatar and name above, like buttons and a caption below, navigation bar) is trimmed to
the picture and matched through POST /v1/scan; a column beside a short, wide picture is mostly
screen background, yet it is never taken for chrome and cut into the picture."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from takedown.signals.normalise import find_content, working_copy
from tests.media import jpeg, stand_in
from tests.region_support import bank_region_hashes, scan_upload

SCREEN = (720, 1520)


def _app_screenshot(picture: Image.Image, *, dark: bool) -> tuple[Image.Image, tuple[int, ...]]:
    """The screenshot and where the picture sits in it (left, top, right, bottom)."""
    background, ink = ((0, 0, 0), (240, 240, 240)) if dark else ((255, 255, 255), (20, 20, 20))
    bar = (30, 30, 30) if dark else (235, 235, 235)
    screen = Image.new("RGB", SCREEN, background)
    draw = ImageDraw.Draw(screen)
    draw.rectangle((0, 0, SCREEN[0], 56), fill=bar)
    draw.text((24, 14), "10:24", fill=ink)
    draw.rectangle((0, SCREEN[1] - 96, SCREEN[0], SCREEN[1]), fill=bar)
    draw.ellipse((20, 76, 84, 140), fill=(200, 60, 120))
    draw.text((100, 100), "someone.example", fill=ink)
    fitted = picture.resize((SCREEN[0], round(picture.height * SCREEN[0] / picture.width)))
    top = 170 + (SCREEN[1] - 96 - 170 - 170 - fitted.height) // 2
    screen.paste(fitted, (0, top))
    below = top + fitted.height + 20
    for i in range(4):
        draw.ellipse((24 + i * 70, below, 64 + i * 70, below + 40), outline=ink, width=4)
    draw.text((24, below + 60), "1,024 likes  nice view", fill=ink)
    return screen, (0, top, SCREEN[0], top + fitted.height)


def test_columns_beside_a_wide_picture_are_not_chrome() -> None:
    picture = stand_in("coffee").resize((720, 405))  # 16:9: a quarter of the screen's height
    for dark in (True, False):
        screen, (left, top, right, bottom) = _app_screenshot(picture, dark=dark)
        pixels = working_copy(screen)
        scale = pixels.shape[0] / SCREEN[1]
        box = find_content(pixels, chrome=True)
        # Every side within two working pixels of the picture: the bars, avatar row, buttons
        # and caption are gone, and no column of the picture was cut away.
        expected = np.array([left, top, right, bottom]) * scale
        found = np.array([box.left, box.top, box.right, box.bottom])
        assert np.abs(found - expected).max() <= 2, (dark, found, expected)


def test_app_screenshot_of_a_banked_picture_is_blocked(client, auth_header) -> None:
    scan, banks = auth_header("scan"), auth_header("scan", "banks")
    picture = stand_in("coffee").resize((720, 405))
    bank_region_hashes(client, scan, banks, jpeg(picture))
    screen, _ = _app_screenshot(picture, dark=True)
    answer = scan_upload(client, scan, jpeg(screen, 80))
    assert answer["verdict"] == "block"
    types = {m["signal_type"] for m in answer["matches"]}
    # Plain PDQ of the whole screen is far from the picture: the banked pdq matches only the
    # trimmed screenshot.
    assert {m["variant"] for m in answer["matches"] if m["signal_type"] == "pdq"} <= {"trimmed"}
    assert types & {"pdq_norm", "pdq_center", "pdq_band"}

    unrelated, _ = _app_screenshot(stand_in("rocket").resize((720, 405)), dark=True)
    assert scan_upload(client, scan, jpeg(unrelated, 80))["verdict"] == "allow"
