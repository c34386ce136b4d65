"""A case's media: stored content-addressed, hashed and matched like a scan, and compared
with other cases' media so reports about the same picture or video join one case."""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.cases import near_search
from takedown.cases.models import OPEN_STATUSES, Case, CaseMedia, CaseMediaSignal
from takedown.errors import MediaError
from takedown.index.hamming import distances, hex_to_words
from takedown.settings import Settings

log = logging.getLogger(__name__)

# Signals compared when merging: exact ones, and PDQ (per image, or per video frame).
EXACT_MERGE_SIGNALS = ("md5", "video_md5", "sha256")
PDQ_SIGNALS = ("pdq",)
FRAME_PDQ = "vpdq_frame"  # one searchable row per sampled video frame


@dataclass
class HashedMedia:
    sha256: str
    size_bytes: int
    media_type: str
    signals: list[dict[str, Any]] = field(default_factory=list)
    matches: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    @property
    def bank_match(self) -> bool:
        """Matched a bank of known material. A reporter's fingerprint is not that: nobody has
        verified what it is a fingerprint of."""
        from takedown.reports.fingerprints import REPORTED_BANKS

        return any(match.get("bank") not in REPORTED_BANKS for match in self.matches)


def store_bytes(settings: Settings, data: bytes) -> tuple[str, str]:
    """Write `data` under media_dir by its SHA-256; returns (relative path, sha256)."""
    digest = hashlib.sha256(data).hexdigest()
    relative = Path(digest[:2]) / digest[2:4] / digest
    target = settings.media_dir / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(f".{os.getpid()}.tmp")
        # Owner only (0600): reported media, possibly abuse material, is for the server alone.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    return str(relative), digest


def stored_files(settings: Settings, storage_path: str) -> list[Path]:
    """A stored file and what was made from it beside it (a video's copy for the browser):
    deleted together."""
    original = settings.media_dir / storage_path
    return [original, browser_copy_path(settings, storage_path)]


def browser_copy_path(settings: Settings, storage_path: str) -> Path:
    """Where a video's copy that every browser plays is kept (media/browser_video.py)."""
    return settings.media_dir / f"{storage_path}.browser.mp4"


def read_bytes(settings: Settings, media: CaseMedia) -> bytes:
    return (settings.media_dir / media.storage_path).read_bytes()


def compute_signals(
    settings: Settings, data: bytes, filename: str | None
) -> tuple[str, list[dict[str, Any]], Any]:
    """(media type, signals, decoded media) from the signals concern, exactly as a scan
    computes them; the decoded media lets matching confirm `pdq_crop` on the picture."""
    from takedown.signals.service import hash_media as signals_hash_media

    result = signals_hash_media(data, settings=settings, filename=filename)
    return str(result.media_type), [dict(signal) for signal in result.signals], result.media


def match_signals(
    index: Any, settings: Settings, signals: list[dict[str, Any]], media: Any = None
) -> list[dict[str, Any]]:
    """Bank matches for `signals` (and the decoded `media`), found exactly as a scan finds them."""
    if index is None:
        return []
    from takedown.scan.flows import match_signals as scan_match_signals

    outcome = scan_match_signals(index=index, settings=settings, signals=signals, media=media)
    return [{"bank_id": m.bank_id, **m.as_dict()} for m in outcome.matches]


def searchable_signals(
    signals: list[dict[str, Any]], *, originals_only: bool = False
) -> list[tuple[str, str]]:
    """(type, value) rows to store and search; a video's vPDQ becomes one PDQ row per frame.

    PDQ's dihedral variants are for querying only: stored originals queried with every variant
    find mirrored and rotated copies.
    """
    rows: list[tuple[str, str]] = []
    for signal in signals:
        kind, value = signal.get("type"), signal.get("value")
        if originals_only and signal.get("variant", "original") != "original":
            continue
        if kind == "vpdq" and isinstance(value, str):
            rows.extend((FRAME_PDQ, frame) for frame in _vpdq_frame_hashes(value))
        elif isinstance(value, str) and kind:
            rows.append((str(kind), value.lower()))
    return list(dict.fromkeys(rows))


def _vpdq_frame_hashes(value: str) -> list[str]:
    from takedown.signals.vpdq import parse_vpdq

    try:
        return [frame.hash.lower() for frame in parse_vpdq(value)]
    except ValueError:
        return []


def hash_media(*, settings: Settings, index: Any, data: bytes, filename: str | None) -> HashedMedia:
    """Hash and match media. A file we cannot decode or match is still kept with its exact
    hashes and the reason: media trouble never loses a report."""
    sha256 = hashlib.sha256(data).hexdigest()
    exact = [
        {"type": "md5", "value": hashlib.md5(data).hexdigest()},
        {"type": "sha256", "value": sha256},
    ]
    try:
        media_type, signals, decoded = compute_signals(settings, data, filename)
    except MediaError as exc:
        return HashedMedia(sha256, len(data), "unknown", exact, error=exc.detail)
    except Exception as exc:  # hostile input can break a decoder in any way
        log.exception("hashing report media failed")
        return HashedMedia(sha256, len(data), "unknown", exact, error=f"hashing failed: {exc}")
    try:
        matches = match_signals(index, settings, signals, decoded)
    except Exception as exc:
        log.exception("matching report media failed")
        return HashedMedia(sha256, len(data), media_type, signals, error=f"matching failed: {exc}")
    return HashedMedia(sha256, len(data), media_type, signals, matches)


