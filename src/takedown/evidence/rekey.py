"""Walk the vault: check that every file opens and matches its recorded SHA-256 and, after a key
change, encrypt each file still under a retired key again under the current one
(`takedown evidence verify` and `takedown evidence rekey`).

A package whose retention ends within a day (and not on legal hold) is left as it is: the purge
job deletes it, and writing its files again could bring back a folder the purge just removed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from takedown import clock
from takedown.audit.models import AuditEntry
from takedown.audit.service import record as audit
from takedown.evidence import crypto
from takedown.evidence.models import EvidenceFile, EvidencePackage
from takedown.evidence.service import associated, vault_dir, write_durably
from takedown.settings import Settings
from takedown.store.db import session_scope

PURGE_MARGIN = timedelta(days=1)


@dataclass
class VaultWalk:
    files: int = 0
    under_current_key: int = 0
    under_retired_key: int = 0  # still, after a verify; a rekey leaves none it could open
    rekeyed: int = 0
    left_for_purge: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)  # (package/file, why)

    def as_dict(self) -> dict[str, object]:
        return {
            "files": self.files,
            "under_current_key": self.under_current_key,
            "under_retired_key": self.under_retired_key,
            "rekeyed": self.rekeyed,
            "left_for_purge": self.left_for_purge,
            "problems": [{"file": name, "problem": why} for name, why in self.problems],
        }


@dataclass(frozen=True)
class _StoredFile:
    package_id: str
    file_id: str
    storage_path: str
    sha256: str


def stored_files(settings: Settings) -> list[_StoredFile]:
    """Every file of every package not purged, in a stable order."""
    with session_scope(settings.resolved_database_url) as db_session:
        rows = db_session.execute(
            select(
                EvidenceFile.package_id,
                EvidenceFile.id,
                EvidenceFile.storage_path,
                EvidenceFile.sha256,
            )
            .join(EvidencePackage, EvidencePackage.id == EvidenceFile.package_id)
            .where(EvidencePackage.purged_at.is_(None))
            .order_by(EvidenceFile.package_id, EvidenceFile.id)
        ).all()
    return [_StoredFile(*row) for row in rows]


def walk_vault(
    settings: Settings,
    files: list[_StoredFile],
    *,
    rekey: bool,
    actor: str,
    advance: Callable[[], None] = lambda: None,
) -> VaultWalk:
    """Open every file with the configured keys; with `rekey`, write each file a retired key
    opened again under the current key (a fresh nonce, the same record binding). The walk is
    audited (`evidence.verified` or `evidence.rekeyed`) with its counts, never a key."""
    keys = crypto.opening_keys(settings)
    walk = VaultWalk()
    for stored in files:
        _walk_one(settings, keys, stored, rekey, walk)
        advance()
    walk.problems += against_audit_log(settings)
    with session_scope(settings.resolved_database_url) as db_session:
        audit(
            db_session=db_session,
            actor=actor,
            action="evidence.rekeyed" if rekey else "evidence.verified",
            subject="evidence",
            details={**walk.as_dict(), "problems": len(walk.problems)},
        )
    return walk


def against_audit_log(settings: Settings) -> list[tuple[str, str]]:
    """Every package as its `evidence.preserved` audit entry recorded it: a package or file row
    deleted, added or given another SHA-256 in the database (which the vault walk, reading the
    rows, cannot see), and a package marked purged without an `evidence.purged` entry. Entries
    written before file hashes were audited give the number of files only."""
    problems: list[tuple[str, str]] = []
    with session_scope(settings.resolved_database_url) as db_session:
        purged_entries = {
            str(details.get("package_id"))
            for details in db_session.scalars(
                select(AuditEntry.details).where(AuditEntry.action == "evidence.purged")
            )
        }
        preserved = db_session.execute(
            select(AuditEntry.seq, AuditEntry.details)
            .where(AuditEntry.action == "evidence.preserved")
            .order_by(AuditEntry.seq)
        ).all()
        packages = {
            package_id: purged_at
            for package_id, purged_at in db_session.execute(
                select(EvidencePackage.id, EvidencePackage.purged_at)
            )
        }
        rows: dict[str, dict[str, str]] = {}
        for package_id, file_id, sha256 in db_session.execute(
            select(EvidenceFile.package_id, EvidenceFile.id, EvidenceFile.sha256)
        ):
            rows.setdefault(package_id, {})[file_id] = sha256
    audited: set[str] = set()
    for seq, details in preserved:
        package_id = str(details.get("package_id", ""))
        audited.add(package_id)
        if package_id not in packages:
            problems.append((package_id, f"preserved (audit entry {seq}) but gone from the table"))
            continue
        if packages[package_id] is not None:
            if package_id not in purged_entries:
                problems.append((package_id, "marked purged, but no audit entry says it was"))
            continue
        kept = rows.get(package_id, {})
        hashes = details.get("sha256")
        if not isinstance(hashes, dict):
            if details.get("files") != len(kept):
                problems.append(
                    (
                        package_id,
                        f"{len(kept)} files; audit entry {seq} says {details.get('files')}",
                    )
                )
            continue
        for file_id, sha256 in sorted(hashes.items()):
            name = f"{package_id}/{file_id}"
            if file_id not in kept:
                problems.append((name, f"preserved (audit entry {seq}) but gone from the table"))
            elif kept[file_id] != sha256:
                problems.append((name, f"its SHA-256 differs from audit entry {seq}'s"))
        for file_id in sorted(set(kept) - set(hashes)):
            problems.append((f"{package_id}/{file_id}", f"not among audit entry {seq}'s files"))
    for package_id in sorted(set(packages) - audited):
        problems.append((package_id, "no audit entry says it was preserved"))
    return problems


def _walk_one(
    settings: Settings, keys: list[bytes], stored: _StoredFile, rekey: bool, walk: VaultWalk
) -> None:
    name = f"{stored.package_id}/{stored.file_id}"
    state = _package_state(settings, stored.package_id)
    if state == "purged":
        return
    walk.files += 1
    path = vault_dir(settings) / stored.storage_path
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        walk.problems.append((name, f"missing from the vault ({path})"))
        return
    binding = associated(stored.package_id, stored.file_id)
    try:
        plaintext, position = crypto.open_with_any(keys, blob, associated=binding)
    except crypto.EvidenceKeyError:
        walk.problems.append(
            (name, "no configured key opens it (a retired key missing, or altered)")
        )
        return
    if hashlib.sha256(plaintext).hexdigest() != stored.sha256:
        walk.problems.append((name, "opens, but its SHA-256 differs from the one recorded"))
        return
    if position == 0:
        walk.under_current_key += 1
        return
    if not rekey:
        walk.under_retired_key += 1
        return
    if state == "due_for_purge":
        walk.under_retired_key += 1
        walk.left_for_purge += 1
        return
    try:
        write_durably(
            path, crypto.encrypt(keys[0], plaintext, associated=binding), create_folder=False
        )
    except FileNotFoundError:
        walk.problems.append((name, "its package's folder is gone from the vault"))
        return
    walk.rekeyed += 1


def _package_state(settings: Settings, package_id: str) -> str:
    """ "purged", "due_for_purge" (within PURGE_MARGIN, no hold) or "kept", read fresh for each
    file: the purge job runs beside the walk."""
    with session_scope(settings.resolved_database_url) as db_session:
        package = db_session.get(EvidencePackage, package_id)
        if package is None or package.purged_at is not None:
            return "purged"
        if not package.legal_hold and package.retain_until <= clock.now() + PURGE_MARGIN:
            return "due_for_purge"
    return "kept"
