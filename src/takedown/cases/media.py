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
from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.cases.models import OPEN_STATUSES, Case, CaseMedia, CaseMediaSignal
from takedown.errors import MediaError
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
        return bool(self.matches)


def store_bytes(settings: Settings, data: bytes) -> tuple[str, str]:
    """Write `data` under media_dir by its SHA-256; returns (relative path, sha256)."""
    digest = hashlib.sha256(data).hexdigest()
    relative = Path(digest[:2]) / digest[2:4] / digest
    target = settings.media_dir / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(f".{os.getpid()}.tmp")
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    return str(relative), digest


def read_bytes(settings: Settings, media: CaseMedia) -> bytes:
    return (settings.media_dir / media.storage_path).read_bytes()


def compute_signals(settings: Settings, data: bytes, filename: str | None) -> tuple[str, list]:
    """(media type, signals) using the signals concern; a local PDQ fallback until it exists."""
    try:
        from takedown.signals import service as signals_service  # type: ignore[attr-defined]
    except ImportError:
        signals_service = None
    hasher = getattr(signals_service, "hash_media", None) if signals_service else None
    if hasher is not None:
        result = hasher(data, settings=settings, filename=filename)
        media_type = getattr(result, "media_type", None) or "unknown"
        signals = getattr(result, "signals", result)
        return str(media_type), [dict(s) for s in signals]
    return _fallback_signals(settings, data, filename)


def _fallback_signals(
    settings: Settings, data: bytes, filename: str | None
) -> tuple[str, list[dict[str, Any]]]:
    import pdqhash

    from takedown.media import decode

    decoded = decode(data, settings=settings, filename=filename)
    signals: list[dict[str, Any]] = [
        {"type": "md5", "value": hashlib.md5(data).hexdigest()},
        {"type": "sha256", "value": hashlib.sha256(data).hexdigest()},
    ]

    def pdq(image: Any) -> tuple[str, int]:
        bits, quality = pdqhash.compute(np.asarray(image.convert("RGB")))
        return np.packbits(bits.astype(np.uint8)).tobytes().hex(), int(quality)

    if decoded.image is not None and not decoded.frames:
        value, quality = pdq(decoded.image)
        signals.append({"type": "pdq", "value": value, "quality": quality})
    else:
        frames = []
        for number, frame in enumerate(decoded.frames):
            value, quality = pdq(frame.image)
            frames.append(
                {
                    "frame": number,
                    "timestamp": frame.timestamp,
                    "value": value,
                    "quality": quality,
                }
            )
        signals.append({"type": "vpdq", "value": frames, "quality": None})
    return str(decoded.media_type), signals


