"""How much a reviewer has seen: originals revealed (from the audit log, where every reveal is
recorded before its bytes are sent) and child-safety decisions, so the console can suggest a
break, hold back reveals past a daily limit, and show leads who needs rotating off the queue.

Counts only, never which cases: this serves the reviewers' wellbeing, not their appraisal.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.audit.models import AuditEntry
from takedown.auth.models import User
from takedown.cases.models import Case
from takedown.review.models import Decision
from takedown.settings import Settings

REVEALED = "media.revealed"
HOUR, DAY = timedelta(hours=1), timedelta(days=1)
TEAM_DAYS = 7


@dataclass(frozen=True)
class Exposure:
    """One reviewer's exposure over rolling windows ending now, against the settings' limits."""

    reveals_last_hour: int
    reveals_last_day: int
    child_safety_decisions_last_day: int
    break_after: int  # reveals in an hour (TAKEDOWN_WELLBEING_BREAK_REVEALS); 0: never
    daily_limit: int  # reveals in 24 hours (TAKEDOWN_WELLBEING_DAILY_REVEAL_LIMIT); 0: none

    @property
    def break_suggested(self) -> bool:
        return bool(self.break_after) and self.reveals_last_hour >= self.break_after

    @property
    def reveal_limit_reached(self) -> bool:
        return bool(self.daily_limit) and self.reveals_last_day >= self.daily_limit

    def after_reveal(self) -> Exposure:
        """The same counts with one more reveal (the one just recorded)."""
        return replace(
            self,
            reveals_last_hour=self.reveals_last_hour + 1,
            reveals_last_day=self.reveals_last_day + 1,
        )


def _actor(user_id: str) -> str:
    return f"user:{user_id}"


def _reveals_since(db_session: Session, user_id: str, since: datetime) -> int:
    return int(
        db_session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.action == REVEALED,
                AuditEntry.at >= since,
                AuditEntry.actor == _actor(user_id),
            )
        )
        or 0
    )


def _child_safety_decisions_since(
    db_session: Session, since: datetime, reviewer_id: str | None = None
) -> dict[str, int]:
    """Decisions on child-safety cases since `since`, by reviewer (one reviewer's, if given).
    Counted here, not by GROUP BY: SQLite served a GROUP BY from the reviewer index, reading
    every decision ever made instead of the period's."""
    query = (
        select(Decision.reviewer_id)
        .join(Case, Case.id == Decision.case_id)
        .where(Decision.decided_at >= since, Case.is_child_safety.is_(True))
    )
    if reviewer_id is not None:
        query = query.where(Decision.reviewer_id == reviewer_id)
    return dict(Counter(db_session.scalars(query)))


def exposure_of(db_session: Session, settings: Settings, user_id: str) -> Exposure:
    now = clock.now()
    decisions = _child_safety_decisions_since(db_session, now - DAY, user_id)
    return Exposure(
        reveals_last_hour=_reveals_since(db_session, user_id, now - HOUR),
        reveals_last_day=_reveals_since(db_session, user_id, now - DAY),
        child_safety_decisions_last_day=decisions.get(user_id, 0),
        break_after=settings.wellbeing_break_reveals,
        daily_limit=settings.wellbeing_daily_reveal_limit,
    )


@dataclass(frozen=True)
class TeamMember:
    username: str
    role: str
    reveals_last_day: int
    reveals_last_week: int
    days_with_reveals: int  # of the last seven
    child_safety_decisions_last_week: int


def team_exposure(db_session: Session) -> list[TeamMember]:
    """Every enabled staff member with any exposure in the last seven days, most exposed
    first."""
    now = clock.now()
    since = now - TEAM_DAYS * DAY
    reveals: dict[str, list[datetime]] = defaultdict(list)
    for actor, at in db_session.execute(
        select(AuditEntry.actor, AuditEntry.at).where(
            AuditEntry.action == REVEALED, AuditEntry.at >= since
        )
    ):
        reveals[actor.removeprefix("user:")].append(at)
    decisions = _child_safety_decisions_since(db_session, since)
    members = []
    for user in db_session.scalars(select(User).where(User.disabled.is_(False))):
        seen = reveals.get(user.id, [])
        if not seen and not decisions.get(user.id):
            continue
        members.append(
            TeamMember(
                username=user.username,
                role=user.role,
                reveals_last_day=sum(1 for at in seen if at >= now - DAY),
                reveals_last_week=len(seen),
                days_with_reveals=len({(now - at) // DAY for at in seen}),
                child_safety_decisions_last_week=decisions.get(user.id, 0),
            )
        )
    return sorted(members, key=lambda m: (-m.reveals_last_day, -m.reveals_last_week, m.username))
