"""Rule: a bank holding only whole-picture PDQs, as hash exchanges ship them, blocks a letterboxed,
padded or slightly rotated copy through POST /v1/scan: the upload's trimmed picture (and its
de-rotations) is compared with the banked PDQ, and the match says so (variant "trimmed"); an
unrelated image is still allowed, and GET /v1/lookup compares a pdq_norm value the same way."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from tests.media import jpeg, stand_in
from tests.region_support import scan_upload


def _boxed(
    image: Image.Image, *, bars: tuple[int, int], colour: tuple[int, int, int]
) -> Image.Image:
    width, height = bars
    canvas = Image.new("RGB", (image.width + 2 * width, image.height + 2 * height), colour)
    canvas.paste(image, (width, height))
    return canvas


def _bank_whole_picture_pdq(client, cli, headers, tmp_path: Path, data: bytes) -> str:  # type: ignore[no-untyped-def]
    hashed = client.post("/v1/hash", files={"file": ("a.jpg", data)}, headers=headers)
    assert hashed.status_code == 200, hashed.text
    pdq = next(
        s["value"]
        for s in hashed.json()["signals"]
        if s["type"] == "pdq" and s.get("variant") == "original"
    )
    csv_file = tmp_path / "exchange.csv"
    csv_file.write_text(
        f"signal_type,signal_str,collab,category,tags\npdq,{pdq},Sample Collab,CSAM,known\n"
    )
    assert (
        cli("bank", "create", "exchange", "--category", "csam", "--action", "block").exit_code == 0
    )
    imported = cli("bank", "import", "exchange", str(csv_file), "--format", "csv")
    assert imported.exit_code == 0, imported.output
    return pdq


def test_hash_only_bank_blocks_boxed_and_rotated_copies(
    app, cli, make_api_key, tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient

    headers = {"Authorization": f"Bearer {make_api_key('scan')}"}
    original = stand_in("chelsea")
    with TestClient(app) as client:
        pdq = _bank_whole_picture_pdq(client, cli, headers, tmp_path, jpeg(original))
    with TestClient(app) as client:  # a serving process started after the import
        for copy in (
            _boxed(original, bars=(0, original.height // 3), colour=(0, 0, 0)),  # letterbox
            _boxed(original, bars=(original.width // 4, 0), colour=(0, 0, 0)),  # pillarbox
            _boxed(original, bars=(40, 40), colour=(255, 255, 255)),  # white padding
        ):
            answer = scan_upload(client, headers, jpeg(copy, 80))
            assert answer["verdict"] == "block", answer
            assert [(m["bank"], m["signal_type"], m["variant"]) for m in answer["matches"]] == [
                ("exchange", "pdq", "trimmed")
            ]
            assert answer["matches"][0]["distance"] <= 31

        turned = original.rotate(4, resample=Image.BICUBIC, expand=True, fillcolor=(0, 0, 0))
        answer = scan_upload(client, headers, jpeg(turned, 80))
        assert answer["verdict"] == "block", answer
        assert [m["variant"] for m in answer["matches"]] == ["trimmed, rotated -4"]

        unrelated = scan_upload(client, headers, jpeg(stand_in("rocket")))
        assert unrelated["verdict"] == "allow" and unrelated["matches"] == []

        looked_up = client.get(
            "/v1/lookup", params={"signal_type": "pdq_norm", "value": pdq}, headers=headers
        )
        assert looked_up.status_code == 200, looked_up.text
        assert [
            (m["signal_type"], m["variant"], m["distance"]) for m in looked_up.json()["matches"]
        ] == [("pdq", "trimmed", 0)]


def test_plain_pdq_alone_misses_the_boxed_copy(app, cli, make_api_key, tmp_path: Path) -> None:
    """The same bank and copy, matched as plain PDQ only would: the rule above is what finds it."""
    from fastapi.testclient import TestClient

    from takedown.signals.pdq import pdq_distance

    headers = {"Authorization": f"Bearer {make_api_key('scan')}"}
    original = stand_in("chelsea")
    boxed = jpeg(_boxed(original, bars=(0, original.height // 3), colour=(0, 0, 0)), 80)
    with TestClient(app) as client:
        pdq = _bank_whole_picture_pdq(client, cli, headers, tmp_path, jpeg(original))
        hashed = client.post("/v1/hash", files={"file": ("b.jpg", boxed)}, headers=headers).json()
    plain = [s["value"] for s in hashed["signals"] if s["type"] == "pdq"]
    assert min(pdq_distance(pdq, value) for value in plain) > 31
