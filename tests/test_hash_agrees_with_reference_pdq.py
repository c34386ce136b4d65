"""Rule: POST /v1/hash's PDQ is within distance 10 of Meta's reference PDQ on full pixels
(python-threatexchange's PdqSignal / pdqhash) for every image of quality 80 or more."""

from __future__ import annotations

import io

import numpy as np
import pdqhash
from PIL import Image
from threatexchange.signal_type.pdq.signal import PdqSignal

from tests.media import STAND_INS, generated_scene, jpeg, png, stand_in

MAX_DISTANCE = 10  # the reference's own agreement rule for quality >= 80


def _benign_files() -> list[tuple[str, bytes]]:
    files = []
    for name in STAND_INS:
        image = stand_in(name)
        files.append((f"{name}.jpg", jpeg(image, quality=90)))
        files.append((f"{name}@2x.jpg", jpeg(image.resize((image.width * 2, image.height * 2)))))
        files.append((f"{name}.png", png(image)))
    for seed, size in enumerate([(1280, 800), (1200, 900), (1000, 1000), (900, 1300), (640, 480)]):
        files.append((f"scene{seed}.jpg", jpeg(generated_scene(seed, size), quality=85)))
    return files


def _full_resolution_pdq(data: bytes) -> tuple[str, int]:
    pixels = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    bits, quality = pdqhash.compute(pixels)
    return np.packbits(bits.astype(np.uint8)).tobytes().hex(), int(quality)


def _distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def test_pdq_agrees_with_full_resolution_reference(client, auth_header) -> None:
    headers = auth_header("scan")
    compared = 0
    for filename, data in _benign_files():
        response = client.post("/v1/hash", files={"file": (filename, data)}, headers=headers)
        assert response.status_code == 200, response.text
        original = next(
            s for s in response.json()["signals"] if s["type"] == "pdq"
        )  # original first
        reference, quality = _full_resolution_pdq(data)
        if quality < 80:
            continue
        compared += 1
        assert _distance(original["value"], reference) <= MAX_DISTANCE, filename
        # python-threatexchange's own hasher gives the same full-resolution reference.
        assert PdqSignal.hash_from_bytes(data) == reference
    assert compared >= 15
