"""Rule: a decompression bomb is refused from its header, before its pixels are allocated:
hashing one costs no more memory than hashing a small picture."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.media import generated_scene, png
from tests.test_hostile_media_limits import bomb_png

# 8000 x 8000 = 64 megapixels: over Takedown's default limit (50 M) but under Pillow's own
# bomb guard (89 M), so only Takedown's header check stands between it and ~256 MB of RGB.
BOMB_SIDE = 8000
ALLOWED_EXTRA_KIB = 40 * 1024

_MEASURE = """
import resource, sys
from takedown.cli.main import app
try:
    app(["hash", sys.argv[1]])
except SystemExit:
    pass
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _hash_in_child(path: Path, env: dict[str, str]) -> tuple[dict, int]:
    completed = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "PATH": "/usr/bin:/bin"},
        check=True,
    )
    json_line, peak_kib = completed.stdout.strip().splitlines()[-2:]
    return json.loads(json_line), int(peak_kib)


def test_bomb_costs_no_more_memory_than_a_small_image(tmp_path, cli_env, settings) -> None:
    assert settings.max_image_pixels < BOMB_SIDE * BOMB_SIDE
    small, bomb = tmp_path / "small.png", tmp_path / "bomb.png"
    small.write_bytes(png(generated_scene(1, (320, 240))))
    bomb.write_bytes(bomb_png(BOMB_SIDE, BOMB_SIDE))

    small_line, small_peak = _hash_in_child(small, cli_env)
    bomb_line, bomb_peak = _hash_in_child(bomb, cli_env)

    assert small_line["media_type"] == "image"
    assert bomb_line["error"]["code"] == "too_many_pixels"
    assert bomb_peak - small_peak < ALLOWED_EXTRA_KIB
