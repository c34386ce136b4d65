"""File one CyberTipline report: /submit, then /upload and /fileinfo per file, then /finish.

Each step is committed as it happens (report id, every file id, the receipt), so a crash leaves
a record of what NCMEC holds. A failure after /submit retracts the unfinished report and the
filing is retried from the start with exponential backoff; errors that retrying cannot fix
(an invalid document, a test report aimed at production) stop and wait for a person.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from takedown import clock
from takedown.audit.service import record
from takedown.cases.models import Case
from takedown.errors import InvalidInput, NotFound, TakedownError
from takedown.evidence.service import mark_reported
from takedown.jobs import leases
from takedown.ncmec import metrics
from takedown.ncmec.case_report import NotReportable, package_for_case
from takedown.ncmec.client import CyberTiplineClient, NcmecError, ProductionGuardError
from takedown.ncmec.metadata import fetch_metadata
from takedown.ncmec.models import FilingState, NcmecFile, NcmecFiling
from takedown.ncmec.schemas import Environment
from takedown.ncmec.service import SYSTEM_ACTOR, is_withdrawn, note
from takedown.ncmec.xml import InvalidCyberTiplineXml, build_file_details, build_report
from takedown.review.models import Decision
from takedown.settings import Settings
from takedown.store.db import session_scope

log = logging.getLogger(__name__)

REPORT_ALREADY_FINISHED = 5102
GONE_CODES = {5001, 5101}  # the open report no longer exists / is already retracted


class Withdrawn(Exception):
    """The filing was withdrawn while it was being sent: stop, retract, file nothing."""


@dataclass(frozen=True)
class Failure:
    message: str
    reason: str  # metrics label: a response code or an error code
    response_code: int | None
    permanent: bool


def _classify(exc: BaseException) -> Failure:
    if isinstance(exc, NcmecError):
        reason = str(exc.response_code) if exc.response_code is not None else "network"
        return Failure(exc.detail, reason, exc.response_code, exc.permanent)
    if isinstance(
        exc, InvalidCyberTiplineXml | ProductionGuardError | NotReportable | InvalidInput | NotFound
    ):
        return Failure(exc.detail, exc.code, None, True)
    if isinstance(exc, TakedownError):
        return Failure(exc.detail, exc.code, None, False)
    return Failure(f"{type(exc).__name__}: {exc}", "unexpected", None, False)


def backoff(settings: Settings, attempts: int) -> timedelta:
    """base * 2^(attempts-1), capped."""
    seconds = settings.ncmec_retry_base_seconds * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.ncmec_retry_max_seconds))


def lease_seconds(settings: Settings) -> float:
    return max(600.0, settings.ncmec_timeout_seconds * 20)


def due_filing_ids(settings: Settings, *, limit: int = 20) -> list[str]:
    now = clock.now()
    with session_scope(settings.resolved_database_url) as db_session:
        return list(
            db_session.scalars(
                select(NcmecFiling.id)
                .where(
                    # IN, not !=: SQLite reads the index by state only for equal values.
                    NcmecFiling.state.in_(
                        [state.value for state in FilingState if state != FilingState.FINISHED]
                    ),
                    NcmecFiling.next_attempt_at.is_not(None),
                    NcmecFiling.next_attempt_at <= now,
                    leases.is_free(NcmecFiling.lease_until),
                )
                .order_by(NcmecFiling.next_attempt_at)
                .limit(limit)
            )
        )


def claim(settings: Settings, filing_id: str) -> bool:
    """Take the filing for this worker (atomic on every backend); False if another has it."""
    now = clock.now()
    with session_scope(settings.resolved_database_url) as db_session:
        return leases.take(
            db_session,
            NcmecFiling.lease_until,
            NcmecFiling.id == filing_id,
            NcmecFiling.state != FilingState.FINISHED,
            until=now + timedelta(seconds=lease_seconds(settings)),
            attempts=NcmecFiling.attempts + 1,
            updated_at=now,
        )


class _Filing:
    """Short transactions against one filing row while the network work runs outside them."""

    def __init__(self, settings: Settings, filing_id: str) -> None:
        self.settings, self.filing_id = settings, filing_id

    def change(self, event: str, detail: str = "", **values: object) -> NcmecFiling:
        with session_scope(self.settings.resolved_database_url) as db_session:
            filing = db_session.get(NcmecFiling, self.filing_id)
            assert filing is not None
            for key, value in values.items():
                setattr(filing, key, value)
            note(filing, event, detail)
            if filing.state == FilingState.FINISHED and filing.finished_at is not None:
                # 18 U.S.C. 2258A(h): the evidence is kept a year from this report, from now.
                mark_reported(
                    db_session=db_session,
                    settings=self.settings,
                    case_id=filing.case_id,
                    reported_at=filing.finished_at,
                )
            record(
                db_session=db_session,
                actor=SYSTEM_ACTOR,
                action=f"ncmec.{event}",
                subject=filing.case_id,
                details={"filing_id": filing.id, "detail": detail, **_plain(values)},
            )
            return filing

    def withdrawn(self) -> bool:
        with session_scope(self.settings.resolved_database_url) as db_session:
            filing = db_session.get(NcmecFiling, self.filing_id)
            return filing is not None and is_withdrawn(filing)

    def stop_if_withdrawn(self) -> None:
        if self.withdrawn():
            raise Withdrawn

    def add_file(self, row: NcmecFile) -> None:
        with session_scope(self.settings.resolved_database_url) as db_session:
            db_session.add(row)

    def mark_details_sent(self, file_id: str) -> None:
        with session_scope(self.settings.resolved_database_url) as db_session:
            db_session.execute(
                update(NcmecFile)
                .where(NcmecFile.filing_id == self.filing_id, NcmecFile.file_id == file_id)
                .values(details_sent=True)
            )


def _plain(values: dict[str, object]) -> dict[str, object]:
    skip = {"report_xml", "receipt_xml", "history"}
    return {k: v for k, v in values.items() if k not in skip}


def run_filing(settings: Settings, filing_id: str) -> str:
    """One attempt at a claimed filing; returns the state it ends in."""
    store = _Filing(settings, filing_id)
    with session_scope(settings.resolved_database_url) as db_session:
        filing = db_session.get(NcmecFiling, filing_id)
        if filing is None or filing.state == FilingState.FINISHED:
            return FilingState.FINISHED.value
        environment, open_report_id = filing.environment, filing.ncmec_report_id
        withdrawn = is_withdrawn(filing)
        attempts, case_id, decision_id = filing.attempts, filing.case_id, filing.decision_id
        case = db_session.get(Case, case_id)
        content_id = case.content_id if case else None
        account_id = case.account_id if case else None

    report_id: str | None = None
    try:
        try:
            report_environment = Environment(environment)
        except ValueError as exc:
            raise ProductionGuardError(
                f"the filing was queued with TAKEDOWN_NCMEC_ENVIRONMENT={environment!r}; it must "
                "be 'test' or 'production'. Fix the setting, then file again"
            ) from exc
        client = CyberTiplineClient.from_settings(settings, report_environment=report_environment)
        with client:
            # A previous attempt died with the report open: close that one first.
            if open_report_id and _retract(store, client, open_report_id):
                return FilingState.FINISHED.value
            if withdrawn:
                return _stop_withdrawn(store)
            metadata, metadata_note = None, ""
            try:
                metadata = fetch_metadata(settings, content_id=content_id, account_id=account_id)
            except TakedownError as exc:
                # The metadata is voluntary; the report is not. File without it, and say so.
                metadata_note = f"platform metadata not used: {exc.detail}"
            with session_scope(settings.resolved_database_url) as db_session:
                case = db_session.get(Case, case_id)
                if case is None:
                    raise NotFound(f"case {case_id} of filing {filing_id} is gone")
                decision = db_session.get(Decision, decision_id) if decision_id else None
                package = package_for_case(
                    db_session=db_session,
                    settings=settings,
                    case=case,
                    decision=decision,
                    metadata=metadata,
                )
            report_xml = build_report(package.report)  # validated against the XSD
            report_id = _call(client.submit, "submit", report_xml)
            store.change(
                "submitted",
                f"CyberTipline report {report_id} opened"
                + (f"; {metadata_note}" if metadata_note else ""),
                state=FilingState.SENT.value,
                ncmec_report_id=report_id,
                report_xml=report_xml.decode(),
            )
            for item in package.files:
                store.stop_if_withdrawn()
                upload = _call(
                    client.upload,
                    "upload",
                    report_id,
                    filename=item.filename,
                    path=item.path,
                    data=item.data,
                    md5=item.md5,
                )
                store.add_file(
                    NcmecFile(
                        filing_id=filing_id,
                        ncmec_report_id=report_id,
                        file_id=upload.file_id,
                        case_media_id=item.case_media_id,
                        filename=item.filename[:255],
                        md5=upload.md5,
                        details_sent=False,
                        uploaded_at=clock.now(),
                    )
                )
                details_xml = build_file_details(
                    item.details, report_id=report_id, file_id=upload.file_id
                )
                _call(client.fileinfo, "fileinfo", details_xml)
                store.mark_details_sent(upload.file_id)
            store.stop_if_withdrawn()
            done, receipt = _call(client.finish, "finish", report_id)
        store.change(
            "finished",
            f"CyberTipline report {done.report_id} finished with {len(done.file_ids)} file(s)",
            state=FilingState.FINISHED.value,
            receipt_xml=receipt.decode(),
            finished_at=clock.now(),
            next_attempt_at=None,
            lease_until=None,
            last_error=None,
            last_response_code=None,
        )
        metrics.FINISHED.inc()
        return FilingState.FINISHED.value
    except Exception as exc:  # every failure is recorded and counted, never swallowed
        failure = _classify(exc)
        if not isinstance(exc, Withdrawn):
            log.warning("NCMEC filing %s failed: %s", filing_id, failure.message)
            metrics.FAILURES.labels(failure.reason).inc()
        if report_id is not None:
            try:
                with CyberTiplineClient.from_settings(
                    settings, report_environment=Environment(environment)
                ) as retract_client:
                    if _retract(store, retract_client, report_id):
                        return FilingState.FINISHED.value
            except TakedownError as retract_exc:
                log.warning("NCMEC retract of %s failed: %s", report_id, retract_exc)
        if store.withdrawn():
            # Withdrawn while it was being sent: keep the withdrawal, file nothing again (a
            # report left open is retracted by the next run, or deleted by NCMEC in 24 h).
            return _stop_withdrawn(store)
        return _fail(store, settings, failure, attempts)


def _stop_withdrawn(store: _Filing) -> str:
    with session_scope(store.settings.resolved_database_url) as db_session:
        filing = db_session.get(NcmecFiling, store.filing_id)
        still_open = filing is not None and filing.ncmec_report_id is not None
    store.change(
        "stopped",
        "withdrawn: nothing more is sent"
        + ("; the open report could not be retracted yet" if still_open else ""),
        state=FilingState.FAILED.value,
        next_attempt_at=clock.now() + backoff(store.settings, 1) if still_open else None,
        lease_until=None,
    )
    return FilingState.FAILED.value


def _call(method, endpoint: str, *args, **kwargs):  # type: ignore[no-untyped-def]
    try:
        result = method(*args, **kwargs)
    except Exception:
        metrics.REQUESTS.labels(endpoint, "error").inc()
        raise
    metrics.REQUESTS.labels(endpoint, "ok").inc()
    return result


def _retract(store: _Filing, client: CyberTiplineClient, report_id: str) -> bool:
    """Retract an unfinished report. True when NCMEC says it was in fact finished."""
    try:
        _call(client.retract, "retract", report_id)
    except NcmecError as exc:
        if exc.response_code == REPORT_ALREADY_FINISHED:
            # Our /finish reached NCMEC but its answer did not reach us: the report is filed.
            store.change(
                "finished",
                f"CyberTipline report {report_id} was already finished (found on retract); "
                "the /finish receipt was not received",
                state=FilingState.FINISHED.value,
                finished_at=clock.now(),
                next_attempt_at=None,
                lease_until=None,
            )
            metrics.FINISHED.inc()
            return True
        if exc.response_code not in GONE_CODES:
            store.change("retract_failed", f"report {report_id}: {exc.detail}")
            raise
    with session_scope(store.settings.resolved_database_url) as db_session:
        filing = db_session.get(NcmecFiling, store.filing_id)
        retracted = [*(filing.retracted_report_ids if filing else []), report_id]
    store.change(
        "retracted",
        f"unfinished CyberTipline report {report_id} retracted",
        ncmec_report_id=None,
        retracted_report_ids=retracted,
    )
    metrics.RETRACTIONS.inc()
    return False


def _fail(store: _Filing, settings: Settings, failure: Failure, attempts: int) -> str:
    gave_up = failure.permanent or attempts >= settings.ncmec_max_attempts
    next_at = None if gave_up else clock.now() + backoff(settings, attempts)
    detail = failure.message
    if failure.permanent:
        detail += " (not retried: a person must correct this and file again)"
    elif gave_up:
        detail += f" (gave up after {attempts} attempts)"
    else:
        detail += f" (attempt {attempts}; next at {next_at.isoformat() if next_at else '-'})"
    store.change(
        "failed",
        detail,
        state=FilingState.FAILED.value,
        next_attempt_at=next_at,
        lease_until=None,
        last_error=failure.message,
        last_response_code=failure.response_code,
    )
    return FilingState.FAILED.value
