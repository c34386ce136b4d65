"""Find open cases whose media is within a PDQ distance of a new picture or video frames.

Multi-index hashing (Norouzi et al., 2012) in the database, as the match index does it in memory
(index/hamming.py): each PDQ row of an open case's media is stored as 16 keys, one per 16-bit
chunk. A hash within distance r of the query agrees with it to within r // 16 bits in at least
one chunk (pigeonhole), so looking up every chunk value that close finds every case within r:
recall is exact. The candidates are then measured in full.

It runs in SQL rather than in a process's memory because intake runs it under the intake lock
and must see the cases other processes committed a moment before.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from takedown.cases.models import OPEN_STATUSES, Case, CaseMediaSignal, OpenCasePdqKey
from takedown.index.hamming import distances, flip_masks, hex_to_words
from takedown.store.db import one_of

CHUNKS, CHUNK_BITS = 16, 16
KEYED_SIGNALS = ("pdq", "vpdq_frame")  # cases/media.py: PDQ_SIGNALS and FRAME_PDQ
_CHUNK_PREFIX = np.arange(CHUNKS, dtype=np.int64) << CHUNK_BITS


def is_pdq(value: str) -> bool:
    try:
        return len(bytes.fromhex(value)) == 32
    except ValueError:
        return False


def _chunks(values: list[str]) -> np.ndarray:
    """(n, 16) chunk values of n hex PDQ hashes."""
    raw = np.frombuffer(bytes.fromhex("".join(values)), dtype=">u2")
    return raw.astype(np.int64).reshape(-1, CHUNKS)


def _prefixes(signal_type: str) -> np.ndarray:
    """Per chunk, the high bits of its keys: the signal type's number, then the chunk's."""
    return (KEYED_SIGNALS.index(signal_type) << (CHUNK_BITS + 4)) | _CHUNK_PREFIX


def keys_of(signal_type: str, value: str) -> list[int]:
    """The 16 stored keys of one PDQ hash: signal type, chunk number and chunk value in one
    integer (under 2**21)."""
    return (_chunks([value])[0] | _prefixes(signal_type)).tolist()


def probe_keys(signal_type: str, values: list[str], threshold: int) -> list[int]:
    """Every key a hash within `threshold` of one of `values` has in at least one chunk."""
    masks = flip_masks(CHUNK_BITS, threshold // CHUNKS)
    chunks = _chunks(values)[:, :, None] ^ masks[None, None, :]
    return np.unique(chunks | _prefixes(signal_type)[None, :, None]).tolist()


def key_signals(db_session: Session, signals: Iterable[CaseMediaSignal]) -> None:
    """Store the keys of `signals` (flushed rows of an open case's media)."""
    rows = [
        {"key": key, "signal_id": signal.id, "case_id": signal.case_id}
        for signal in signals
        if signal.signal_type in KEYED_SIGNALS and is_pdq(signal.value)
        for key in keys_of(signal.signal_type, signal.value)
    ]
    if rows:
        db_session.execute(insert(OpenCasePdqKey), rows)


def key_case(db_session: Session, case_id: str) -> None:
    """A case (re)opened: key its media's PDQ rows (afresh: keys left by a report that raced the
    close are replaced, not duplicated)."""
    unkey_case(db_session, case_id)
    key_signals(
        db_session,
        db_session.scalars(
            select(CaseMediaSignal).where(
                CaseMediaSignal.case_id == case_id,
                CaseMediaSignal.signal_type.in_(KEYED_SIGNALS),
            )
        ),
    )


def unkey_case(db_session: Session, case_id: str) -> None:
    """A case closed: it is no longer a case to merge into."""
    db_session.execute(
        delete(OpenCasePdqKey)
        .where(OpenCasePdqKey.case_id == case_id)
        .execution_options(synchronize_session=False)
    )


def cases_matching(
    db_session: Session,
    *,
    signal_type: str,
    values: list[str],
    threshold: int,
    need: int = 1,
    other_than: str | None = None,
) -> dict[str, int]:
    """Open case id -> how many of `values` (counted by position) have one of its `signal_type`
    rows within `threshold`, for the cases where that is at least `need`."""
    values = [v for v in values if is_pdq(v)]
    if not 1 <= need <= len(values):
        return {}
    # A case that `need` of the values match is matched by at least one of any
    # len(values) - need + 1 of them (pigeonhole again): a video query probes a fifth of its
    # frames at the default 80 %, spread over the video so that a run of black frames is not all.
    probed = len(values) - need + 1
    sample = [values[i * len(values) // probed] for i in range(probed)]
    keyed = _rows_with_keys(db_session, signal_type, sample, threshold, other_than)
    # The few cases found are checked open (by id): a report that joined a case as a decision
    # closed it may have keyed its media after the close dropped the case's keys.
    near = _open_only(db_session, set(_counts(keyed, sample, threshold)))
    if not near:
        return {}
    rows = [
        (case_id, value)
        for condition in one_of(db_session, CaseMediaSignal.case_id, near)
        for case_id, value in db_session.execute(
            select(CaseMediaSignal.case_id, CaseMediaSignal.value).where(
                condition, CaseMediaSignal.signal_type == signal_type
            )
        )
        if is_pdq(value)
    ]
    counts = _counts(rows, values, threshold)
    return {case_id: n for case_id, n in counts.items() if n >= need}


def _rows_with_keys(
    db_session: Session,
    signal_type: str,
    values: list[str],
    threshold: int,
    other_than: str | None,
) -> list[tuple[str, str]]:
    """(case id, hash) of the open cases' rows sharing a probed key with one of `values`."""
    probes = probe_keys(signal_type, values, threshold)
    # Two plain statements, each on one index: the keys', then the rows' ids. Only open cases'
    # rows are keyed (set_status keeps it so) and the keys carry the signal type, so no join is
    # needed; joins misled SQLite, to every row of the type or to every open case through the
    # queue index (25 s for 2,000 rows at 50,000 open cases).
    signal_ids = {
        signal_id
        for condition in one_of(db_session, OpenCasePdqKey.key, probes)
        for signal_id in db_session.scalars(select(OpenCasePdqKey.signal_id).where(condition))
    }
    return [
        (case_id, value)
        for condition in one_of(db_session, CaseMediaSignal.id, sorted(signal_ids))
        for case_id, value in db_session.execute(
            select(CaseMediaSignal.case_id, CaseMediaSignal.value).where(condition)
        ).tuples()
        if case_id != other_than
    ]


def _open_only(db_session: Session, case_ids: set[str]) -> list[str]:
    open_status = Case.status.in_([s.value for s in OPEN_STATUSES])
    return [
        case_id
        for condition in one_of(db_session, Case.id, sorted(case_ids))
        for case_id in db_session.scalars(select(Case.id).where(condition, open_status))
    ]


def _counts(rows: list[tuple[str, str]], values: list[str], threshold: int) -> dict[str, int]:
    """Case id -> how many of `values` are within `threshold` of one of the case's rows."""
    if not rows:
        return {}
    owners = np.array([case_id for case_id, _ in rows], dtype=object)
    hashes = hex_to_words([value for _, value in rows])
    counts: dict[str, int] = {}
    for query in hex_to_words(values):
        for case_id in set(owners[distances(hashes, query) <= threshold]):
            counts[case_id] = counts.get(case_id, 0) + 1
    return counts
