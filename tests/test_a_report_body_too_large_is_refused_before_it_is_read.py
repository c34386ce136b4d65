"""Rule: `POST /v1/reports` is open to anyone, so its JSON body is refused (413 `body_too_large`)
as soon as it passes what a valid report can hold, whether it declares its length or streams it
in chunks; it is never read whole first (a 300 MB body took a server from 460 MB to 1.3 GB)."""

from __future__ import annotations

from collections.abc import Iterator

from takedown.reports.views import MAX_JSON_BYTES

CHUNK = b"A" * (1024 * 1024)


def _streamed(total: int) -> Iterator[bytes]:
    yield b'{"category": "child_sexual_abuse", "explanation": "'
    for _ in range(total // len(CHUNK) + 1):
        yield CHUNK


def test_a_report_body_too_large_is_refused_before_it_is_read(client) -> None:  # type: ignore[no-untyped-def]
    headers = {"content-type": "application/json"}
    declared = client.post(
        "/v1/reports", content=b"{" + b" " * MAX_JSON_BYTES + b"}", headers=headers
    )
    assert declared.status_code == 413
    assert declared.json()["code"] == "body_too_large"

    streamed = client.post("/v1/reports", content=_streamed(MAX_JSON_BYTES), headers=headers)
    assert streamed.status_code == 413
    assert streamed.json()["code"] == "body_too_large"

    within = client.post(
        "/v1/reports",
        json={"category": "child_sexual_abuse", "content_url": "https://platform.example/p/1"},
    )
    assert within.status_code == 201, within.text
