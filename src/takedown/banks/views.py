"""Routes: /v1/banks (scope `banks`): create, list, update, entries, import, export."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from takedown.api.deps import DB_SESSION, DatabaseId, get_settings
from takedown.auth.dependencies import require_scope
from takedown.auth.models import Scope
from takedown.auth.service import Principal
from takedown.banks import formats, service
from takedown.banks.schemas import (
    BankCreate,
    BankOut,
    BankUpdate,
    EntriesAdded,
    EntriesIn,
    EntryOut,
    ImportOut,
)
from takedown.settings import Settings
from takedown.store.db import session_scope

router = APIRouter(prefix="/v1/banks", tags=["banks"])
banks_scope = require_scope(Scope.BANKS)


def _bank_out(db_session: Session, name: str) -> BankOut:
    bank = service.get_bank(db_session=db_session, name=name)
    return BankOut.of(bank, *service.entry_counts(db_session=db_session, bank=bank))


def apply_now(request: Request, db_session: Session) -> None:
    """Commit, then bring this process's index up to date, so the caller's next scan already
    sees the change (other processes follow the change log within the refresh interval)."""
    db_session.commit()
    index = getattr(request.app.state, "index", None)
    refresh = getattr(index, "refresh", None)
    if refresh is not None:
        refresh()


@router.get("", response_model=list[BankOut], summary="List banks")
def list_banks(
    db_session: Session = DB_SESSION, _: Principal = Depends(banks_scope)
) -> list[BankOut]:
    return [BankOut.of(b, e, t) for b, e, t in service.list_banks(db_session=db_session)]


@router.post("", response_model=BankOut, status_code=201, summary="Create a bank")
def create_bank(
    body: BankCreate,
    request: Request,
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
    principal: Principal = Depends(banks_scope),
) -> BankOut:
    bank = service.create_bank(
        db_session=db_session,
        name=body.name,
        category=body.category,
        action=body.action,
        pdq_threshold=settings.pdq_default_threshold if body.threshold is None else body.threshold,
        description=body.description,
        source=body.source,
        actor=principal.key_label,
    )
    apply_now(request, db_session)
    return BankOut.of(bank, 0, 0)


@router.get("/{name}", response_model=BankOut, summary="One bank")
def get_bank(
    name: str, db_session: Session = DB_SESSION, _: Principal = Depends(banks_scope)
) -> BankOut:
    return _bank_out(db_session, name)


@router.patch("/{name}", response_model=BankOut, summary="Update a bank (or enable/disable it)")
def update_bank(
    name: str,
    body: BankUpdate,
    request: Request,
    db_session: Session = DB_SESSION,
    principal: Principal = Depends(banks_scope),
) -> BankOut:
    bank = service.update_bank(
        db_session=db_session,
        name=name,
        actor=principal.key_label,
        new_name=body.name,
        description=body.description,
        category=body.category,
        action=body.action,
        pdq_threshold=body.threshold,
        enabled=body.enabled,
        signal_thresholds=body.signal_thresholds,
    )
    apply_now(request, db_session)
    return _bank_out(db_session, bank.name)


@router.get("/{name}/entries", response_model=list[EntryOut], summary="A page of entries")
def list_entries(
    name: str,
    after_id: Annotated[
        DatabaseId, Query(description="Keyset paging: the last id of the previous page")
    ] = 0,
    limit: int = Query(100, ge=1, le=1000),
    db_session: Session = DB_SESSION,
    _: Principal = Depends(banks_scope),
) -> list[EntryOut]:
    bank = service.get_bank(db_session=db_session, name=name)
    entries = service.list_entries(db_session=db_session, bank=bank, after_id=after_id, limit=limit)
    return [EntryOut.of(e) for e in entries]


@router.post("/{name}/entries", response_model=EntriesAdded, summary="Add hashes to a bank")
def add_entries(
    name: str,
    body: EntriesIn,
    request: Request,
    db_session: Session = DB_SESSION,
    principal: Principal = Depends(banks_scope),
) -> EntriesAdded:
    """Every value is validated first (422 names the bad one); hashes already banked are skipped."""
    result = service.add_entries(
        db_session=db_session,
        bank=name,
        entries=[
            service.NewEntry(e.signal_type, e.value, e.external_id, e.note) for e in body.entries
        ],
        added_by=principal.key_label,
    )
    apply_now(request, db_session)
    return EntriesAdded(added=result.added, skipped=result.skipped, entry_ids=result.entry_ids)


def _set_entry(
    request: Request, db_session: Session, principal: Principal, name: str, entry_id: int, on: bool
) -> EntryOut:
    entry = service.set_entry_enabled(
        db_session=db_session,
        bank_name=name,
        entry_id=entry_id,
        enabled=on,
        actor=principal.key_label,
    )
    apply_now(request, db_session)
    return EntryOut.of(entry)


@router.post(
    "/{name}/entries/{entry_id}/disable", response_model=EntryOut, summary="Stop an entry matching"
)
def disable_entry(
    name: str,
    entry_id: DatabaseId,
    request: Request,
    db_session: Session = DB_SESSION,
    principal: Principal = Depends(banks_scope),
) -> EntryOut:
    return _set_entry(request, db_session, principal, name, entry_id, False)


@router.post("/{name}/entries/{entry_id}/enable", response_model=EntryOut, summary="Re-enable")
def enable_entry(
    name: str,
    entry_id: DatabaseId,
    request: Request,
    db_session: Session = DB_SESSION,
    principal: Principal = Depends(banks_scope),
) -> EntryOut:
    return _set_entry(request, db_session, principal, name, entry_id, True)


@router.post("/{name}/import", response_model=ImportOut, summary="Import a hash file")
def import_file(
    name: str,
    request: Request,
    file: UploadFile = File(..., description="tx dataset CSV, '<type> <hash>' lines, or hashes"),
    fmt: str | None = Form(None, alias="format", description="csv or text (default: by name)"),
    signal_type: str | None = Form(None, description="Bare hashes, all of this type"),
    db_session: Session = DB_SESSION,
    principal: Principal = Depends(banks_scope),
) -> ImportOut:
    """Idempotent: hashes already in the bank are skipped; bad lines are reported by number."""
    bank = service.get_bank(db_session=db_session, name=name)
    stream = io.TextIOWrapper(file.file, encoding="utf-8", errors="replace", newline="")
    report = formats.import_lines(
        db_session=db_session,
        bank=bank,
        lines=stream,
        fmt=fmt or formats.guess_format(file.filename),
        signal_type=signal_type or None,
        added_by=principal.key_label,
        source_name=file.filename or "",
    )
    apply_now(request, db_session)
    return ImportOut.model_validate(report.as_dict())


@router.get("/{name}/export", summary="Export a bank (python-threatexchange formats)")
def export(
    name: str,
    fmt: str = Query("csv", alias="format", description="csv or text"),
    signal_type: str | None = Query(None, description="text: bare hashes of this type"),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
    _: Principal = Depends(banks_scope),
) -> StreamingResponse:
    bank = service.get_bank(db_session=db_session, name=name)
    # Checked before streaming starts, so a bad format is a 422, not a broken stream.
    formats.check_export(fmt, signal_type)
    bank_id = bank.id

    def lines() -> Iterator[str]:
        # Its own session: the request's session may be closed while the body streams.
        with session_scope(settings.resolved_database_url) as export_session:
            target = export_session.get_one(type(bank), bank_id)
            yield from formats.export_lines(
                db_session=export_session, bank=target, fmt=fmt, signal_type=signal_type
            )

    media_type = "text/csv" if fmt == "csv" else "text/plain"
    filename = f"{bank.name}.{'csv' if fmt == 'csv' else 'txt'}"
    return StreamingResponse(
        lines(),
        media_type=f"{media_type}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