def match_signals(index: Any, signals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Bank matches for `signals` from the serving process's MatchIndex."""
    if index is None:
        return []
    found: dict[int, dict[str, Any]] = {}
    for signal_type, value in searchable_signals(signals):
        query_type = "pdq" if signal_type == FRAME_PDQ else signal_type
        try:
            hits = index.query(query_type, value)
        except Exception:  # an index that cannot answer a type is not a reason to lose a report
            log.exception("index query failed for %s", query_type)
            continue
        for hit in hits:
            found.setdefault(
                hit.entry_id,
                {
                    "bank_id": hit.bank_id,
                    "entry_id": hit.entry_id,
                    "signal_type": hit.signal_type,
                    "distance": hit.distance,
                },
            )
    return list(found.values())


def searchable_signals(signals: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(type, value) rows to store and search; video frames become one PDQ row each."""
    rows: list[tuple[str, str]] = []
    for signal in signals:
        kind, value = signal.get("type"), signal.get("value")
        if kind == "vpdq" and isinstance(value, list):
            rows.extend((FRAME_PDQ, str(f["value"])) for f in value if f.get("value"))
        elif kind == "vpdq" and isinstance(value, str):
            # python-threatexchange text form: "frame,quality,hash,timestamp" per line
            for line in value.splitlines():
                parts = line.split(",")
                if len(parts) >= 3:
                    rows.append((FRAME_PDQ, parts[2]))
        elif isinstance(value, str) and kind:
            rows.append((str(kind), value.lower()))
    return rows


def hash_media(*, settings: Settings, index: Any, data: bytes, filename: str | None) -> HashedMedia:
    """Hash and match media; a file we cannot decode is still kept (with its exact hashes)."""
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        media_type, signals = compute_signals(settings, data, filename)
    except MediaError as exc:
        return HashedMedia(
            sha256=sha256,
            size_bytes=len(data),
            media_type="unknown",
            signals=[
                {"type": "md5", "value": hashlib.md5(data).hexdigest()},
                {"type": "sha256", "value": sha256},
            ],
            error=exc.detail,
        )
    return HashedMedia(
        sha256=sha256,
        size_bytes=len(data),
        media_type=media_type,
        signals=signals,
        matches=match_signals(index, signals),
    )


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
    for signal_type, value in searchable_signals(hashed.signals):
        if (signal_type, value) in seen or len(value) > 128:
            continue
        seen.add((signal_type, value))
        db_session.add(
            CaseMediaSignal(
                case_media_id=media.id, case_id=case.id, signal_type=signal_type, value=value
            )
        )
    if hashed.bank_match:
        case.bank_match = True
    db_session.flush()
    return media


def find_case_by_media(
    *, db_session: Session, settings: Settings, signals: list[dict[str, Any]]
) -> Case | None:
    """An open case whose media is the same file (MD5), within the PDQ threshold, or the same
    video by vPDQ (enough of the new video's frames match one case's frames)."""
    rows = searchable_signals(signals)
    open_case = Case.status.in_([s.value for s in OPEN_STATUSES])
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
    threshold = settings.pdq_default_threshold
    images = [v for t, v in rows if t in PDQ_SIGNALS]
    frames = [v for t, v in rows if t == FRAME_PDQ]
    if images:
        case_id = _nearest_case(db_session, open_case, "pdq", images, threshold, need=1)
        if case_id:
            return db_session.get(Case, case_id)
    if frames:
        need = max(1, int(np.ceil(len(frames) * settings.vpdq_query_match_percent / 100)))
        case_id = _nearest_case(db_session, open_case, FRAME_PDQ, frames, threshold, need=need)
        if case_id:
            return db_session.get(Case, case_id)
    return None


def _nearest_case(
    db_session: Session,
    open_case: Any,
    signal_type: str,
    values: list[str],
    threshold: int,
    need: int,
) -> str | None:
    """The open case with the most query hashes within `threshold`, if at least `need` match."""
    candidates = db_session.execute(
        select(CaseMediaSignal.case_id, CaseMediaSignal.value)
        .join(Case, Case.id == CaseMediaSignal.case_id)
        .where(CaseMediaSignal.signal_type == signal_type, open_case)
    ).all()
    candidates = [(c, v) for c, v in candidates if _is_pdq(v)]
    values = [v for v in values if _is_pdq(v)]
    if not candidates or not values:
        return None
    bits = np.frombuffer(bytes.fromhex("".join(v for _, v in candidates)), np.uint8).reshape(-1, 32)
    owners = [case_id for case_id, _ in candidates]
    matched: dict[str, int] = {}
    for value in values:
        query = np.frombuffer(bytes.fromhex(value), np.uint8)
        distances = np.unpackbits(bits ^ query, axis=1).sum(axis=1)
        for case_id in {owners[i] for i in np.nonzero(distances <= threshold)[0]}:
            matched[case_id] = matched.get(case_id, 0) + 1
    best = max(matched.items(), key=lambda item: item[1], default=None)
    return best[0] if best and best[1] >= need else None


def _is_pdq(value: str) -> bool:
    try:
        return len(bytes.fromhex(value)) == 32
    except ValueError:
        return False


def sha256_of(data: bytes | None) -> str | None:
    return hashlib.sha256(data).hexdigest() if data else None
