"""Rule: the compiled hashing kernels (border finding, PDQ) are built or loaded from numba's cache
when the server starts, before it serves, so the first upload does not wait seconds for them;
scanning a JPEG, a PNG and an animated GIF afterwards compiles nothing more."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from takedown.settings import Settings

ROOT = Path(__file__).resolve().parent.parent

PROGRAM = """
import json, sys
from fastapi.testclient import TestClient
from takedown.api.app import create_app
from takedown.auth.service import create_api_key
from takedown.settings import Settings
from takedown.signals import border_kernel, pdq_kernel
from takedown.store.db import session_scope
from tests.media import encode, generated_scene, jpeg, png

KERNELS = (border_kernel.content_box, pdq_kernel.dct_and_quality, pdq_kernel.above_median)

def compiled():
    return [len(kernel.signatures) for kernel in KERNELS]

settings = Settings(**json.loads(sys.argv[1]))
before_start = compiled()
with TestClient(create_app(settings)) as client:
    after_start = compiled()
    with session_scope(settings.resolved_database_url) as db_session:
        _, key = create_api_key(db_session=db_session, name="t", scopes=["scan"])
    frames = [generated_scene(seed, (160, 120)) for seed in (1, 2, 3)]
    gif = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=500)
    uploads = [
        ("a.jpg", jpeg(generated_scene(7, (900, 600)))),
        ("b.png", png(generated_scene(8, (300, 500)))),
        ("c.gif", gif),
    ]
    for index, (name, data) in enumerate(uploads):
        answer = client.post(
            "/v1/scan",
            headers={"Authorization": f"Bearer {key}"},
            files={"file": (name, data)},
            data={"content_id": f"post-{index}"},
        )
        assert answer.status_code == 200, answer.text
    after_scans = compiled()
print(json.dumps([before_start, after_start, after_scans]))
"""


def test_hashing_kernels_are_ready_before_the_first_upload(settings: Settings) -> None:
    fields = {
        "data_dir": str(settings.data_dir),
        "database_url": settings.resolved_database_url,
        "run_background_jobs": False,
    }
    finished = subprocess.run(
        [sys.executable, "-c", PROGRAM, json.dumps(fields)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    before_start, after_start, after_scans = json.loads(finished.stdout.strip().splitlines()[-1])
    assert before_start == [0, 0, 0]  # nothing compiled on import
    assert all(count >= 1 for count in after_start)  # built or loaded at start-up
    assert after_scans == after_start  # no upload compiled anything
