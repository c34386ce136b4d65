"""Queue notifications in the caller's transaction; `notify.scheduled` delivers them.

Reporters get an acknowledgment and the decision by email when they gave an address; the
on-call channel (webhook and/or email) hears about escalations.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.cases.models import Appeal, AppealOutcome, Case, CaseStatus
from takedown.i18n import N_, default_language, translator
from takedown.i18n.dates import reader_datetime
from takedown.notify.models import Notification, NotificationChannel
from takedown.reports.support import support_for
from takedown.settings import Settings

# What the reporter reads on the tracking page and in email (plain words, no internal codes;
# English msgids, translated where shown).
PUBLIC_STATUS = {
    # The same words while watching: a reporter's page that changed when an upload matched would
    # tell anyone whether a picture they fingerprinted is on the platform.
    CaseStatus.WATCHING: N_("received"),
    CaseStatus.OPEN: N_("received"),
    CaseStatus.IN_REVIEW: N_("in review"),
    CaseStatus.SECOND_REVIEW: N_("in review"),  # the reporter is not told a reviewer disagreed
    CaseStatus.ACTION_TAKEN: N_("action taken"),
    CaseStatus.NO_ACTION: N_("no action"),
    CaseStatus.APPEALED: N_("appealed"),
    CaseStatus.MERGED: N_("joined with other reports of the same content"),
    CaseStatus.WITHDRAWN: N_("withdrawn"),
}

# What a reporter by fingerprint alone is promised instead of news of a decision.
LOOKED_FOR = N_(
    "We look for uploads that match your fingerprints, and a trained reviewer checks each one "
    "found."
)
NOT_TOLD = N_(
    "We do not tell you when something matches or what was decided: otherwise anyone could use "
    "a report to test whether a picture is here. If you find it yourself, report its address: "
    "that report is followed to a decision you are told."
)


# What the reporter of a hidden case who sent a picture with an address (or a file alone) is told.
NOT_TOLD_PICTURE = N_(
    "You sent a picture or video, or its fingerprint, and the platform holds no upload of it at "
    "the address you gave, or you gave none. A trained reviewer checks what you sent and any "
    "upload found that matches it. So that nobody can use a report to test whether a picture is "
    "here, we do not tell you when something matches or what was decided. If you find it on the "
    "platform, report its address: that report is followed to a decision you are told."
)


def not_told(gettext: Any, *, by_fingerprint_alone: bool) -> str:
    """Why a reporter whose case is hidden (`Report.case_hidden`) hears nothing of it."""
    return gettext(NOT_TOLD if by_fingerprint_alone else NOT_TOLD_PICTURE)


def sealed_promise(gettext: Any, *, by_fingerprint_alone: bool = True) -> str:
    if not by_fingerprint_alone:
        return not_told(gettext, by_fingerprint_alone=False)
    return f"{gettext(LOOKED_FOR)} {gettext(NOT_TOLD)}"


APPEAL_OUTCOMES: dict[str, str] = {
    AppealOutcome.UPHELD: N_("upheld"),
    AppealOutcome.OVERTURNED: N_("overturned"),
}


def public_status(case: Case) -> str:
    return PUBLIC_STATUS[CaseStatus(case.status)]


def reporter_status(report: Any, case: Case, *, reopened_by_staff: bool = False) -> str:
    """What the report's own reporter reads: a report by fingerprint alone stays "received"
    (until withdrawn) whatever its fingerprints found and whatever was decided. A case staff
    reopened (a quality check, not anyone's appeal) is "in review" again."""
    if report.withdrawn_at is not None:
        return PUBLIC_STATUS[CaseStatus.WITHDRAWN]
    if report.case_hidden:
        return PUBLIC_STATUS[CaseStatus.WATCHING]
    if reopened_by_staff and case.status == CaseStatus.APPEALED:
        return PUBLIC_STATUS[CaseStatus.IN_REVIEW]
    return public_status(case)


def tracking_url(settings: Settings, tracking_token: str) -> str:
    return f"{settings.resolved_public_base_url}/track/{tracking_token}"


def queue(
    *,
    db_session: Session,
    channel: NotificationChannel,
    kind: str,
    recipient: str,
    subject: str = "",
    body: str = "",
    payload: dict[str, Any] | None = None,
    case_id: str | None = None,
    dedupe_key: str | None = None,
) -> Notification | None:
    """Add one outbox row; with `dedupe_key`, a second call for the same key adds nothing."""
    if dedupe_key is not None:
        existing = db_session.scalar(
            select(Notification).where(Notification.dedupe_key == dedupe_key)
        )
        if existing is not None:
            return None
    now = clock.now()
    row = Notification(
        dedupe_key=dedupe_key,
        channel=channel.value,
        kind=kind,
        recipient=recipient,
        subject=subject,
        body=body,
        payload=payload or {},
        case_id=case_id,
        next_attempt_at=now,
        created_at=now,
    )
    db_session.add(row)
    db_session.flush()
    return row


def queue_acknowledgment(
    *, db_session: Session, settings: Settings, filed: list[Any]
) -> Notification | None:
    """Tell a reporter who gave an address that the report arrived, and how to follow it: one
    message for the reports filed together (the web form's extra addresses), each with its case
    reference and tracking link. In the report's language. A report by fingerprint alone is
    told its own reference only: the case it joined depends on what matched."""
    report = filed[0]
    if not report.reporter_email:
        return None
    language = translator(report.language, settings)
    gettext = language.gettext
    blocks = [
        (
            ""
            if each.case_hidden
            else gettext("Case reference: %(case)s") % {"case": each.case_id} + "\n"
        )
        + gettext("Report reference: %(report)s") % {"report": each.id}
        + "\n"
        + (
            gettext("Address: %(address)s") % {"address": each.content_url} + "\n"
            if len(filed) > 1 and each.content_url
            else ""
        )
        + gettext("Received: %(when)s UTC")
        % {"when": reader_datetime(each.received_at, report.language or default_language(settings))}
        + "\n"
        + gettext("Follow it here (keep this link private):")
        + f"\n{tracking_url(settings, each.tracking_token)}\n"
        for each in filed
    ]
    count = len(filed)
    received = language.ngettext(
        "We received your report.", "We received your %(count)s reports.", count
    ) % {"count": count}
    parts = [
        received,
        "",
        "\n".join(blocks),
    ]
    if any(not each.case_hidden for each in filed):
        parts.append(
            gettext("We review every report. You will get another message when a decision is made.")
        )
    hidden = next((each for each in filed if each.case_hidden), None)
    if hidden is not None:  # the web form's first, with extras
        parts.append(sealed_promise(gettext, by_fingerprint_alone=hidden.by_fingerprint_alone))
    resources = support_for(settings, report.category)
    if resources:
        parts += ["", gettext("Help beyond this platform") + ":"]
        parts += [f"- {gettext(r.name)}: {r.url}\n  {gettext(r.description)}" for r in resources]
    body = "\n".join(parts) + "\n"
    subject = (
        gettext("We received your %(count)s reports") % {"count": count}
        if count > 1
        else gettext("We received your report (%(case)s)")
        % {"case": report.id if report.case_hidden else report.case_id}
    )
    return queue(
        db_session=db_session,
        channel=NotificationChannel.EMAIL,
        kind="acknowledgment",
        recipient=report.reporter_email,
        subject=subject,
        body=body,
        case_id=report.case_id,
        dedupe_key=f"ack:{report.id}",
    )


def queue_decision_message(
    *, db_session: Session, case: Case, settings: Settings | None = None
) -> list[Notification]:
    """Email every reporter of `case` who gave an address its decision in plain words, each in
    their report's language.

    Call it in the decision's transaction, after `case.outcome_text_public` is set.
    """
    from takedown.reports.models import Report
    from takedown.review.public_texts import localised_public_text

    settings = settings or _settings()
    reports = db_session.scalars(
        select(Report).where(Report.case_id == case.id, Report.reporter_email.is_not(None))
    )
    decided = (case.decided_at or clock.now()).isoformat()
    sent: list[Notification] = []
    seen: set[str] = set()
    for report in reports:
        email = report.reporter_email
        # A decision on a case a fingerprint found would tell its reporter that it was here.
        if email is None or email in seen or report.case_hidden:
            continue
        seen.add(email)
        gettext = translator(report.language, settings).gettext
        body = (
            gettext("A decision was made on your report (case %(case)s).") % {"case": case.id}
            + "\n\n"
            + gettext("Status: %(status)s") % {"status": gettext(public_status(case))}
            + "\n"
            + (localised_public_text(case.outcome_text_public, gettext) or "")
            + "\n\n"
            + gettext("Details, and how to appeal if you disagree:")
            + f"\n{tracking_url(settings, report.tracking_token)}\n"
        )
        row = queue(
            db_session=db_session,
            channel=NotificationChannel.EMAIL,
            kind="decision",
            recipient=email,
            subject=gettext("Decision on your report (%(case)s)") % {"case": case.id},
            body=body,
            case_id=case.id,
            dedupe_key=f"decision:{case.id}:{email}:{decided}",
        )
        if row is not None:
            sent.append(row)
    return sent


def queue_later_action_message(
    *,
    db_session: Session,
    settings: Settings,
    earlier: Case,
    case: Case,
    told: set[str],
) -> list[Notification]:
    """Email the reporters of `earlier`, a case about the post decided "no violation", that
    `case` took action on it after all; each in their report's language, once. `told`: the
    addresses already told (the reporters of `case`), extended with those told here."""
    from takedown.reports.models import Report

    sent: list[Notification] = []
    for report in db_session.scalars(
        select(Report).where(Report.case_id == earlier.id, Report.reporter_email.is_not(None))
    ):
        email = report.reporter_email
        if email is None or email in told or report.case_hidden or report.withdrawn_at:
            continue
        told.add(email)
        gettext = translator(report.language, settings).gettext
        body = (
            gettext(
                "We told you that we found no violation in what you reported (case %(case)s). "
                "It was reviewed again, and action was taken on it."
            )
            % {"case": earlier.id}
            + "\n\n"
            + gettext("Details:")
            + f"\n{tracking_url(settings, report.tracking_token)}\n"
        )
        row = queue(
            db_session=db_session,
            channel=NotificationChannel.EMAIL,
            kind="later_action",
            recipient=email,
            subject=gettext("Update on your report (%(case)s)") % {"case": earlier.id},
            body=body,
            payload={"acted_in_case": case.id},
            case_id=earlier.id,
            dedupe_key=f"later_action:{earlier.id}:{email}",
        )
        if row is not None:
            sent.append(row)
    return sent


def queue_appeal_decision_message(
    *, db_session: Session, appeal: Appeal, case: Case, settings: Settings | None = None
) -> Notification | None:
    """Email the appellant (if they gave an address) the appeal's outcome; a reporter's appeal
    in their report's language."""
    from takedown.reports.models import Report
    from takedown.review.public_texts import localised_public_text

    if not appeal.contact_email:
        return None
    settings = settings or _settings()
    report = db_session.get(Report, appeal.report_id) if appeal.report_id else None
    gettext = translator(report.language if report is not None else None, settings).gettext
    outcome = gettext(APPEAL_OUTCOMES.get(appeal.outcome or "", appeal.outcome or ""))
    return queue(
        db_session=db_session,
        channel=NotificationChannel.EMAIL,
        kind="appeal_decision",
        recipient=appeal.contact_email,
        subject=gettext("Decision on your appeal (%(case)s)") % {"case": case.id},
        body=(
            gettext("Your appeal on case %(case)s was decided: %(outcome)s.")
            % {"case": case.id, "outcome": outcome}
            + "\n\n"
            + (localised_public_text(appeal.outcome_text_public, gettext) or "")
            + "\n"
        ),
        case_id=case.id,
        dedupe_key=f"appeal-decision:{appeal.id}",
    )


def queue_oncall(
    *,
    db_session: Session,
    settings: Settings,
    kind: str,
    case: Case,
    summary: str,
    details: dict[str, Any],
    dedupe_key: str,
) -> list[Notification]:
    """Alert the on-call channel(s); nothing is queued when none is configured."""
    rows: list[Notification] = []
    payload = {
        "event": kind,
        "case_id": case.id,
        "priority": case.priority,
        "category": case.category,
        "deadline_at": case.deadline_at.isoformat(),
        "summary": summary,
        **details,
    }
    if settings.oncall_webhook_url:
        row = queue(
            db_session=db_session,
            channel=NotificationChannel.WEBHOOK,
            kind=kind,
            recipient=settings.oncall_webhook_url,
            payload=payload,
            case_id=case.id,
            dedupe_key=f"{dedupe_key}:webhook",
        )
        rows += [row] if row else []
    if settings.oncall_email:
        row = queue(
            db_session=db_session,
            channel=NotificationChannel.EMAIL,
            kind=kind,
            recipient=settings.oncall_email,
            subject=f"[Takedown {case.priority}] {summary}",
            body="\n".join(f"{k}: {v}" for k, v in payload.items()) + "\n",
            payload=payload,
            case_id=case.id,
            dedupe_key=f"{dedupe_key}:email",
        )
        rows += [row] if row else []
    return rows


def _settings() -> Settings:
    from takedown.settings import get_settings

    return get_settings()
