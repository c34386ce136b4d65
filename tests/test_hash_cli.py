"""Rule: `takedown hash FILE...` prints one JSON line per file (file, media_type, signals), an
"error" line with a code for a file it cannot hash, and exits non-zero if any file failed."""

from __future__ import annotations

import hashlib
import json

from tests.media import generated_scene, jpeg, slideshow, stand_in


def test_hash_prints_one_line_per_file(cli, tmp_path) -> None:
    photo, clip = tmp_path / "photo.jpg", tmp_path / "clip.mp4"
    photo.write_bytes(jpeg(stand_in("chelsea")))
    clip.write_bytes(slideshow([stand_in("coffee")], seconds_each=2.0))

    result = cli("hash", str(photo), str(clip))

    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["file"] for line in lines] == [str(photo), str(clip)]
    assert [line["media_type"] for line in lines] == ["image", "video"]
    image_types = {s["type"] for s in lines[0]["signals"]}
    assert image_types >= {"pdq", "md5", "sha256"}
    assert {"md5": hashlib.md5(photo.read_bytes()).hexdigest()}.items() <= {
        s["type"]: s["value"] for s in lines[0]["signals"]
    }.items()
    assert {s["type"] for s in lines[1]["signals"]} >= {"video_md5", "vpdq"}
    assert all({"type", "value", "quality"} <= set(s) for line in lines for s in line["signals"])


def test_bad_file_gets_an_error_line_and_exit_code(cli, tmp_path) -> None:
    good, text, truncated = tmp_path / "good.jpg", tmp_path / "notes.txt", tmp_path / "cut.jpg"
    good.write_bytes(jpeg(stand_in("rocket")))
    text.write_text("not a picture")
    truncated.write_bytes(jpeg(stand_in("rocket"))[:3000])

    result = cli("hash", str(good), str(text), str(truncated), str(tmp_path / "missing.jpg"))

    assert result.exit_code != 0
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert len(lines) == 4
    assert "signals" in lines[0]
    assert [line.get("error", {}).get("code") for line in lines[1:]] == [
        "unsupported_format",
        "truncated_media",
        "unreadable_file",
    ]
    assert all(line["error"]["detail"] for line in lines[1:])


def test_hash_in_parallel_keeps_the_file_order(cli, tmp_path) -> None:
    """--workers N hashes in N processes; the lines are the serial run's, in the files' order."""
    files = []
    for seed in range(6):
        path = tmp_path / f"scene-{seed}.jpg"
        path.write_bytes(jpeg(generated_scene(200 + seed, (480, 360))))
        files.append(str(path))
    files.insert(3, str(tmp_path / "missing.jpg"))

    serial = cli("hash", "--workers", "1", *files)
    parallel = cli("hash", "--workers", "3", *files)

    assert serial.exit_code == parallel.exit_code == 1  # the missing file
    serial_lines = [json.loads(line) for line in serial.output.splitlines()]
    assert [line["file"] for line in serial_lines] == files
    assert [json.loads(line) for line in parallel.output.splitlines()] == serial_lines
