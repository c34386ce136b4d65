"""POST /v1/scan's fixed cost, A/B in one process: the route at a git revision against the
working tree, both mounted in one app and called as raw ASGI (no sockets), interleaved.

    .venv/bin/python bench/scan_route_ab.py --rev aa9ea2f [--scans 400] [--arms before,after]
        [--database-url postgresql://postgres@127.0.0.1:5432/test] [--ledger-only]

The machine is shared, so absolute timings drift; both arms see the same drift because they
alternate request by request, and the median of the paired differences is what to read.
- Arms: `before` is scan/views.py, scan/flows.py and auth/{service,dependencies}.py as they were
  at --rev (loaded from git under other module names), `after` the working tree, `mid` the
  --rev route with the working tree's remembered key check (to tell the two changes apart).
- Hashing is replaced by a cached result of the same 1 MP JPEG (bench/scan_api.py's image), so
  what is timed is everything but hashing: key check, multipart parsing, index queries, ledger
  inserts, the durable commit, the answer. --real-hashing hashes for real.
- The body is delivered in 64 KiB chunks, as a socket would.
- --ledger-only: only `scan.flows._record` plus the commit, at --rev against now, one session each.
- A PostgreSQL --database-url names a server: a fresh database is made there and dropped after.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from tests.media import jpeg, stand_in  # noqa: E402

from takedown import clock  # noqa: E402
from takedown.auth.service import create_api_key  # noqa: E402
from takedown.banks import service as banks  # noqa: E402
from takedown.ids import new_id  # noqa: E402
from takedown.scan import flows  # noqa: E402
from takedown.settings import Settings, normalise_database_url  # noqa: E402
from takedown.signals import service as signal_service  # noqa: E402
from takedown.store.db import dispose, session_factory, session_scope  # noqa: E402
from takedown.store.migrate import upgrade  # noqa: E402

CHUNK = 64 * 1024
WARM_UP = 20


def load_at(rev: str, path: str, name: str) -> types.ModuleType:
    """The module at `path` as it was at `rev`, imported as `name`."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:{path}"], check=True, capture_output=True
    ).stdout
    module = types.ModuleType(name)
    module.__file__ = f"<{rev}:{path}>"
    sys.modules[name] = module
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    return module


def before_router(rev: str) -> Any:
    service = load_at(rev, "src/takedown/auth/service.py", "before_auth_service")
    dependencies = load_at(rev, "src/takedown/auth/dependencies.py", "before_auth_dependencies")
    dependencies.authenticate = service.authenticate  # type: ignore[attr-defined]
    views = load_at(rev, "src/takedown/scan/views.py", "before_scan_views")
    views.flows = load_at(rev, "src/takedown/scan/flows.py", "before_scan_flows")  # type: ignore[attr-defined]
    views.authorize = dependencies.authorize  # type: ignore[attr-defined]
    return views.router  # type: ignore[attr-defined]


def mid_router(rev: str) -> Any:
    """The --rev route (FastAPI File/Form, sync) with the working tree's remembered key check."""
    from takedown.auth import dependencies

    views = load_at(rev, "src/takedown/scan/views.py", "mid_scan_views")
    views.flows = load_at(rev, "src/takedown/scan/flows.py", "mid_scan_flows")  # type: ignore[attr-defined]

    def authorize(*, db_session: Any, request: Any, scope: str) -> Any:
        settings = request.app.state.settings
        url = settings.resolved_database_url
        principal = dependencies.authorize_remembered(
            request=request, scope=scope, database_url=url
        )
        return principal or dependencies.authorize(
            db_session=db_session,
            request=request,
            scope=scope,
            remember_for=settings.api_key_cache_seconds,
            database_url=url,
        )

    views.authorize = authorize  # type: ignore[attr-defined]
    return views.router  # type: ignore[attr-defined]


def multipart(boundary: str, content_id: str, data: bytes) -> bytes:
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="content_id"\r\n\r\n'
        f"{content_id}\r\n--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="bench.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    )
    return head.encode() + data + f"\r\n--{boundary}--\r\n".encode()


