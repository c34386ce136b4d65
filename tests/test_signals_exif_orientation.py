"""Rule: EXIF orientation is applied before hashing: a camera JPEG stored sideways with an
Orientation tag hashes like the upright picture."""

from __future__ import annotations

import io

from PIL import Image

from tests.media import generated_scene, jpeg


def _original_pdq(client, headers, data: bytes) -> str:
    response = client.post("/v1/hash", files={"file": ("x.jpg", data)}, headers=headers)
    assert response.status_code == 200, response.text
    return next(
        s["value"] for s in response.json()["signals"] if s["type"] == "pdq"
    )  # original first


def _distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def test_orientation_tag_is_applied(client, auth_header) -> None:
    headers = auth_header("scan")
    upright = generated_scene(3, (800, 600))
    # Orientation 6: the stored pixels must be turned 90 degrees clockwise to display upright,
    # so a camera stores the upright picture turned anticlockwise.
    stored = upright.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    stored.save(buffer, format="JPEG", quality=92, exif=exif.tobytes())
    tagged = buffer.getvalue()

    upright_hash = _original_pdq(client, headers, jpeg(upright, quality=92))
    assert _distance(_original_pdq(client, headers, tagged), upright_hash) <= 10
    # Without the tag the same pixels hash as the sideways picture.
    assert _distance(_original_pdq(client, headers, jpeg(stored, quality=92)), upright_hash) > 40
