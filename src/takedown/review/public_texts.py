"""What reporters and appellants are told about a decision: the texts, in English (the record),
and in the reader's language where they are shown (the tracking page, reporter emails)."""

from __future__ import annotations

import re
from collections.abc import Callable

from takedown.cases.models import Appeal, AppealOutcome, Case, Outcome
from takedown.i18n import N_
from takedown.review.models import Decision

VIOLATING_WITH_POLICY = N_(
    "We found that the reported content breaks our rules (%(policy)s) and took action against it."
)
VIOLATING = N_("We found that the reported content breaks our rules and took action against it.")
NOT_VIOLATING_TWO_REVIEWERS = N_(
    "Two reviewers looked at the reported content separately and found that it does not break "
    "our rules, so we took no action. You can appeal this decision."
)
NOT_VIOLATING = N_(
    "We reviewed the reported content and found that it does not break our rules, so we took "
    "no action. You can appeal this decision."
)
APPEAL_UPHELD = N_("A reviewer who was not involved before looked again; the decision stands.")
APPEAL_REVERSED_TO_VIOLATING = N_(
    "A reviewer who was not involved before looked again and reversed the decision: the content "
    "breaks our rules and we acted on it."
)
APPEAL_REVERSED_TO_ALLOWED = N_(
    "Reviewers who were not involved before looked again and reversed the decision: the content "
    "does not break our rules and is restored."
)
PUBLIC_TEXTS = (
    VIOLATING_WITH_POLICY,
    VIOLATING,
    NOT_VIOLATING_TWO_REVIEWERS,
    NOT_VIOLATING,
    APPEAL_UPHELD,
    APPEAL_REVERSED_TO_VIOLATING,
    APPEAL_REVERSED_TO_ALLOWED,
)


def public_outcome_text(*, case: Case, decision: Decision) -> str:
    """The decision as the reporter reads it on /track (no reviewer names, no internals), in
    English: the record. Readers of other languages get `localised_public_text` of it."""
    if decision.outcome == Outcome.VIOLATING:
        if decision.policy:
            return VIOLATING_WITH_POLICY % {"policy": decision.policy}
        return VIOLATING
    return NOT_VIOLATING_TWO_REVIEWERS if case.is_child_safety else NOT_VIOLATING


def public_appeal_text(*, appeal: Appeal, outcome: AppealOutcome, standing: Outcome) -> str:
    if outcome == AppealOutcome.UPHELD:
        return APPEAL_UPHELD
    if standing == Outcome.VIOLATING:
        return APPEAL_REVERSED_TO_VIOLATING
    return APPEAL_REVERSED_TO_ALLOWED


def _pattern(message: str) -> re.Pattern[str]:
    parts = re.split(r"%\((\w+)\)s", message)  # text, name, text, name, ..., text
    return re.compile(
        "".join(
            re.escape(part) if n % 2 == 0 else f"(?P<{part}>.+?)" for n, part in enumerate(parts)
        )
        + r"\Z"
    )


_PATTERNS = [(text, _pattern(text)) for text in PUBLIC_TEXTS]


def localised_public_text(text: str | None, gettext: Callable[[str], str]) -> str | None:
    """A stored public text (English, as `public_outcome_text` wrote it) in the reader's
    language; a text written otherwise (older wording) is shown as it was stored."""
    if not text:
        return text
    for message, pattern in _PATTERNS:
        if found := pattern.match(text):
            return gettext(message) % found.groupdict()
    return text
