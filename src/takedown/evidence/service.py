"""Preserve, open, hold and purge evidence. Only the `legal` role opens it; every access audited."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.audit.service import record as audit
from takedown.errors import Conflict, NotFound
from takedown.evidence import crypto
from takedown.evidence.models import EvidenceFile, EvidencePackage, FileKind
from takedown.ids import new_id
from takedown.settings import Settings


def vault_dir(settings: Settings) -> Path:
    return settings.data_dir / "evidence"


def write_durably(path: Path, data: bytes, *, create_folder: bool = True) -> None:
    """Whole or not at all, on disk before returning. Without `create_folder`, a folder that is
    gone (a purged package) raises FileNotFoundError rather than coming back."""
    if create_folder:
        path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    # Owner only (0600), as the key files: encrypted, but nobody else's to copy.
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def associated(package_id: str, file_id: str) -> bytes:
    return f"{package_id}/{file_id}".encode()


def _store(
    *,
    db_session: Session,
    settings: Settings,
    key: bytes,
    package: EvidencePackage,
    kind: FileKind,
    filename: str,
    media_type: str,
    data: bytes,
) -> EvidenceFile:
    file_id = new_id("evf")
    relative = f"{package.id}/{file_id}.bin"
    blob = crypto.encrypt(key, data, associated=associated(package.id, file_id))
    write_durably(vault_dir(settings) / relative, blob)
    row = EvidenceFile(
        id=file_id,
        package_id=package.id,
        kind=kind.value,
        filename=filename,
        media_type=media_type,
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        storage_path=relative,
    )
    db_session.add(row)
    return row


def preserve(
    *,
    db_session: Session,
    settings: Settings,
    case_id: str,
    decision_id: str | None,
    media: list[tuple[str, str, bytes]],
    context: dict[str, Any],
) -> EvidencePackage:
    """Encrypt `media` [(filename, media_type, bytes)] and `context` into a package for the case.

    Raises EvidenceKeyError (a clear 503) when no key is available: a violating child-safety
    decision is not recorded without its evidence.
    """
    existing = db_session.scalar(select(EvidencePackage).where(EvidencePackage.case_id == case_id))
    if existing is not None:
        return existing
    key = crypto.load_key(settings)
    now = clock.now()
    package = EvidencePackage(
        id=new_id("evd"),
        case_id=case_id,
        decision_id=decision_id,
        preserved_at=now,
        retain_until=now + timedelta(days=settings.evidence_retention_days),
        legal_hold=False,
    )
    db_session.add(package)
    db_session.flush()
    stored: list[EvidenceFile] = []
    for filename, media_type, data in media:
        stored.append(
            _store(
                db_session=db_session,
                settings=settings,
                key=key,
                package=package,
                kind=FileKind.MEDIA,
                filename=filename,
                media_type=media_type,
                data=data,
            )
        )
    stored.append(
        _store(
            db_session=db_session,
            settings=settings,
            key=key,
            package=package,
            kind=FileKind.CONTEXT,
            filename="context.json",
            media_type="application/json",
            data=json.dumps(context, indent=2, sort_keys=True, default=str).encode(),
        )
    )
    # Each file's SHA-256 in the hash chain: a file row deleted or a hash rewritten in the
    # database no longer matches it (`takedown evidence verify`).
    audit(
        db_session=db_session,
        actor="system",
        action="evidence.preserved",
        subject=case_id,
        details={
            "package_id": package.id,
            "files": len(stored),
            "sha256": {row.id: row.sha256 for row in stored},
        },
    )
    db_session.flush()
    return package


def mark_reported(
    *, db_session: Session, settings: Settings, case_id: str, reported_at: datetime
) -> EvidencePackage | None:
    """The CyberTipline report was filed: retention now runs a year from that date."""
    package = db_session.scalar(select(EvidencePackage).where(EvidencePackage.case_id == case_id))
    if package is None or package.ncmec_reported_at is not None:
        return package
    package.ncmec_reported_at = reported_at
    package.retain_until = max(
        package.retain_until, reported_at + timedelta(days=settings.evidence_retention_days)
    )
    return package


def get_package(*, db_session: Session, package_id: str) -> EvidencePackage:
    package = db_session.get(EvidencePackage, package_id)
    if package is None:
        raise NotFound(f"no evidence package {package_id}", code="evidence_not_found")
    return package


def files_of(*, db_session: Session, package_id: str) -> list[EvidenceFile]:
    return list(
        db_session.scalars(
            select(EvidenceFile)
            .where(EvidenceFile.package_id == package_id)
            .order_by(EvidenceFile.id)
        )
    )


def list_packages(*, db_session: Session, case_id: str | None = None) -> list[EvidencePackage]:
    query = select(EvidencePackage).order_by(EvidencePackage.preserved_at.desc()).limit(500)
    if case_id:
        query = query.where(EvidencePackage.case_id == case_id)
    return list(db_session.scalars(query))


def record_access(*, db_session: Session, actor: str, package: EvidencePackage, what: str) -> None:
    audit(
        db_session=db_session,
        actor=actor,
        action="evidence.accessed",
        subject=package.case_id,
        details={"package_id": package.id, "what": what},
    )


def open_file(
    *, db_session: Session, settings: Settings, package_id: str, file_id: str, actor: str
) -> tuple[EvidenceFile, bytes]:
    """Decrypt one file; the access is audited in the caller's transaction."""
    package = get_package(db_session=db_session, package_id=package_id)
    if package.purged_at is not None:
        raise Conflict(
            "this evidence was purged after its retention period", code="evidence_purged"
        )
    row = db_session.get(EvidenceFile, file_id)
    if row is None or row.package_id != package_id:
        raise NotFound(f"no file {file_id} in {package_id}", code="evidence_file_not_found")
    data = decrypt_file(settings, row)
    record_access(db_session=db_session, actor=actor, package=package, what=f"file {file_id}")
    return row, data


