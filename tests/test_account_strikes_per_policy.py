"""Strikes count per policy, each policy with its own configurable threshold
(TAKEDOWN_STRIKE_THRESHOLDS, falling back to TAKEDOWN_STRIKE_THRESHOLD): one strike under a strict
policy suspends, while single strikes under two lenient policies do not add up."""

from __future__ import annotations

from fastapi.testclient import TestClient

from takedown.api.app import create_app
from takedown.enforcement.models import OutboxEvent
from takedown.store.db import session_scope
from tests.enforcement_support import decide_violating, report_with_media
from tests.media import generated_scene, jpeg


def _suspended(settings) -> list[str]:  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        rows = db_session.query(OutboxEvent).filter_by(event_type="account.suspend")
        return [row.payload()["data"]["account_id"] for row in rows]


def _violation(client, settings, n: int, account: str, category: str, policy: str) -> None:  # type: ignore[no-untyped-def]
    filed = report_with_media(
        client,
        jpeg(generated_scene(300 + n)),
        content_id=f"post-{n}",
        account_id=account,
        category=category,
    )
    decide_violating(client, settings, filed["case_id"], username=f"rev-{n}", policy=policy)


def test_each_policy_has_its_own_strike_threshold(settings):
    settings = settings.model_copy(update={"strike_threshold": 2, "strike_thresholds": {"ncii": 1}})
    with TestClient(create_app(settings)) as client:
        _violation(client, settings, 1, "acct-mixed", "other_illegal", "illegal_goods")
        _violation(client, settings, 2, "acct-mixed", "terms_violation", "spam")
        assert _suspended(settings) == []  # one strike under each of two policies

        _violation(client, settings, 3, "acct-ncii", "non_consensual_intimate_imagery", "ncii")
        assert _suspended(settings) == ["acct-ncii"]  # the strict policy: one strike is enough

        _violation(client, settings, 4, "acct-mixed", "terms_violation", "spam")
        assert _suspended(settings) == ["acct-ncii", "acct-mixed"]  # two spam strikes
