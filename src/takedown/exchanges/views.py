"""Routes: /v1/banks/{name}/exchange (scope `banks`): follow, see, sync now, stop following."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from sqlalchemy.orm import Session

from takedown.api.deps import DB_SESSION
from takedown.auth.dependencies import require_scope
from takedown.auth.models import Scope
from takedown.auth.service import Principal
from takedown.banks.service import get_bank
from takedown.exchanges import service
from takedown.exchanges.schemas import ExchangeIn, ExchangeOut

router = APIRouter(prefix="/v1/banks", tags=["exchanges"])
banks_scope = require_scope(Scope.BANKS)


@router.put("/{name}/exchange", response_model=ExchangeOut, summary="Follow a hash exchange")
def follow_exchange(
    name: str,
    body: ExchangeIn,
    db_session: Session = DB_SESSION,
    principal: Principal = Depends(banks_scope),
) -> ExchangeOut:
    """The bank takes every hash the exchange shares and lets go of the ones it withdraws; the
    first sync starts within seconds."""
    exchange = service.follow(
        db_session=db_session,
        bank_name=name,
        api=body.exchange,
        config=body.config,
        every_minutes=body.every_minutes,
        actor=principal.key_label,
        over_http=True,
    )
    db_session.commit()
    return service.status_of(db_session=db_session, bank_name=name, exchange=exchange)


@router.get(
    "/{name}/exchange", response_model=ExchangeOut, summary="How the bank's exchange stands"
)
def get_exchange(
    name: str, db_session: Session = DB_SESSION, _: Principal = Depends(banks_scope)
) -> ExchangeOut:
    bank = get_bank(db_session=db_session, name=name)
    return service.status_of(
        db_session=db_session,
        bank_name=name,
        exchange=service.exchange_of(db_session=db_session, bank=bank),
    )


@router.post(
    "/{name}/exchange/sync",
    response_model=ExchangeOut,
    status_code=202,
    summary="Sync now (the background job starts it within seconds)",
)
def sync_exchange(
    name: str, db_session: Session = DB_SESSION, _: Principal = Depends(banks_scope)
) -> ExchangeOut:
    exchange = service.request_sync(db_session=db_session, bank_name=name)
    db_session.commit()
    return service.status_of(db_session=db_session, bank_name=name, exchange=exchange)


@router.delete("/{name}/exchange", status_code=204, summary="Stop following (entries stay)")
def unfollow_exchange(
    name: str, db_session: Session = DB_SESSION, principal: Principal = Depends(banks_scope)
) -> Response:
    service.unfollow(db_session=db_session, bank_name=name, actor=principal.key_label)
    db_session.commit()
    return Response(status_code=204)
