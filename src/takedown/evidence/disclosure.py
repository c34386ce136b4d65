"""Disclosing a preserved package to law enforcement under legal process.

After a CyberTipline report, the police who take it up serve the platform with legal process (a
warrant, a subpoena, an emergency request) for what it preserved. Legal answers with one ZIP
file: every file of the package as preserved, and a manifest that lets the recipient check them
and see who had them: each file's SHA-256 and size, the request it answers, and the package's
chain of custody (every audit entry about the package and about the case's CyberTipline filing,
each with its hash and the previous entry's hash, up to and including this disclosure). The
disclosure is audited before the file is built.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from takedown import clock
from takedown.audit.service import AuditQuery, entry_json, find, record
from takedown.errors import Conflict, InvalidInput
from takedown.evidence.service import decrypt_file, files_of, get_package
from takedown.settings import Settings

FIELD_MAX_CHARS = 500
CUSTODY_ACTIONS = ("evidence.", "ncmec.")


@dataclass(frozen=True)
class DisclosureRequest:
    requested_by: str  # the agency and officer
    legal_process: str  # e.g. "Search warrant 26-SW-0142, County Court"
    note: str = ""


def disclose(
    *,
    db_session: Session,
    settings: Settings,
    package_id: str,
    request: DisclosureRequest,
    actor: str,
) -> tuple[str, bytes]:
    """(file name, ZIP bytes) of the package for `request`; audited in the caller's
    transaction as `evidence.disclosed`."""
    requested_by = _field(request.requested_by, "requested_by", required=True)
    process = _field(request.legal_process, "legal_process", required=True)
    note = _field(request.note, "note", required=False)
    package = get_package(db_session=db_session, package_id=package_id)
    if package.purged_at is not None:
        raise Conflict(
            "this evidence was purged after its retention period", code="evidence_purged"
        )
    files = files_of(db_session=db_session, package_id=package.id)
    contents = [(row, decrypt_file(settings, row)) for row in files]  # refused whole if one fails
    disclosed_at = clock.now()
    record(
        db_session=db_session,
        actor=actor,
        action="evidence.disclosed",
        subject=package.case_id,
        details={
            "package_id": package.id,
            "requested_by": requested_by,
            "legal_process": process,
            "note": note,
            "files": len(files),
        },
    )
    # The package's own entries and the CyberTipline filing's (the files' upload to NCMEC), in
    # the log's order.
    custody = [
        entry_json(entry)
        for entry in sorted(
            (
                entry
                for prefix in CUSTODY_ACTIONS
                for entry in find(
                    db_session=db_session,
                    query=AuditQuery(subject=package.case_id, action=prefix, limit=1000),
                )
            ),
            key=lambda entry: entry.seq,
        )
    ]
    manifest: dict[str, Any] = {
        "package_id": package.id,
        "case_id": package.case_id,
        "preserved_at": package.preserved_at.isoformat(),
        "ncmec_reported_at": (
            package.ncmec_reported_at.isoformat() if package.ncmec_reported_at else None
        ),
        "disclosure": {
            "disclosed_at": disclosed_at.isoformat(),
            "disclosed_by": actor,
            "requested_by": requested_by,
            "legal_process": process,
            "note": note,
        },
        "files": [
            {
                "path": _path_in_zip(row.id, row.filename),
                "kind": row.kind,
                "media_type": row.media_type,
                "sha256": row.sha256,
                "size_bytes": row.size_bytes,
            }
            for row, _ in contents
        ],
        # Each entry carries its hash in the log's chain and the hash of the entry before it:
        # a recipient recomputes each entry's hash (docs/ncmec.md); `takedown audit verify` on
        # the platform's side proves the chain unchanged.
        "chain_of_custody": custody,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, sort_keys=True))
        for row, data in contents:
            archive.writestr(_path_in_zip(row.id, row.filename), data)
    return f"{package.id}-disclosure-{disclosed_at:%Y%m%dT%H%M%SZ}.zip", buffer.getvalue()


def _field(value: str, name: str, *, required: bool) -> str:
    value = value.strip()
    if required and not value:
        raise InvalidInput(
            f"{name} is required: who asked, under which legal process", code=f"{name}_required"
        )
    if len(value) > FIELD_MAX_CHARS:
        raise InvalidInput(f"{name}: at most {FIELD_MAX_CHARS} characters", code=f"{name}_too_long")
    return value


def _path_in_zip(file_id: str, filename: str) -> str:
    """files/<id>-<name>: the id keeps two files of one name apart; the name, only its last part
    and no separators, so no entry can point outside the folder it is unpacked in."""
    safe = filename.replace("\\", "/").rsplit("/", 1)[-1].strip(". ") or "file"
    return f"files/{file_id}-{safe}"
