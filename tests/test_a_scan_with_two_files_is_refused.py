"""`POST /v1/scan` scans one upload: a form with two `file` parts is 422 naming the field, not a
scan of one of them."""

from __future__ import annotations

from fastapi.testclient import TestClient

from takedown.api.app import create_app
from tests.media import generated_scene, jpeg


def test_a_scan_with_two_files_is_refused(settings, make_api_key):
    key = make_api_key("scan")
    with TestClient(create_app(settings)) as client:
        answer = client.post(
            "/v1/scan",
            files=[
                ("file", ("a.jpg", jpeg(generated_scene(4701)), "image/jpeg")),
                ("file", ("b.jpg", jpeg(generated_scene(4702)), "image/jpeg")),
            ],
            data={"content_id": "two-files"},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert answer.status_code == 422, answer.text
        assert "file" in answer.text and "one" in answer.text
        assert [e["field"] for e in answer.json()["errors"]] == ["file"]
        one = client.post(
            "/v1/scan",
            files={"file": ("a.jpg", jpeg(generated_scene(4701)), "image/jpeg")},
            data={"content_id": "one-file"},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert one.status_code == 200, one.text