def decrypt_file(settings: Settings, row: EvidenceFile) -> bytes:
    """The file's plaintext, checked against the SHA-256 recorded when it was preserved."""
    keys = crypto.opening_keys(settings)
    blob = (vault_dir(settings) / row.storage_path).read_bytes()
    data, _ = crypto.open_with_any(keys, blob, associated=associated(row.package_id, row.id))
    if hashlib.sha256(data).hexdigest() != row.sha256:
        raise Conflict(
            "this file opens but is not what was preserved: its SHA-256 differs from the one "
            "recorded (run `takedown evidence verify`, restore it from the backup)",
            code="evidence_altered",
        )
    return data


def set_legal_hold(
    *, db_session: Session, package_id: str, hold: bool, reason: str, actor: str
) -> EvidencePackage:
    package = get_package(db_session=db_session, package_id=package_id)
    if package.purged_at is not None:
        raise Conflict("this evidence was already purged", code="evidence_purged")
    package.legal_hold = hold
    package.legal_hold_reason = reason if hold else None
    package.legal_hold_by = actor if hold else None
    audit(
        db_session=db_session,
        actor=actor,
        action="evidence.legal_hold_set" if hold else "evidence.legal_hold_released",
        subject=package.case_id,
        details={"package_id": package.id, "reason": reason},
    )
    return package


def purge_due(*, db_session: Session, settings: Settings, now: datetime | None = None) -> list[str]:
    """Purge packages past retention and not on hold; each purge is audited.

    A package whose case still owes a CyberTipline report (queued, on its way, or failed and not
    withdrawn) is kept as if on hold: 18 U.S.C. 2258A(h) counts the year from the report, so
    one not yet filed has not started it.
    """
    now = now or clock.now()
    purged: list[str] = []
    query = select(EvidencePackage).where(
        EvidencePackage.purged_at.is_(None),
        EvidencePackage.legal_hold.is_(False),
        EvidencePackage.retain_until <= now,
        ~_report_still_owed(EvidencePackage.case_id),
    )
    if db_session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    for package in db_session.scalars(query.limit(100)):
        _sync_report_date(db_session, settings, package)
        if package.retain_until > now:
            continue
        shutil.rmtree(vault_dir(settings) / package.id, ignore_errors=True)
        package.purged_at = now
        audit(
            db_session=db_session,
            actor="system",
            action="evidence.purged",
            subject=package.case_id,
            details={
                "package_id": package.id,
                "retain_until": package.retain_until.isoformat(),
                "ncmec_reported_at": package.ncmec_reported_at,
            },
        )
        purged.append(package.id)
    return purged


def awaits_report(db_session: Session, case_id: str) -> bool:
    """The case still owes a CyberTipline report: its package is kept past `retain_until`, until
    a year after that report finishes."""
    return bool(db_session.scalar(select(_report_still_owed(case_id))))


def _report_still_owed(case_id: Any) -> Any:
    from takedown.ncmec.service import report_still_owed

    return report_still_owed(case_id)


def _sync_report_date(db_session: Session, settings: Settings, package: EvidencePackage) -> None:
    """Before purging, make sure a finished CyberTipline report's date counts (a report finished
    before mark_reported was called on finishing)."""
    if package.ncmec_reported_at is not None:
        return
    from takedown.ncmec.models import FilingState, NcmecFiling

    reported_at = db_session.scalar(
        select(func.max(NcmecFiling.finished_at)).where(
            NcmecFiling.case_id == package.case_id,
            NcmecFiling.state == FilingState.FINISHED.value,
        )
    )
    if reported_at is not None:
        mark_reported(
            db_session=db_session,
            settings=settings,
            case_id=package.case_id,
            reported_at=reported_at,
        )