def attach_media(
    *,
    db_session: Session,
    settings: Settings,
    case: Case,
    data: bytes,
    hashed: HashedMedia,
    filename: str | None,
    source: str,
    report_id: str | None,
) -> CaseMedia:
    """Store the file and its searchable signals on the case."""
    relative, _ = store_bytes(settings, data)
    media = CaseMedia(
        case_id=case.id,
        report_id=report_id,
        source=source,
        storage_path=relative,
        sha256=hashed.sha256,
        filename=(filename or None) and filename[:255],
        media_type=hashed.media_type,
        size_bytes=hashed.size_bytes,
        signals=hashed.signals,
        matches=hashed.matches,
        error=hashed.error,
        created_at=clock.now(),
    )
    db_session.add(media)
    db_session.flush()
    seen: set[tuple[str, str]] = set()
    searchable: list[CaseMediaSignal] = []
    for signal_type, value in searchable_signals(hashed.signals, originals_only=True):
        if (signal_type, value) in seen or len(value) > 128:
            continue
        seen.add((signal_type, value))
        searchable.append(
            CaseMediaSignal(
                case_media_id=media.id, case_id=case.id, signal_type=signal_type, value=value
            )
        )
    db_session.add_all(searchable)
    if hashed.bank_match:
        case.bank_match = True
    db_session.flush()
    if case.status in OPEN_STATUSES:
        near_search.key_signals(db_session, searchable)
    return media


def find_case_by_media(
    *,
    db_session: Session,
    settings: Settings,
    signals: list[dict[str, Any]],
    other_than: str | None = None,
) -> Case | None:
    """An open case (other than `other_than`) whose media is the same file (MD5), within the PDQ
    threshold, or the same video by vPDQ (enough of the new video's frames match one case's
    frames)."""
    rows = searchable_signals(signals)
    open_case: ColumnElement[bool] = Case.status.in_([s.value for s in OPEN_STATUSES])
    if other_than is not None:
        open_case = open_case & (Case.id != other_than)
    exact = [(t, v) for t, v in rows if t in EXACT_MERGE_SIGNALS]
    for signal_type, value in exact:
        case = db_session.scalar(
            select(Case)
            .join(CaseMediaSignal, CaseMediaSignal.case_id == Case.id)
            .where(
                CaseMediaSignal.signal_type == signal_type,
                CaseMediaSignal.value == value,
                open_case,
            )
            .order_by(Case.created_at)
            .limit(1)
        )
        if case is not None:
            return case
    images = [v for t, v in rows if t in PDQ_SIGNALS]
    frames = [v for t, v in rows if t == FRAME_PDQ]
    if images:
        case_id = _nearest_case(db_session, settings, "pdq", images, other_than, need=1)
        if case_id:
            return db_session.get(Case, case_id)
    if frames:
        need = max(1, int(np.ceil(len(frames) * settings.vpdq_query_match_percent / 100)))
        case_id = _nearest_case(db_session, settings, FRAME_PDQ, frames, other_than, need=need)
        if case_id:
            return db_session.get(Case, case_id)
    return None


def same_media(settings: Settings, sent: list[dict[str, Any]], held: list[dict[str, Any]]) -> bool:
    """Whether signals `sent` (a reporter's file or fingerprints) are of the media whose signals
    are `held` (an upload's), by the rules that merge cases: the same file, a PDQ within the
    threshold (any of its variants: a mirrored copy), or enough of a video's frames."""
    sent_rows, held_rows = searchable_signals(sent), set(searchable_signals(held))
    if any(row in held_rows for row in sent_rows if row[0] in EXACT_MERGE_SIGNALS):
        return True
    for kind, share in (("pdq", 0.0), (FRAME_PDQ, settings.vpdq_query_match_percent / 100)):
        queries = [v for t, v in sent_rows if t == kind and near_search.is_pdq(v)]
        targets = [v for t, v in held_rows if t == kind and near_search.is_pdq(v)]
        if not queries or not targets:
            continue
        target_words = hex_to_words(targets)
        near = sum(
            bool((distances(target_words, query) <= settings.pdq_default_threshold).any())
            for query in hex_to_words(queries)
        )
        if near >= max(1, int(np.ceil(len(queries) * share))):
            return True
    return False


def _nearest_case(
    db_session: Session,
    settings: Settings,
    signal_type: str,
    values: list[str],
    other_than: str | None,
    need: int,
) -> str | None:
    """The open case with the most query hashes within the PDQ threshold, if at least `need`."""
    matched = near_search.cases_matching(
        db_session,
        signal_type=signal_type,
        values=values,
        threshold=settings.pdq_default_threshold,
        need=need,
        other_than=other_than,
    )
    best = max(matched.items(), key=lambda item: item[1], default=None)
    return best[0] if best else None


def sha256_of(data: bytes | None) -> str | None:
    return hashlib.sha256(data).hexdigest() if data else None
