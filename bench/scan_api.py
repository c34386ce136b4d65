"""Benchmark 3: POST /v1/scan on a 1-megapixel benign JPEG against a real `takedown serve`.

    .venv/bin/python bench/scan_api.py [--requests 200] [--bank-size 100000] [--append-results]

For 1 and then 2 server processes (uvicorn workers) on 127.0.0.1 it measures:
- latency p50/p99 with one request at a time, and requests/s with 2 x workers requests in flight;
- the bare hashing time of the same image in this process (`signals.service.hash_media`), and the
  API's overhead as the median over pairs of (scan time / hashing time - 1); the target is under
  20 %;
- the server's own split from /metrics (takedown_scan_seconds vs takedown_scan_hash_seconds);
- then the same for the floor (bench/scan_floor_app.py, 1 process; --no-floor skips it): HTTP,
  uvicorn, a thread hop and hashing only, what any scan API in Python pays before its own work.
The image is a stand-in from tests/media.py (scikit-image's "coffee", resized to about 1 MP).

The timed client is what a platform scanning at scale would run: one keep-alive
`http.client.HTTPConnection` per request in flight, sending a multipart body encoded once up front
(only the content_id part differs per request), so the numbers measure the API rather than a
general-purpose client (httpx costs about 1.4 ms more per request on this machine). httpx is used
for setup only (readiness, /metrics).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import http.client
import os
import platform
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402
from tests.media import jpeg, stand_in  # noqa: E402

from takedown.auth.service import create_api_key  # noqa: E402
from takedown.banks import service as banks  # noqa: E402
from takedown.settings import Settings  # noqa: E402
from takedown.signals.service import hash_media  # noqa: E402

# What the server hashes for this bench's bank (PDQ hashes only): every signal but the keypoints,
# which a scan computes only while some bank holds pdq_crop entries (scan/flows.py).
SERVER_SKIPS = ("pdq_crop",)
from takedown.store.db import dispose, session_scope  # noqa: E402
from takedown.store.migrate import upgrade  # noqa: E402


def one_megapixel_jpeg() -> bytes:
    image = stand_in("coffee")  # 600 x 400
    return jpeg(image.resize((1224, 816), Image.LANCZOS), quality=90)  # 0.999 MP


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(url: str, bank_size: int, *, migrate: bool = True) -> str:
    """A scan key and a bank of `bank_size` random PDQ hashes (`migrate=False`: the database was
    migrated already, by the code under test)."""
    if migrate:
        upgrade(url)
    with session_scope(url) as db_session:
        _, key = create_api_key(db_session=db_session, name="bench", scopes=["scan"])
        bank = banks.create_bank(
            db_session=db_session, name="bench-bank", category="other", action="block"
        )
        entries = (banks.NewEntry("pdq", secrets.token_hex(32)) for _ in range(bank_size))
        banks.add_entries(
            db_session=db_session, bank=bank, entries=entries, added_by="bench", normalised=True
        )
    dispose(url)
    return key


def server_split(client: httpx.Client, base: str) -> tuple[float, float, int]:
    """(sum of scan seconds, sum of hashing seconds, scans) from one process's /metrics."""
    text = client.get(f"{base}/metrics").text
    values: dict[str, float] = {}
    for line in text.splitlines():
        for name in (
            "takedown_scan_seconds_sum",
            "takedown_scan_seconds_count",
            "takedown_scan_hash_seconds_sum",
        ):
            if line.startswith(name + " "):
                values[name] = float(line.split()[1])
    return (
        values.get("takedown_scan_seconds_sum", 0.0),
        values.get("takedown_scan_hash_seconds_sum", 0.0),
        int(values.get("takedown_scan_seconds_count", 0)),
    )


