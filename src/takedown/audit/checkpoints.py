"""Signed checkpoints of the audit chain, kept outside the database.

The hash chain shows an entry changed, inserted or deleted in the middle. It cannot show a whole
chain recomputed after an edit, or its newest entries cut off with the head moved back: whoever
can write the database can do either and `verify` still passes. A checkpoint closes that gap: the
head (sequence number and entry hash) at a moment, signed with the installation's Ed25519 key
(cryptography), appended to a file under data_dir and sent to a witness outside Takedown
(`TAKEDOWN_AUDIT_WITNESS_URL`). Any later rewrite or truncation of what a checkpoint covered no
longer matches it (`takedown audit verify --checkpoints FILE`).
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.audit.models import AuditEntry, AuditHead
from takedown.jobs.cursors import locked_cursor
from takedown.jobs.runner import PeriodicJob
from takedown.local_keys import KeyFileError, local_key
from takedown.settings import Settings
from takedown.store.db import session_scope

log = logging.getLogger(__name__)
CHECKPOINT_FILE = "audit-checkpoints.jsonl"
_CURSOR = "audit-checkpoint"


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    entry_hash: str
    at: str  # ISO 8601, UTC
    public_key: str  # base64 raw Ed25519 public key
    signature: str  # base64 Ed25519 signature over `signed_bytes`

    def signed_bytes(self) -> bytes:
        return json.dumps(
            {"seq": self.seq, "entry_hash": self.entry_hash, "at": self.at},
            sort_keys=True,
            separators=(",", ":"),
        ).encode()

    def line(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


def signing_key(settings: Settings) -> Ed25519PrivateKey:
    """`TAKEDOWN_AUDIT_SIGNING_KEY` (base64 of a 32-byte Ed25519 seed), else one generated once
    under data_dir."""
    configured = settings.audit_signing_key.get_secret_value()
    where = (
        "TAKEDOWN_AUDIT_SIGNING_KEY (base64 of a 32-byte seed)"
        if configured
        else f"{settings.data_dir / 'audit-signing.key'} (a 32-byte seed)"
    )
    try:
        seed = (
            base64.b64decode(configured)
            if configured
            else local_key(settings.data_dir, "audit-signing.key")
        )
        return Ed25519PrivateKey.from_private_bytes(seed)
    except ValueError:  # not base64, or not 32 bytes
        raise KeyFileError(
            f"{where} holds no Ed25519 key: restore it from a backup (docs/operations.md, Secrets)"
        ) from None


def public_key_text(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def make_checkpoint(*, db_session: Session, settings: Settings) -> Checkpoint | None:
    """The current head, signed; None while the log is empty."""
    head = db_session.get(AuditHead, 1)
    if head is None or head.seq == 0:
        return None
    key = signing_key(settings)
    unsigned = Checkpoint(head.seq, head.entry_hash, clock.now().isoformat(), "", "")
    signature = key.sign(unsigned.signed_bytes())
    return Checkpoint(
        unsigned.seq,
        unsigned.entry_hash,
        unsigned.at,
        public_key_text(key),
        base64.b64encode(signature).decode(),
    )


def read_checkpoints(path: Path) -> list[Checkpoint]:
    """Checkpoints from a file of JSON lines; ValueError naming the line of a malformed one."""
    checkpoints = []
    for number, text in enumerate(path.read_text().splitlines(), start=1):
        if not text.strip():
            continue
        try:
            checkpoints.append(Checkpoint(**json.loads(text)))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a checkpoint ({exc})") from None
    return checkpoints


def check_checkpoint(
    db_session: Session, checkpoint: Checkpoint, *, trusted_key: str | None = None
) -> str | None:
    """Why the log no longer matches `checkpoint` (or the checkpoint is not genuine), or None."""
    if trusted_key is not None and checkpoint.public_key != trusted_key:
        return "signed with another key than the installation's"
    try:
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(checkpoint.public_key))
        public.verify(base64.b64decode(checkpoint.signature), checkpoint.signed_bytes())
    except (InvalidSignature, ValueError):
        return "its signature is not valid: the checkpoint itself was altered or forged"
    entry = db_session.get(AuditEntry, checkpoint.seq)
    if entry is None:
        return f"entry {checkpoint.seq} is gone: the log was cut back since {checkpoint.at}"
    if entry.entry_hash != checkpoint.entry_hash:
        return f"entry {checkpoint.seq} differs: the log was rewritten since {checkpoint.at}"
    return None


# After one of these, a checkpoint is due at the job's next run (within a minute), whatever
# the interval: what a court or the police may later rely on is covered outside the database soon.
SENSITIVE_ACTIONS = (
    "decision.",
    "appeal.decided",
    "evidence.",
    "ncmec.",
    "media.revealed",
    "reports.contact_erased",
    "user.role_changed",
    "api_key.",
    "audit.",
)


def checkpoint_due(settings: Settings, *, force: bool = False) -> Checkpoint | None:
    """Write a checkpoint if the log grew and either the last one is `audit_checkpoint_minutes`
    old or a sensitive action (SENSITIVE_ACTIONS) was logged since (`force`: if it grew at all,
    as at shutdown); one process writes it (the cursor row is locked). Appended to the file, then
    sent to the witness; a witness that fails is logged and gets the next checkpoint, which
    covers this."""
    with session_scope(settings.resolved_database_url) as db_session:
        cursor = locked_cursor(db_session, _CURSOR)
        interval = timedelta(minutes=settings.audit_checkpoint_minutes)
        if (
            not force
            and cursor.position
            and clock.now() - cursor.updated_at < interval
            and not _sensitive_since(db_session, cursor.position)
        ):
            return None
        checkpoint = make_checkpoint(db_session=db_session, settings=settings)
        if checkpoint is None or checkpoint.seq == cursor.position:
            return None
        path = Path(settings.data_dir) / CHECKPOINT_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a") as handle:
            handle.write(checkpoint.line() + "\n")
        cursor.position, cursor.updated_at = checkpoint.seq, clock.now()
    _send_to_witness(settings, checkpoint)
    return checkpoint


def _sensitive_since(db_session: Session, seq: int) -> bool:
    """A sensitive action among the entries after `seq` (the last checkpoint's): a range of the
    primary key, at most an interval's entries."""
    return (
        db_session.scalar(
            select(AuditEntry.seq)
            .where(
                AuditEntry.seq > seq,
                or_(*(AuditEntry.action.startswith(a, autoescape=True) for a in SENSITIVE_ACTIONS)),
            )
            .limit(1)
        )
        is not None
    )


def _send_to_witness(settings: Settings, checkpoint: Checkpoint) -> None:
    if not settings.audit_witness_url:
        return
    payload: dict[str, Any] = {"type": "audit.checkpoint", **asdict(checkpoint)}
    try:
        httpx.post(settings.audit_witness_url, json=payload, timeout=10).raise_for_status()
    except httpx.HTTPError as exc:
        log.warning("audit checkpoint %s not taken by the witness: %s", checkpoint.seq, exc)


def checkpoint_job() -> PeriodicJob:
    return PeriodicJob("audit-checkpoint", checkpoint_due, 60.0)
