"""Finding the open case about a near-identical picture or video: multi-index hashing in the
database (cases/near_search.py) against the full scan it replaced, in one run.

Intake runs this search under the intake lock for every report with a file, so its time is time
no other report can be stored. The baseline is the previous code: read every open case's PDQ
rows and compare them all in numpy.

    .venv/bin/python bench/case_merge.py --cases 50000 [--database-url URL] [--append-results]

Builds N open cases (uniformly random PDQ hashes, the worst case for the keys: a tenth of them
videos of 60 frame hashes, the rest one picture each), plus planted copies at distances 0 to 31
for every query, so each query has answers to find. Picture queries carry the eight orientations
intake sends; video queries have 60 frames. Both methods must return the same cases.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import timedelta
from typing import Any

import numpy as np
from sqlalchemy import insert, select, text

from results_file import publish
from takedown import clock
from takedown.cases import near_search
from takedown.cases.models import OPEN_STATUSES, Case, CaseMedia, CaseMediaSignal, OpenCasePdqKey
from takedown.index.hamming import distances, hex_to_words
from takedown.store.db import dispose, session_scope
from takedown.store.migrate import upgrade

THRESHOLD, FRAMES, ORIENTATIONS = 31, 60, 8


def near(value: bytes, bits: int, rng: np.random.Generator) -> str:
    flipped = np.unpackbits(np.frombuffer(value, np.uint8))
    flipped[rng.choice(256, size=bits, replace=False)] ^= 1
    return np.packbits(flipped).tobytes().hex()


def build(url: str, cases: int, queries: list[tuple[str, list[bytes]]], seed: int) -> None:
    upgrade(url)
    rng = np.random.default_rng(seed)
    now = clock.now()
    case_rows, signals = [], []
    for i in range(cases):
        video = i % 10 == 0
        hashes = [rng.bytes(32).hex() for _ in range(FRAMES if video else 1)]
        case_rows.append((f"case_{i:026d}", "vpdq_frame" if video else "pdq", hashes))
    for q, (kind, values) in enumerate(queries):  # one planted copy per query
        planted = [near(v, int(rng.integers(0, THRESHOLD + 1)), rng) for v in values]
        case_rows.append(
            (f"case_planted_{q:019d}", kind, planted[:1] if kind == "pdq" else planted)
        )
    with session_scope(url) as db_session:
        for start in range(0, len(case_rows), 20000):
            batch = case_rows[start : start + 20000]
            db_session.execute(
                insert(Case),
                [
                    {
                        "id": case_id,
                        "status": "open",
                        "priority": "P2",
                        "category": "terms_violation",
                        "deadline_at": now + timedelta(days=7),
                        "deadline_started_at": now,
                        "updated_at": now,
                        "created_at": now,
                    }
                    for case_id, _, _ in batch
                ],
            )
        media = CaseMedia(
            case_id=case_rows[0][0],
            source="upload",
            storage_path="unused",
            sha256="0" * 64,
            media_type="image",
            size_bytes=1,
            created_at=now,
        )
        db_session.add(media)
        db_session.flush()
        for case_id, kind, hashes in case_rows:
            for value in hashes:
                signals.append(
                    {
                        "case_media_id": media.id,
                        "case_id": case_id,
                        "signal_type": kind,
                        "value": value,
                    }
                )
        for start in range(0, len(signals), 50000):
            db_session.execute(insert(CaseMediaSignal), signals[start : start + 50000])
        keys = [
            {"key": key, "signal_id": signal_id, "case_id": case_id}
            for signal_id, case_id, kind, value in db_session.execute(
                select(
                    CaseMediaSignal.id,
                    CaseMediaSignal.case_id,
                    CaseMediaSignal.signal_type,
                    CaseMediaSignal.value,
                )
            )
            for key in near_search.keys_of(kind, value)
        ]
        for start in range(0, len(keys), 100000):
            db_session.execute(insert(OpenCasePdqKey), keys[start : start + 100000])
    with session_scope(url) as db_session:
        db_session.execute(text("ANALYZE"))  # as PostgreSQL's autovacuum does after a bulk load


def need(signal_type: str, values: list[str]) -> int:
    """As intake asks: one picture orientation, or 80 % of a video's frames (the default)."""
    return 1 if signal_type == "pdq" else int(np.ceil(len(values) * 0.8))


