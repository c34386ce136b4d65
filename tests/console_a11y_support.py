"""Shared by the console's accessibility tests in Chromium: cases filed on a `console_server`."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.review_support import benign_image, console_server_token


def file_cases(base: str, tmp_path: Path, count: int, *, with_image: bool = False) -> list[str]:
    """`count` terms-violation reports about different posts, each its own case; their ids."""
    token = console_server_token(tmp_path, "cs-1")
    cases = []
    for n in range(count):
        body = {
            "category": "terms_violation",
            "content_url": f"https://platform.example/p/a11y-{n}",
            "explanation": "breaks the rules",
            "reporter": {"name": "A Person", "email": "person@example.org"},
            "good_faith_statement": True,
            "signature": "A Person",
        }
        files = {"file": ("upload.jpg", benign_image(), "image/jpeg")} if with_image else None
        filed = httpx.post(
            f"{base}/v1/reports", data={"report": json.dumps(body)}, files=files, timeout=60
        )
        assert filed.status_code == 201, filed.text
        found = httpx.get(
            f"{base}/v1/reports/{filed.json()['report_id']}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        cases.append(str(found.json()["case_id"]))
    return cases