def run_server(workers: int, env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    command = [
        str(ROOT / ".venv/bin/takedown"),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    return start(command, env, port, answers_in_a_row=4 * workers)


def run_floor(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    """bench/scan_floor_app.py: HTTP, a thread hop and hashing, nothing of Takedown's API."""
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--app-dir",
        str(ROOT / "bench"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "scan_floor_app:app",
    ]
    return start(command, env, port, answers_in_a_row=4)


def start(
    command: list[str], env: dict[str, str], port: int, *, answers_in_a_row: int
) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    with httpx.Client(timeout=2) as client:
        ready = 0
        while time.monotonic() < deadline:
            try:
                ready = ready + 1 if client.get(f"http://127.0.0.1:{port}/readyz").is_success else 0
            except httpx.HTTPError:
                ready = 0
            if ready >= answers_in_a_row:  # several in a row: every worker has its index
                return process
            time.sleep(0.25)
    process.kill()
    raise SystemExit("takedown serve did not become ready")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


class ScanClient:
    """POST /v1/scan over one keep-alive connection, with the multipart body encoded once."""

    def __init__(self, port: int, key: str, data: bytes) -> None:
        boundary = f"takedown-bench-{secrets.token_hex(8)}"
        self._connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self._headers = {
            "Authorization": f"Bearer {key}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        }
        self._head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="content_id"\r\n\r\n'
        ).encode()
        self._tail = (
            (
                f"\r\n--{boundary}\r\n"
                'Content-Disposition: form-data; name="file"; filename="bench.jpg"\r\n'
                "Content-Type: image/jpeg\r\n\r\n"
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )

    def scan(self, content_id: str) -> float:
        """Seconds from sending the request to having read the whole answer."""
        body = b"".join((self._head, content_id.encode(), self._tail))
        started = time.perf_counter()
        self._connection.request("POST", "/v1/scan", body=body, headers=self._headers)
        response = self._connection.getresponse()
        answer = response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200:
            raise SystemExit(f"POST /v1/scan answered {response.status}: {answer[:300]!r}")
        return elapsed

    def close(self) -> None:
        self._connection.close()


def measure_serial(
    port: int, key: str, data: bytes, requests: int, settings: Settings
) -> dict[str, float]:
    """One request at a time, each paired with a bare in-process hash of the same image just
    before it, so both see the same machine load (the machine is shared and its load drifts)."""
    scans: list[float] = []
    hashes: list[float] = []
    client = ScanClient(port, key, data)
    try:
        for n in range(5):
            client.scan(f"warm-{n}")
        hash_media(data, settings=settings, skip=SERVER_SKIPS)
        for n in range(requests):
            started = time.perf_counter()
            hash_media(data, settings=settings, skip=SERVER_SKIPS)
            hashes.append(time.perf_counter() - started)
            scans.append(client.scan(f"serial-{n}"))
    finally:
        client.close()
    return {
        "p50": percentile(scans, 0.50),
        "p99": percentile(scans, 0.99),
        "hash_p50": percentile(hashes, 0.50),
        "overhead": statistics.median(s / h - 1 for s, h in zip(scans, hashes, strict=True)),
        "fixed": statistics.median(s - h for s, h in zip(scans, hashes, strict=True)),
    }


def measure_loaded(port: int, key: str, data: bytes, requests: int, in_flight: int) -> dict:
    """`in_flight` requests at a time, each on its own keep-alive connection: throughput."""
    local = threading.local()
    clients: list[ScanClient] = []

    def scan(content_id: str) -> float:
        if not hasattr(local, "client"):
            local.client = ScanClient(port, key, data)
            clients.append(local.client)
        return local.client.scan(content_id)

    try:
        with concurrent.futures.ThreadPoolExecutor(in_flight) as pool:
            list(pool.map(scan, [f"warm-loaded-{in_flight}-{n}" for n in range(4 * in_flight)]))
            started = time.perf_counter()
            latencies = list(pool.map(scan, [f"loaded-{in_flight}-{n}" for n in range(requests)]))
            elapsed = time.perf_counter() - started
    finally:
        for client in clients:
            client.close()
    return {
        "rps": requests / elapsed,
        "p50": percentile(latencies, 0.50),
        "p99": percentile(latencies, 0.99),
    }


def machine() -> str:
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        fields = dict(
            (k.strip(), v.strip())
            for k, _, v in (line.partition(":") for line in lscpu.splitlines())
        )
        return f"{fields.get('Model name', '?')}, {fields.get('CPU(s)', '?')} CPUs"
    except (OSError, subprocess.CalledProcessError):
        return platform.processor() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="per measurement (bounded)")
    parser.add_argument("--bank-size", type=int, default=100_000, help="random PDQ entries banked")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--no-floor", action="store_true", help="skip the floor (bench/scan_floor_app.py)"
    )
    parser.add_argument("--append-results", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args()
    requests = max(10, min(args.requests, 2_000))

    data = one_megapixel_jpeg()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'takedown.db'}"
        key = prepare(url, args.bank_size)
        settings = Settings(data_dir=Path(tmp), database_url=url)
        hashing: list[float] = []
        env = {
            **os.environ,
            "TAKEDOWN_DATABASE_URL": url,
            "TAKEDOWN_DATA_DIR": tmp,
            "TAKEDOWN_RUN_BACKGROUND_JOBS": "true",
        }
        rows = []
        for workers in args.workers:
            port = free_port()
            server = run_server(workers, env, port)
            base = f"http://127.0.0.1:{port}"
            try:
                with httpx.Client() as probe:
                    before = server_split(probe, base) if workers == 1 else None
                serial = measure_serial(port, key, data, requests, settings)
                with httpx.Client() as probe:
                    after = server_split(probe, base) if workers == 1 else None
                loaded = measure_loaded(port, key, data, requests, in_flight=2 * workers)
                hashing.append(serial["hash_p50"])
            finally:
                stop_server(server)
            server_overhead = None
            if before and after and after[2] > before[2]:
                total, hashed = after[0] - before[0], after[1] - before[1]
                server_overhead = (total - hashed) / hashed
            rows.append((str(workers), serial, loaded, server_overhead))
        if not args.no_floor:
            port = free_port()
            server = run_floor(env, port)
            try:
                serial = measure_serial(port, key, data, requests, settings)
                loaded = measure_loaded(port, key, data, requests, in_flight=2)
                hashing.append(serial["hash_p50"])
            finally:
                stop_server(server)
            rows.append(("floor, 1", serial, loaded, None))

    hash_p50 = statistics.median(hashing)
    load = os.getloadavg()
    lines = [
        "",
        "## POST /v1/scan",
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {machine()}; "
        f"load average at the end {load[0]:.1f} (the machine is shared; client and server share "
        "its 2 cores).",
        f"- Command: `.venv/bin/python bench/scan_api.py --requests {requests} "
        f"--bank-size {args.bank_size}`",
        f"- Image: 1224x816 JPEG ({len(data) // 1024} KiB, benign stand-in); bank: "
        f"{args.bank_size:,} random PDQ hashes (block); SQLite; every scan written to the ledger.",
        "- Client: one keep-alive `http.client` connection per request in flight, multipart "
        "body encoded once (only content_id differs per request), as a platform scanning at "
        "scale would send it; httpx only for setup.",
        "- Bare hashing: the same image hashed in-process (`hash_media`, every signal the "
        "server computes for this bank: all but the pdq_crop keypoints) right before each "
        "serial request, so each pair sees the same load; p50 over the runs "
        f"{hash_p50 * 1000:.1f} ms.",
        "",
        "| server processes | p50 (1 in flight) | p99 (1 in flight) | hashing p50 "
        "| overhead vs hashing p50 | scan - hashing (median) "
        "| server-side overhead | requests/s (2 x processes in flight) | p50 / p99 loaded |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for workers, serial, loaded, server_overhead in rows:
        overhead = serial["overhead"]
        lines.append(
            f"| {workers} | {serial['p50'] * 1000:.1f} ms | {serial['p99'] * 1000:.1f} ms "
            f"| {serial['hash_p50'] * 1000:.1f} ms | {overhead:+.0%} "
            f"| {serial['fixed'] * 1000:.1f} ms | "
            f"{'n/a' if server_overhead is None else f'{server_overhead:+.0%}'} "
            f"| {loaded['rps']:.1f} | {loaded['p50'] * 1000:.0f} / {loaded['p99'] * 1000:.0f} ms |"
        )
    lines += [
        "",
        "Overhead = median over the pairs of (scan time / bare hashing time - 1), end to end "
        "over HTTP; scan - hashing = median over the pairs of the difference, the fixed cost "
        "in milliseconds "
        "(multipart parsing, auth, index queries of every signal, the ledger "
        "transaction with a durable commit, JSON). Server-side overhead is the same ratio from "
        "the server's own histograms (takedown_scan_seconds vs takedown_scan_hash_seconds), "
        "without the client and HTTP. The floor row is bench/scan_floor_app.py, 1 process: "
        "the same client, HTTP, uvicorn, one thread hop and `hash_media`, and nothing else "
        "(no key check, matching, ledger or commit); Takedown's fixed cost minus the floor's is "
        "what its own API work costs.",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    if args.append_results:
        with (ROOT / "bench" / "RESULTS.md").open("a") as handle:
            handle.write(report)


if __name__ == "__main__":
    main()
