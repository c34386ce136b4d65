"""Every restriction gets a statement of reasons (DSA Art 17) in the DSA Transparency Database
format: validated (enumerated values, text limits, puid charset, dates), stored, listed in the
staff API, and sent to the affected account inside the webhook event."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from takedown.api.app import create_app
from takedown.enforcement.models import OutboxEvent
from takedown.store.db import session_scope
from takedown.transparency.schemas import StatementBatch, StatementOfReasons
from tests.enforcement_support import decision_with_copies
from tests.review_support import make_user, staff_headers

VALID = {
    "decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"],
    "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
    "illegal_content_legal_ground": "Directive 2011/93/EU, Art 5",
    "illegal_content_explanation": "child sexual abuse material",
    "category": "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
    "category_specification": ["KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL"],
    "content_type": ["CONTENT_TYPE_IMAGE"],
    "territorial_scope": ["DE", "FR"],
    "content_date": "2026-11-01",
    "application_date": "2026-11-02",
    "decision_facts": "confirmed by a reviewer",
    "source_type": "SOURCE_ARTICLE_16",
    "automated_detection": "No",
    "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED",
    "puid": "sor_01abc-DEF_9",
}


def test_valid_statement_round_trips_as_api_json():
    statement = StatementOfReasons.model_validate(VALID)
    assert statement.api_json() == VALID


@pytest.mark.parametrize(
    "change",
    [
        {"puid": "has space"},
        {"puid": "x" * 501},
        {"decision_facts": "x" * 5001},
        {"illegal_content_explanation": "x" * 2001},
        {"illegal_content_legal_ground": None},
        {"category": "STATEMENT_CATEGORY_MADE_UP"},
        {"decision_visibility": ["DECISION_VISIBILITY_GONE"]},
        {"decision_visibility": None},
        {"decision_visibility": ["DECISION_VISIBILITY_OTHER"]},
        {"automated_detection": "Maybe"},
        {"automated_decision": "Yes"},
        {"content_type": []},
        {"territorial_scope": ["US"]},
        {"content_date": "1999-12-31"},
        {"application_date": "2019-12-31"},
        {"source_type": "SOURCE_GUESS"},
        {"unknown_field": "x"},
        {"decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT"},  # needs its own grounds
    ],
)
def test_invalid_statements_are_refused(change):
    with pytest.raises(ValidationError):
        StatementOfReasons.model_validate(VALID | change)


def test_account_only_statement_and_batch_limit():
    account = VALID | {
        "decision_visibility": None,
        "decision_account": "DECISION_ACCOUNT_SUSPENDED",
    }
    assert StatementOfReasons.model_validate(account).decision_account == (
        "DECISION_ACCOUNT_SUSPENDED"
    )
    StatementBatch.model_validate({"statements": [VALID] * 100})
    with pytest.raises(ValidationError):
        StatementBatch.model_validate({"statements": [VALID] * 101})


def test_every_restriction_gets_a_statement_sent_to_the_account(settings, make_api_key):
    with TestClient(create_app(settings)) as client:
        filed = decision_with_copies(client, settings, make_api_key("scan"), copies=2)
        make_user(settings, "rev", "reviewer")
        listed = client.get(
            f"/v1/statements-of-reasons?case_id={filed['case_id']}",
            headers=staff_headers(client, settings, "rev"),
        ).json()["statements"]
    by_restriction: dict[str, list[dict]] = {}
    for item in listed:
        statement = StatementOfReasons.model_validate(item["statement"])
        assert statement.puid == item["id"]
        assert statement.application_date >= statement.content_date >= date(2000, 1, 1)
        assert statement.category == "STATEMENT_CATEGORY_NON_CONSENSUAL_BEHAVIOUR"
        by_restriction.setdefault(item["restriction"], []).append(item)
    assert len(by_restriction["content.remove"]) == 3  # the reported item and two copies
    facts = [item["statement"]["decision_facts"] for item in by_restriction["content.remove"]]
    assert sum("The content was reported and was reviewed" in f for f in facts) == 1
    assert len({i["id"] for i in listed}) == len(listed)
    copies = [i for i in by_restriction["content.remove"] if i["content_id"].startswith("copy-")]
    assert all(i["statement"]["source_type"] == "SOURCE_VOLUNTARY" for i in copies)
    assert all(i["statement"]["automated_detection"] == "Yes" for i in copies)
    reported = next(
        i for i in by_restriction["content.remove"] if i["content_id"].startswith("orig")
    )
    assert reported["statement"]["source_type"] == "SOURCE_ARTICLE_16"
    assert reported["statement"]["automated_decision"] == "AUTOMATED_DECISION_NOT_AUTOMATED"

    with session_scope(settings.resolved_database_url) as db_session:
        sent = {
            e.payload()["data"]["content_id"]: e.payload()["data"]["statement_of_reasons"]
            for e in db_session.query(OutboxEvent).filter_by(event_type="content.remove")
        }
    assert {c: s["puid"] for c, s in sent.items()} == {
        i["content_id"]: i["id"] for i in by_restriction["content.remove"]
    }
