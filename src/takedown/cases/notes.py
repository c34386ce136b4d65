"""Staff's internal notes on a case: what a reviewer asked the platform, that a police contact is
waiting, what the next shift should look at. Every role that sees the case reads and writes them;
a reporter, the uploader and the transparency report never see them.

Notes are append-only, like the decisions beside them: a correction is a new note. Each is
audited (`case.note_added`) with the SHA-256 of its text rather than the text, so the chain shows
that no note was changed or removed without copying what staff wrote into the log.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.audit.service import record as audit
from takedown.cases.models import Case, CaseNote
from takedown.errors import InvalidInput
from takedown.ids import new_id

NOTE_MAX_CHARS = 5000


def add_note(*, db_session: Session, case: Case, author_id: str, text: str) -> CaseNote:
    text = text.strip()
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


def notes_of(db_session: Session, case_id: str) -> list[CaseNote]:
    """Oldest first, as a conversation reads."""
    return list(
        db_session.scalars(
            select(CaseNote)
            .where(CaseNote.case_id == case_id)
            .order_by(CaseNote.written_at, CaseNote.id)
        )
    )
