"""Shared steps of the pdq_crop tests: benign pictures, their crops, and a bank of their
`pdq` and `pdq_crop` values made through POST /v1/hash."""

from __future__ import annotations

from PIL import Image

from tests.media import jpeg, stand_in

BANKED = ("chelsea", "coffee", "astronaut")


def picture(name: str) -> Image.Image:
    if name == "astronaut":
        from skimage import data

        return Image.fromarray(data.astronaut())
    return stand_in(name)


def crop(image: Image.Image, keep: float, at: tuple[float, float], shrink: float) -> Image.Image:
    width, height = round(image.width * keep), round(image.height * keep)
    left = round((image.width - width) * at[0])
    top = round((image.height - height) * at[1])
    cropped = image.crop((left, top, left + width, top + height))
    return cropped.resize((round(width * shrink), round(height * shrink)), Image.LANCZOS)


def bank_crop_values(client, scan, banks) -> None:  # type: ignore[no-untyped-def]
    created = client.post(
        "/v1/banks", json={"name": "known", "category": "csam", "action": "block"}, headers=banks
    )
    assert created.status_code == 201, created.text
    for name in BANKED:
        hashed = client.post(
            "/v1/hash", files={"file": ("a.png", jpeg(picture(name), 95))}, headers=scan
        )
        assert hashed.status_code == 200, hashed.text
        entries = [
            {"signal_type": s["type"], "value": s["value"]}
            for s in hashed.json()["signals"]
            if s["type"] in ("pdq", "pdq_crop") and s.get("variant") in (None, "original")
        ]
        assert {e["signal_type"] for e in entries} == {"pdq", "pdq_crop"}
        added = client.post("/v1/banks/known/entries", json={"entries": entries}, headers=banks)
        assert added.status_code == 200, added.text
