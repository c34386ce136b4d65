"""Decisions on cases and appeals. A decision row is never changed once written."""

from __future__ import annotations

import enum
import re
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from takedown.store.base import Base


class Stage(enum.StrEnum):
    FIRST_REVIEW = "first_review"
    SECOND_REVIEW = "second_review"  # the two-person rule's second look
    APPEAL = "appeal"


class Policy(enum.StrEnum):
    """The policies the console offers a violating decision (the API also takes a platform's own
    names, which leave the category as reported). Each names the case category it confirms
    (`POLICY_CATEGORIES`): what the reviewer finds decides the category."""

    CHILD_SEXUAL_ABUSE_MATERIAL = "child_sexual_abuse_material"
    CHILD_SEXUAL_EXPLOITATION = "child_sexual_exploitation"
    NON_CONSENSUAL_INTIMATE_IMAGERY = "non_consensual_intimate_imagery"
    ILLEGAL_CONTENT = "illegal_content"
    TERMS_OF_SERVICE = "terms_of_service"


POLICY_CATEGORIES: dict[str, str] = {
    Policy.CHILD_SEXUAL_ABUSE_MATERIAL: "child_sexual_abuse",
    Policy.CHILD_SEXUAL_EXPLOITATION: "child_sexual_exploitation",
    Policy.NON_CONSENSUAL_INTIMATE_IMAGERY: "non_consensual_intimate_imagery",
    Policy.ILLEGAL_CONTENT: "other_illegal",
    Policy.TERMS_OF_SERVICE: "terms_violation",
}


# Other names of the built-in policies, compared as `policy_key` spells them: each policy's
# category and the usual abbreviation. A violating decision under one of them is a decision under
# that policy (review/flows.policy_named), so "CHILD_SEXUAL_ABUSE_MATERIAL" or "csam" is not a
# platform's own name that a reviewer who may not find child sexual abuse could use.
POLICY_ALIASES: dict[str, str] = {
    **{category: policy for policy, category in POLICY_CATEGORIES.items()},
    "csam": Policy.CHILD_SEXUAL_ABUSE_MATERIAL,
}


def policy_key(name: str) -> str:
    """`name` in lower case, its words joined by "_": how policy names are compared."""
    return "_".join(re.findall(r"[0-9a-z]+", name.casefold()))


# The CyberTipline's limit on escalateToHighPriority (cybertipline-api-documentation.txt).
IMMEDIATE_RISK_MAX_CHARS = 3000
# A decision's reason (first review, second review, appeal, quality check): room for a careful
# account of what was seen, twice a note's 5,000, never a pasted document.
REASON_MAX_CHARS = 10_000


class Classification(enum.StrEnum):
    """The industry classification of child sexual abuse material (Tech Coalition / NCMEC).

    A: prepubescent minor, B: pubescent minor; 1: sex act, 2: lascivious exhibition.
    """

    A1 = "A1"
    A2 = "A2"
    B1 = "B1"
    B2 = "B2"


class Decision(Base):
    __tablename__ = "decisions"
    __table_args__ = (
        Index("ix_decisions_case_decided", "case_id", "decided_at"),
        # A reviewer's child-safety decisions of the last day, on every queue and case page.
        Index("ix_decisions_reviewer_decided", "reviewer_id", "decided_at"),
        # Whether this reviewer decided this case before (fresh eyes): without it, SQLite read
        # the case's decisions through the reviewer's index, every decision they ever made.
        Index("ix_decisions_case_reviewer", "case_id", "reviewer_id"),
        # An appeal's decisions; and, with appeal_id NULL, the cases first decided in a period.
        # Not `final` too: with two equality columns it tied with (case_id, reviewer_id) for the
        # queue's "my first look at this case", and SQLite could take it.
        Index("ix_decisions_appeal_decided", "appeal_id", "decided_at"),
        Index("ix_decisions_decided_at", "decided_at"),  # the team's decisions of the week
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # "dec_..."
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    appeal_id: Mapped[str | None] = mapped_column(ForeignKey("appeals.id"))
    reviewer_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    stage: Mapped[str] = mapped_column(String(20))
    # violating | no_violation (cases.models.Outcome); for appeals: the outcome that now stands
    outcome: Mapped[str] = mapped_column(String(20))
    policy: Mapped[str] = mapped_column(String(120), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    classification: Mapped[str | None] = mapped_column(String(4))
    # Appeal decisions only: upheld | overturned (cases.models.AppealOutcome); overturned is a
    # reversal that enforcement undoes or carries out.
    appeal_outcome: Mapped[str | None] = mapped_column(String(20))
    # True when this decision settles the case (acted on); False for a first no_violation
    # waiting for its second reviewer.
    final: Mapped[bool] = mapped_column(default=False)
    decided_at: Mapped[datetime]
    # The case's deadline when this was decided. An appeal starts a new deadline on the case, so
    # whether the case was decided in time is read here (transparency report, time-to-action
    # gauges); None on decisions made before it was recorded (0044): the case's deadline then.
    deadline_at: Mapped[datetime | None]
    # A violating child-safety finding: why a child is at immediate risk (the CyberTipline
    # report's escalateToHighPriority, and a page to on-call); None for none
    immediate_risk: Mapped[str | None] = mapped_column(Text)