def full_scan(db_session: Any, signal_type: str, values: list[str]) -> dict[str, int]:
    """The baseline: every open case's rows of this type read and compared."""
    rows = db_session.execute(
        select(CaseMediaSignal.case_id, CaseMediaSignal.value)
        .join(Case, Case.id == CaseMediaSignal.case_id)
        .where(
            CaseMediaSignal.signal_type == signal_type,
            Case.status.in_([s.value for s in OPEN_STATUSES]),
        )
    ).all()
    owners = np.array([case_id for case_id, _ in rows], dtype=object)
    stored = hex_to_words([value for _, value in rows])
    matched: dict[str, int] = {}
    for query in hex_to_words(values):
        for case_id in set(owners[distances(stored, query) <= THRESHOLD]):
            matched[case_id] = matched.get(case_id, 0) + 1
    enough = need(signal_type, values)
    return {case_id: n for case_id, n in matched.items() if n >= enough}


def keyed(db_session: Any, signal_type: str, values: list[str]) -> dict[str, int]:
    return near_search.cases_matching(
        db_session,
        signal_type=signal_type,
        values=values,
        threshold=THRESHOLD,
        need=need(signal_type, values),
    )


def measure(url: str, queries: list[tuple[str, list[bytes]]]) -> list[tuple[str, str, float]]:
    """(kind, method, median ms) per query kind and method; asserts both agree."""
    times: dict[tuple[str, str], list[float]] = {}
    for kind, values in queries:
        hexes = [v.hex() for v in values]
        answers = []
        for name, method in (("keyed", keyed), ("full scan (baseline)", full_scan)):
            with session_scope(url) as db_session:
                started = time.perf_counter()
                answers.append(method(db_session, kind, hexes))
                times.setdefault((kind, name), []).append(time.perf_counter() - started)
        assert answers[0] == answers[1], "the keyed search and the full scan disagree"
        assert answers[0], "a planted copy was not found"
    return [(kind, name, statistics.median(t) * 1000) for (kind, name), t in times.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=50000)
    parser.add_argument("--queries", type=int, default=5, help="of each kind")
    parser.add_argument("--database-url", help="an empty database; default a throwaway SQLite")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--append-results", action="store_true")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed + 1)
    queries = [("pdq", [rng.bytes(32) for _ in range(ORIENTATIONS)]) for _ in range(args.queries)]
    queries += [("vpdq_frame", [rng.bytes(32) for _ in range(FRAMES)]) for _ in range(args.queries)]
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/merge.db"
        build(url, args.cases, queries, args.seed)
        results = measure(url, queries)
        dispose(url)
    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    baseline = {kind: ms for kind, name, ms in results if name.startswith("full scan")}
    rows = sum(FRAMES if i % 10 == 0 else 1 for i in range(args.cases))
    command = f".venv/bin/python bench/case_merge.py --cases {args.cases} --queries {args.queries}"
    if args.database_url:
        command += " --database-url URL"
    publish(
        f"Finding a report's open case by near-identical media ({args.cases:,} open cases, "
        f"{rows:,} PDQ rows, {database})",
        command,
        f"median of {args.queries} queries of each kind; both methods returned the same cases "
        "for every query",
        [
            "| Query | Method | ms | vs baseline |",
            "|---|---|---:|---:|",
            *(
                f"| {'picture, 8 orientations' if kind == 'pdq' else f'video, {FRAMES} frames'} "
                f"| {name} | {ms:.1f} | {ms / baseline[kind]:.3f}x |"
                for kind, name, ms in results
            ),
        ],
        append=args.append_results,
    )


if __name__ == "__main__":
    main()
