"""The vault: only the `legal` role (not even admin) opens evidence; every access audited."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from takedown.api.deps import DB_SESSION, get_settings
from takedown.audit.service import AuditQuery, find
from takedown.auth.dependencies import optional_principal
from takedown.auth.models import Role
from takedown.auth.service import Principal
from takedown.console.auth import ConsoleUser, require_console_user
from takedown.console.views import usernames_of
from takedown.errors import Forbidden, TakedownError, Unauthorized
from takedown.evidence import service
from takedown.evidence.disclosure import DisclosureRequest, disclose
from takedown.evidence.models import EvidencePackage
from takedown.settings import Settings
from takedown.web.templating import render

router = APIRouter(tags=["staff: evidence vault"])


def legal_principal(principal: Principal | None = Depends(optional_principal)) -> Principal:
    if principal is None:
        raise Unauthorized("send 'Authorization: Bearer <staff token>'", code="missing_token")
    if principal.role != Role.LEGAL:
        raise Forbidden("only the legal role opens the evidence vault", code="legal_only")
    return principal


def legal_console_user(
    me: ConsoleUser = Depends(require_console_user(Role.REVIEWER)),
) -> ConsoleUser:
    if me.role != Role.LEGAL:
        raise Forbidden("only the legal role opens the evidence vault", code="legal_only")
    return me


def package_json(package: EvidencePackage, files: list[Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "package_id": package.id,
        "case_id": package.case_id,
        "decision_id": package.decision_id,
        "preserved_at": package.preserved_at,
        "ncmec_reported_at": package.ncmec_reported_at,
        "retain_until": package.retain_until,
        "legal_hold": package.legal_hold,
        "legal_hold_reason": package.legal_hold_reason,
        "purged_at": package.purged_at,
    }
    if files is not None:
        out["files"] = [
            {
                "file_id": f.id,
                "kind": f.kind,
                "filename": f.filename,
                "media_type": f.media_type,
                "sha256": f.sha256,
                "size_bytes": f.size_bytes,
            }
            for f in files
        ]
    return out


def _actor(principal: Principal) -> str:
    return f"user:{principal.user_id}"


@router.get("/v1/evidence")
def list_evidence(
    case_id: str | None = None,
    principal: Principal = Depends(legal_principal),
    db_session: Session = DB_SESSION,
) -> dict[str, Any]:
    packages = service.list_packages(db_session=db_session, case_id=case_id)
    from takedown.audit.service import record

    record(
        db_session=db_session,
        actor=_actor(principal),
        action="evidence.listed",
        subject=case_id or "*",
        details={"count": len(packages)},
    )
    return {"packages": [package_json(p) for p in packages]}


@router.get("/v1/evidence/{package_id}")
def get_evidence(
    package_id: str,
    principal: Principal = Depends(legal_principal),
    db_session: Session = DB_SESSION,
) -> dict[str, Any]:
    package = service.get_package(db_session=db_session, package_id=package_id)
    service.record_access(
        db_session=db_session, actor=_actor(principal), package=package, what="metadata"
    )
    return package_detail(db_session, package)


def package_detail(db_session: Session, package: EvidencePackage) -> dict[str, Any]:
    """A package with its files and disclosures, and whether a CyberTipline report still owed
    keeps it past `retain_until`."""
    return {
        **package_json(package, service.files_of(db_session=db_session, package_id=package.id)),
        "kept_for_unfinished_report": package.purged_at is None
        and service.awaits_report(db_session, package.case_id),
        "disclosures": disclosures_of(db_session, package),
    }


@router.get("/v1/evidence/{package_id}/files/{file_id}")
def get_evidence_file(
    package_id: str,
    file_id: str,
    principal: Principal = Depends(legal_principal),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> Response:
    row, data = service.open_file(
        db_session=db_session,
        settings=settings,
        package_id=package_id,
        file_id=file_id,
        actor=_actor(principal),
    )
    return Response(
        data,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{row.id}.bin"',
            "X-Evidence-SHA256": row.sha256,
            "Cache-Control": "no-store",
        },
    )


class HoldIn(BaseModel):
    hold: bool = True
    reason: str = Field(min_length=1, max_length=2000)


@router.post("/v1/evidence/{package_id}/hold")
def legal_hold(
    package_id: str,
    body: HoldIn,
    principal: Principal = Depends(legal_principal),
    db_session: Session = DB_SESSION,
) -> dict[str, Any]:
    """Place (or release) a legal hold: a held package is never purged."""
    package = service.set_legal_hold(
        db_session=db_session,
        package_id=package_id,
        hold=body.hold,
        reason=body.reason,
        actor=_actor(principal),
    )
    return package_json(package)


class DisclosureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    requested_by: str = Field(description="The agency and officer who asked.")
    legal_process: str = Field(description='What they served, e.g. "Search warrant 26-SW-0142".')
    note: str = ""


def _zip_response(name: str, data: bytes) -> Response:
    return Response(
        data,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/v1/evidence/{package_id}/disclosures")
def disclose_evidence(
    package_id: str,
    body: DisclosureIn,
    principal: Principal = Depends(legal_principal),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> Response:
    """Answer legal process: one ZIP of the package's files as preserved, with a manifest of
    their SHA-256s, the request, and the package's chain of custody from the audit log. The
    disclosure is audited (`evidence.disclosed`) before the file is sent."""
    name, data = disclose(
        db_session=db_session,
        settings=settings,
        package_id=package_id,
        request=DisclosureRequest(body.requested_by, body.legal_process, body.note),
        actor=_actor(principal),
    )
    return _zip_response(name, data)


def disclosures_of(db_session: Session, package: EvidencePackage) -> list[dict[str, Any]]:
    """Earlier disclosures of the package, oldest first, from the audit log."""
    entries = find(
        db_session=db_session,
        query=AuditQuery(subject=package.case_id, action="evidence.disclosed", limit=500),
    )
    mine = [e for e in reversed(entries) if e.details.get("package_id") == package.id]
    names = usernames_of(db_session, {e.actor.removeprefix("user:") for e in mine})
    return [
        {
            "at": e.at,
            "by": e.actor,
            "by_name": names.get(e.actor.removeprefix("user:"), e.actor),
            **e.details,
        }
        for e in mine
    ]


@router.get("/console/evidence/{package_id}", response_class=HTMLResponse, include_in_schema=False)
def evidence_page(
    request: Request,
    package_id: str,
    me: ConsoleUser = Depends(legal_console_user),
    db_session: Session = DB_SESSION,
) -> HTMLResponse:
    return _package_page(request, package_id, me, db_session)


def _package_page(
    request: Request,
    package_id: str,
    me: ConsoleUser,
    db_session: Session,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    package = service.get_package(db_session=db_session, package_id=package_id)
    service.record_access(
        db_session=db_session, actor=me.actor, package=package, what="console metadata"
    )
    detail = package_detail(db_session, package)
    return render(
        request,
        "evidence/package.html",
        {"me": me, "package": detail, "disclosures": detail["disclosures"], "error": error},
        status_code=status_code,
    )


@router.post("/console/evidence/{package_id}/disclosures", include_in_schema=False)
def disclose_page(
    request: Request,
    package_id: str,
    requested_by: str = Form(""),
    legal_process: str = Form(""),
    note: str = Form(""),
    me: ConsoleUser = Depends(legal_console_user),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> Response:
    try:
        name, data = disclose(
            db_session=db_session,
            settings=settings,
            package_id=package_id,
            request=DisclosureRequest(requested_by, legal_process, note),
            actor=me.actor,
        )
    except TakedownError as exc:
        db_session.rollback()
        return _package_page(request, package_id, me, db_session, exc.detail, exc.status)
    return _zip_response(name, data)


@router.get("/console/evidence/{package_id}/files/{file_id}", include_in_schema=False)
def evidence_file_page(
    package_id: str,
    file_id: str,
    me: ConsoleUser = Depends(legal_console_user),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> Response:
    row, data = service.open_file(
        db_session=db_session,
        settings=settings,
        package_id=package_id,
        file_id=file_id,
        actor=me.actor,
    )
    return Response(
        data,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{row.id}.bin"',
            "Cache-Control": "no-store",
        },
    )