async def post(app: Any, path: str, headers: list[tuple[bytes, bytes]], body: bytes) -> int:
    """One POST straight into the ASGI app; the status (the answer is read and dropped)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [*headers, (b"content-length", str(len(body)).encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    pieces = [body[i : i + CHUNK] for i in range(0, len(body), CHUNK)]
    sent = 0
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent < len(pieces):
            sent += 1
            return {
                "type": "http.request",
                "body": pieces[sent - 1],
                "more_body": sent < len(pieces),
            }
        await asyncio.sleep(3600)  # the app never asks again unless it waits for a disconnect
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


def report(times: dict[str, list[float]]) -> None:
    for arm, values in times.items():
        ordered = sorted(values)
        print(
            f"{arm:7s} p50 {statistics.median(values) * 1e3:6.3f} ms   "
            f"p10 {ordered[len(ordered) // 10] * 1e3:6.3f}   "
            f"p90 {ordered[len(ordered) * 9 // 10] * 1e3:6.3f}   (n={len(values)})"
        )
    for arm in times:
        if arm != "before" and "before" in times:
            paired = [b - a for a, b in zip(times[arm], times["before"], strict=True)]
            ratio = statistics.median(times[arm]) / statistics.median(times["before"])
            print(
                f"{arm}: median of paired (before - {arm}) "
                f"{statistics.median(paired) * 1e3:.3f} ms; p50 {arm}/before {ratio:.3f}"
            )


async def route_ab(args: argparse.Namespace, settings: Settings, key: str, data: bytes) -> None:
    from takedown.api.app import create_app

    app = create_app(settings)
    app.include_router(before_router(args.rev), prefix="/before")
    app.include_router(mid_router(args.rev), prefix="/mid")
    paths = {"before": "/before/v1/scan", "mid": "/mid/v1/scan", "after": "/v1/scan"}
    arms = [(arm, paths[arm]) for arm in args.arms.split(",")]
    boundary = f"bench-{secrets.token_hex(8)}"
    headers = [
        (b"host", b"127.0.0.1:8000"),
        (b"authorization", f"Bearer {key}".encode()),
        (b"content-type", f"multipart/form-data; boundary={boundary}".encode()),
    ]
    times: dict[str, list[float]] = {arm: [] for arm, _ in arms}
    async with app.router.lifespan_context(app):
        for n in range(args.scans + WARM_UP):
            order = arms[n % len(arms) :] + arms[: n % len(arms)]  # each arm leads in turn
            for arm, path in order:
                body = multipart(boundary, f"{arm}-{n}", data)
                started = time.perf_counter()
                status = await post(app, path, headers, body)
                elapsed = time.perf_counter() - started
                if status != 200:
                    raise SystemExit(f"{arm}: POST {path} answered {status}")
                if n >= WARM_UP:
                    times[arm].append(elapsed)
    report(times)


def ledger_ab(args: argparse.Namespace, settings: Settings, data: bytes) -> None:
    before = load_at(args.rev, "src/takedown/scan/flows.py", "before_scan_flows")
    url = settings.resolved_database_url
    with session_scope(url) as db_session:
        bank = banks.create_bank(db_session=db_session, name="m", category="other", action="block")
        bank_id = bank.id
    signals = [dict(s) for s in signal_service.hash_media(data, settings=settings).signals]
    ledger = flows.ledger_signals(signals)
    matches = [
        flows.Match("m", bank_id, entry, "pdq", 3, "block", "other")
        for entry in range(args.matches)
    ]
    arms: list[tuple[str, Callable[..., int]]] = [
        ("before", before._record),  # type: ignore[attr-defined]
        ("after", flows._record),
    ]
    times: dict[str, list[float]] = {arm: [] for arm, _ in arms}
    for n in range(args.scans + WARM_UP):
        for arm, record in arms if n % 2 else arms[::-1]:
            now = clock.now()
            item = {
                "scan_id": new_id("scan"),
                "content_id": f"{arm}-{n}",
                "account_id": None,
                "content_url": None,
                "filename": "bench.jpg",
                "media_type": "image",
                "size_bytes": len(data),
                "verdict": "block" if matches else "allow",
                "signals": signals,
                "scanned_at": now,
            }
            started = time.perf_counter()
            with session_factory(url)() as db_session:
                record(db_session, item=item, signals=ledger, matches=matches, now=now)
                db_session.commit()
            if n >= WARM_UP:
                times[arm].append(time.perf_counter() - started)
    print(f"ledger rows: 1 item, {len(ledger)} signals, {len(matches)} match events")
    report(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rev", required=True, help="the 'before' revision, e.g. aa9ea2f")
    parser.add_argument("--scans", type=int, default=400)
    parser.add_argument("--arms", default="before,after", help="before,mid,after or a subset")
    parser.add_argument("--bank-size", type=int, default=10_000)
    parser.add_argument("--database-url", default="", help="default: a SQLite file")
    parser.add_argument("--real-hashing", action="store_true")
    parser.add_argument(
        "--key-cache-seconds", type=float, default=2.0, help="settings.api_key_cache_seconds"
    )
    parser.add_argument("--ledger-only", action="store_true")
    parser.add_argument("--matches", type=int, default=1, help="--ledger-only: match events")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="scan-route-ab-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    admin = None
    if url.startswith("postgres"):
        admin = create_engine(normalise_database_url(url), isolation_level="AUTOCOMMIT")
        name = f"scan_route_ab_{secrets.token_hex(4)}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(url).set(database=name).render_as_string(hide_password=False)
    settings = Settings(
        data_dir=workdir / "data",
        database_url=url,
        run_background_jobs=False,
        api_key_cache_seconds=args.key_cache_seconds,
    )
    try:
        upgrade(settings.resolved_database_url)
        with session_scope(settings.resolved_database_url) as db_session:
            _, key = create_api_key(db_session=db_session, name="bench", scopes=["scan"])
            bank = banks.create_bank(
                db_session=db_session, name="bench-bank", category="other", action="block"
            )
            entries = (banks.NewEntry("pdq", secrets.token_hex(32)) for _ in range(args.bank_size))
            banks.add_entries(
                db_session=db_session, bank=bank, entries=entries, added_by="bench", normalised=True
            )
        data = jpeg(stand_in("coffee").resize((1224, 816), Image.LANCZOS), quality=90)
        if args.ledger_only:
            ledger_ab(args, settings, data)
        else:
            if not args.real_hashing:
                hashed = signal_service.hash_media(data, settings=settings)
                signal_service.hash_media = lambda *_, **__: hashed  # type: ignore[assignment]
            asyncio.run(route_ab(args, settings, key, data))
    finally:
        dispose(settings.resolved_database_url)
        if admin is not None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
