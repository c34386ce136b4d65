"""The floor under POST /v1/scan's overhead: an ASGI app that does only what no scan API can skip.

It reads the multipart body, hashes the file with `hash_media` in a worker thread (as the scan
route does) and answers the signals as JSON: no key check, no matching, no ledger, no commit, no
FastAPI. bench/scan_api.py times it with the same client as Takedown, in the same run, so
"scan - floor" is what Takedown's own API work costs and the floor's own overhead is what HTTP,
uvicorn, the thread hop and the client cost on this machine.

    .venv/bin/python -m uvicorn --app-dir bench scan_floor_app:app --port 8001
"""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool

from takedown.settings import Settings
from takedown.signals.service import hash_media

SETTINGS = Settings()


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    body = b"".join(chunks)
    if scope["path"] != "/v1/scan":
        await _answer(send, b"{}")
        return
    # The client's body is known: the file is the last part.
    start = body.index(b"\r\n\r\n", body.index(b'name="file"')) + 4
    data = body[start : body.rindex(b"\r\n--")]
    # As the scan hashes for a bank without pdq_crop entries (bench/scan_api.py).
    hashed = await run_in_threadpool(hash_media, data, settings=SETTINGS, skip=("pdq_crop",))
    signals = hashed.signals
    await _answer(send, json.dumps({"signals": signals}).encode())


async def _answer(send: Any, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})
