"""Rule: a mirrored or rotated copy's PDQ is close to one of the original's eight variants
(the named one), so dihedral copies still match."""

from __future__ import annotations

from PIL import Image

from tests.media import generated_scene, jpeg, stand_in

CLOSE = 20  # re-encoding and resampling noise; unrelated images sit near 128


def _signals(client, headers, data: bytes) -> list[dict]:
    response = client.post("/v1/hash", files={"file": ("x.jpg", data)}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["signals"]


def _distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def test_each_transform_matches_its_named_variant(client, auth_header) -> None:
    headers = auth_header("scan")
    transforms = {
        "flip_horizontal": Image.Transpose.FLIP_LEFT_RIGHT,
        "flip_vertical": Image.Transpose.FLIP_TOP_BOTTOM,
        "rotate90": Image.Transpose.ROTATE_90,
        "rotate180": Image.Transpose.ROTATE_180,
        "rotate270": Image.Transpose.ROTATE_270,
        "transpose": Image.Transpose.TRANSPOSE,
        "transverse": Image.Transpose.TRANSVERSE,
    }
    for image in (stand_in("coffee"), generated_scene(7, (900, 600))):
        signals = _signals(client, headers, jpeg(image))
        variants = {s["variant"]: s["value"] for s in signals if s["type"] == "pdq"}
        assert len(variants) == 8
        for variant, transform in transforms.items():
            copy = _signals(client, headers, jpeg(image.transpose(transform), quality=80))
            copy_hash = next(s["value"] for s in copy if s["type"] == "pdq")  # original first
            assert _distance(copy_hash, variants[variant]) <= CLOSE, variant
            assert _distance(copy_hash, variants["original"]) > 2 * CLOSE, variant


def test_signal_list_shape(client, auth_header) -> None:
    signals = _signals(client, auth_header("scan"), jpeg(stand_in("rocket")))
    pdq = [s for s in signals if s["type"] == "pdq"]
    assert [s["variant"] for s in pdq] == [
        "original", "rotate90", "rotate180", "rotate270",
        "flip_vertical", "flip_horizontal", "transpose", "transverse",
    ]  # fmt: skip
    assert {"md5", "sha256"} <= {s["type"] for s in signals}
    for signal in pdq:
        assert len(signal["value"]) == 64 and 0 <= signal["quality"] <= 100
        assert signal["low_quality"] is False
