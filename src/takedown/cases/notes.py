"""Staff's internal notes on a case: what a reviewer asked the platform, that a police contact is
waiting, what the next shift should look at. Every role that sees the case reads and writes them;
a reporter, the uploader and the transparency report never see them.

Notes are append-only, like the decisions beside them: a correction is a new note. Each is
audited (`case.note_added`) with the SHA-256 of its text rather than the text, so the chain shows
that no note was changed or removed without copying what staff wrote into the log.

The one exception is a redaction: a note that names a reporter, a victim or anyone else it should
not (an email, a phone number, a home address) has its text erased by an administrator, who says
why. The note stays in its place, saying who redacted it, when and why, and the redaction is
audited (`case.note_redacted`); what the text said is gone from the database.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.audit.service import record as audit
from takedown.auth.models import Role, User
from takedown.auth.users import has_role
from takedown.cases.models import Case, CaseNote
from takedown.errors import Conflict, Forbidden, InvalidInput, NotFound
from takedown.ids import new_id
from takedown.store.db import without_nul

NOTE_MAX_CHARS = 5000
REDACTION_REASON_MAX_CHARS = 500


def add_note(*, db_session: Session, case: Case, author_id: str, text: str) -> CaseNote:
    text = without_nul(text.strip())  # the digest below is of the text as it is kept
    if not text:
        raise InvalidInput("write the note first", code="note_required")
    if len(text) > NOTE_MAX_CHARS:
        raise InvalidInput(f"a note is at most {NOTE_MAX_CHARS:,} characters", code="note_too_long")
    note = CaseNote(
        id=new_id("note"), case_id=case.id, author_id=author_id, text=text, written_at=clock.now()
    )
    db_session.add(note)
    audit(
        db_session=db_session,
        actor=f"user:{author_id}",
        action="case.note_added",
        subject=case.id,
        details={"note_id": note.id, "sha256": hashlib.sha256(text.encode()).hexdigest()},
    )
    return note


def redact_note(
    *, db_session: Session, case: Case, note_id: str, admin: User, reason: str
) -> CaseNote:
    """Erase the note's text, keeping who redacted it, when and why."""
    if not has_role(admin.role, Role.ADMIN):
        raise Forbidden("administrators redact notes", code="admin_only")
    reason = reason.strip()
    if not reason:
        raise InvalidInput("say why the note is redacted", code="redaction_reason_required")
    if len(reason) > REDACTION_REASON_MAX_CHARS:
        raise InvalidInput(
            f"a reason is at most {REDACTION_REASON_MAX_CHARS} characters",
            code="redaction_reason_too_long",
        )
    note = db_session.get(CaseNote, note_id, with_for_update=True, populate_existing=True)
    if note is None or note.case_id != case.id:
        raise NotFound("no such note on this case", code="note_not_found")
    if note.redacted_at is not None:
        raise Conflict("the note is already redacted", code="note_redacted")
    note.text, note.redacted_at, note.redacted_by = "", clock.now(), admin.id
    note.redaction_reason = reason
    audit(
        db_session=db_session,
        actor=f"user:{admin.id}",
        action="case.note_redacted",
        subject=case.id,
        details={"note_id": note.id, "reason": reason},
    )
    return note


def notes_of(db_session: Session, case_id: str) -> list[CaseNote]:
    """Oldest first, as a conversation reads."""
    return list(
        db_session.scalars(
            select(CaseNote)
            .where(CaseNote.case_id == case_id)
            .order_by(CaseNote.written_at, CaseNote.id)
        )
    )
