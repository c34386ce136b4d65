"""The DSA Transparency Database refuses a statement whose content_type is CONTENT_TYPE_OTHER
without content_type_other (a 422 for that statement): every such statement Takedown writes says
what the content is. An account suspension (no media of its own) is the everyday case."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from takedown.api.app import create_app
from takedown.transparency.schemas import StatementOfReasons
from tests.enforcement_support import decide_violating, report_with_media
from tests.media import generated_scene, jpeg
from tests.review_support import make_user, staff_headers


def test_an_account_suspension_statement_says_what_other_content_is(settings):
    with TestClient(create_app(settings)) as client:
        filed = report_with_media(
            client, jpeg(generated_scene(301)), content_id="post-301", account_id="acct-301"
        )
        decide_violating(client, settings, filed["case_id"], username="r301", classification="A1")
        make_user(settings, "law301", "legal")
        listed = client.get(
            "/v1/statements-of-reasons",
            params={"account_id": "acct-301"},
            headers=staff_headers(client, settings, "law301"),
        ).json()["statements"]
    by_restriction = {s["restriction"]: s["statement"] for s in listed}
    suspension = by_restriction["account.suspend"]
    assert suspension["content_type"] == ["CONTENT_TYPE_OTHER"]
    assert suspension["content_type_other"].strip()
    removal = by_restriction["content.remove"]
    assert removal["content_type"] == ["CONTENT_TYPE_IMAGE"]
    assert "content_type_other" not in removal
    for statement in by_restriction.values():
        StatementOfReasons.model_validate(statement)


def test_content_type_other_without_its_description_is_refused():
    statement = {
        "decision_account": "DECISION_ACCOUNT_SUSPENDED",
        "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
        "illegal_content_legal_ground": "Directive 2011/93/EU, Art 5",
        "illegal_content_explanation": "child sexual abuse material",
        "category": "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
        "content_type": ["CONTENT_TYPE_OTHER"],
        "territorial_scope": ["DE"],
        "content_date": "2026-11-01",
        "application_date": "2026-11-02",
        "decision_facts": "confirmed by a reviewer",
        "source_type": "SOURCE_ARTICLE_16",
        "automated_detection": "No",
        "automated_decision": "AUTOMATED_DECISION_PARTIALLY",
        "puid": "sor_1",
    }
    with pytest.raises(ValidationError, match="content_type_other"):
        StatementOfReasons.model_validate(statement)
    described = statement | {"content_type_other": "an account"}
    assert StatementOfReasons.model_validate(described).api_json() == described
