"""A statement of reasons in the EU DSA Transparency Database API format.

Field names, enumerated values and limits follow the database's API documentation
(transparency.dsa.ec.europa.eu/page/api-documentation): free text is capped (decision_facts 5000,
legal ground 500, explanations 2000 characters), puid is at most 500 characters of [A-Za-z0-9_-],
content_date is on or after 2000-01-01 and application_date on or after 2020-01-01, and the batch
endpoint takes at most 100 statements per call.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_BATCH = 100


class DecisionVisibility(enum.StrEnum):
    CONTENT_REMOVED = "DECISION_VISIBILITY_CONTENT_REMOVED"
    CONTENT_DISABLED = "DECISION_VISIBILITY_CONTENT_DISABLED"
    CONTENT_DEMOTED = "DECISION_VISIBILITY_CONTENT_DEMOTED"
    CONTENT_AGE_RESTRICTED = "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED"
    CONTENT_INTERACTION_RESTRICTED = "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED"
    CONTENT_LABELLED = "DECISION_VISIBILITY_CONTENT_LABELLED"
    OTHER = "DECISION_VISIBILITY_OTHER"


class DecisionAccount(enum.StrEnum):
    SUSPENDED = "DECISION_ACCOUNT_SUSPENDED"
    TERMINATED = "DECISION_ACCOUNT_TERMINATED"


class DecisionGround(enum.StrEnum):
    ILLEGAL_CONTENT = "DECISION_GROUND_ILLEGAL_CONTENT"
    INCOMPATIBLE_CONTENT = "DECISION_GROUND_INCOMPATIBLE_CONTENT"


class StatementCategory(enum.StrEnum):
    ANIMAL_WELFARE = "STATEMENT_CATEGORY_ANIMAL_WELFARE"
    DATA_PROTECTION_AND_PRIVACY_VIOLATIONS = (
        "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS"
    )
    ILLEGAL_OR_HARMFUL_SPEECH = "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH"
    INTELLECTUAL_PROPERTY_INFRINGEMENTS = "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS"
    NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS = (
        "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS"
    )
    NON_CONSENSUAL_BEHAVIOUR = "STATEMENT_CATEGORY_NON_CONSENSUAL_BEHAVIOUR"
    PORNOGRAPHY_OR_SEXUALIZED_CONTENT = "STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT"
    PROTECTION_OF_MINORS = "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
    RISK_FOR_PUBLIC_SECURITY = "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY"
    SCAMS_AND_FRAUD = "STATEMENT_CATEGORY_SCAMS_AND_FRAUD"
    SELF_HARM = "STATEMENT_CATEGORY_SELF_HARM"
    SCOPE_OF_PLATFORM_SERVICE = "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE"
    UNSAFE_AND_ILLEGAL_PRODUCTS = "STATEMENT_CATEGORY_UNSAFE_AND_ILLEGAL_PRODUCTS"
    VIOLENCE = "STATEMENT_CATEGORY_VIOLENCE"


class Keyword(enum.StrEnum):
    """The category_specification keywords Takedown uses (a subset of the API's list)."""

    CHILD_SEXUAL_ABUSE_MATERIAL = "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL"
    CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE = "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE"
    GROOMING_SEXUAL_ENTICEMENT_MINORS = "KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS"
    AGE_SPECIFIC_RESTRICTIONS_MINORS = "KEYWORD_AGE_SPECIFIC_RESTRICTIONS_MINORS"
    NON_CONSENSUAL_IMAGE_SHARING = "KEYWORD_NON_CONSENSUAL_IMAGE_SHARING"
    NON_CONSENSUAL_ITEMS_DEEPFAKE = "KEYWORD_NON_CONSENSUAL_ITEMS_DEEPFAKE"
    IMAGE_BASED_SEXUAL_ABUSE = "KEYWORD_IMAGE_BASED_SEXUAL_ABUSE"
    OTHER = "KEYWORD_OTHER"


class ContentType(enum.StrEnum):
    APP = "CONTENT_TYPE_APP"
    AUDIO = "CONTENT_TYPE_AUDIO"
    IMAGE = "CONTENT_TYPE_IMAGE"
    PRODUCT = "CONTENT_TYPE_PRODUCT"
    SYNTHETIC_MEDIA = "CONTENT_TYPE_SYNTHETIC_MEDIA"
    TEXT = "CONTENT_TYPE_TEXT"
    VIDEO = "CONTENT_TYPE_VIDEO"
    OTHER = "CONTENT_TYPE_OTHER"


class SourceType(enum.StrEnum):
    ARTICLE_16 = "SOURCE_ARTICLE_16"
    TRUSTED_FLAGGER = "SOURCE_TRUSTED_FLAGGER"
    OTHER_NOTIFICATION = "SOURCE_TYPE_OTHER_NOTIFICATION"
    VOLUNTARY = "SOURCE_VOLUNTARY"


class AutomatedDetection(enum.StrEnum):
    YES = "Yes"
    NO = "No"


class AutomatedDecision(enum.StrEnum):
    FULLY = "AUTOMATED_DECISION_FULLY"
    PARTIALLY = "AUTOMATED_DECISION_PARTIALLY"
    NOT_AUTOMATED = "AUTOMATED_DECISION_NOT_AUTOMATED"


EU_MEMBER_STATES = [
    "AT",
    "BE",
    "BG",
    "CY",
    "CZ",
    "DE",
    "DK",
    "EE",
    "ES",
    "FI",
    "FR",
    "GR",
    "HR",
    "HU",
    "IE",
    "IT",
    "LT",
    "LU",
    "LV",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SE",
    "SI",
    "SK",
]
EEA_EXTRA = ("IS", "LI", "NO")


class StatementOfReasons(BaseModel):
    """One statement, exactly the JSON the database's API accepts (None fields are dropped)."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True)

    decision_visibility: list[DecisionVisibility] | None = None
    decision_visibility_other: str | None = Field(None, max_length=500)
    decision_account: DecisionAccount | None = None
    decision_ground: DecisionGround
    decision_ground_reference_url: str | None = Field(None, max_length=500)
    illegal_content_legal_ground: str | None = Field(None, max_length=500)
    illegal_content_explanation: str | None = Field(None, max_length=2000)
    incompatible_content_ground: str | None = Field(None, max_length=500)
    incompatible_content_explanation: str | None = Field(None, max_length=2000)
    category: StatementCategory
    category_specification: list[Keyword] | None = None
    content_type: list[ContentType] = Field(min_length=1)
    content_type_other: str | None = Field(None, max_length=500)
    territorial_scope: list[str] = Field(min_length=1)
    content_date: date
    application_date: date
    decision_facts: str = Field(min_length=1, max_length=5000)
    source_type: SourceType
    source_identity: str | None = Field(None, max_length=500)
    automated_detection: AutomatedDetection
    automated_decision: AutomatedDecision
    puid: str = Field(min_length=1, max_length=500, pattern=r"^[A-Za-z0-9_-]+$")

    @model_validator(mode="after")
    def _rules(self) -> Self:
        if not self.decision_visibility and not self.decision_account:
            raise ValueError("a statement restricts visibility or the account (or both)")
        if (
            self.decision_visibility
            and DecisionVisibility.OTHER in self.decision_visibility
            and not self.decision_visibility_other
        ):
            raise ValueError("decision_visibility_other is required with DECISION_VISIBILITY_OTHER")
        # The database refuses CONTENT_TYPE_OTHER without saying what the content is (422).
        if ContentType.OTHER in self.content_type and not self.content_type_other:
            raise ValueError("content_type_other is required with CONTENT_TYPE_OTHER")
        if self.decision_ground == DecisionGround.ILLEGAL_CONTENT and not (
            self.illegal_content_legal_ground and self.illegal_content_explanation
        ):
            raise ValueError("illegal content needs its legal ground and explanation")
        if self.decision_ground == DecisionGround.INCOMPATIBLE_CONTENT and not (
            self.incompatible_content_ground and self.incompatible_content_explanation
        ):
            raise ValueError("incompatible content needs its contractual ground and explanation")
        allowed = set(EU_MEMBER_STATES) | set(EEA_EXTRA)
        unknown = [c for c in self.territorial_scope if c not in allowed]
        if unknown:
            raise ValueError(f"territorial_scope holds non-EEA codes: {unknown}")
        if self.content_date < date(2000, 1, 1):
            raise ValueError("content_date must be on or after 2000-01-01")
        if self.application_date < date(2020, 1, 1):
            raise ValueError("application_date must be on or after 2020-01-01")
        return self

    def api_json(self) -> dict[str, object]:
        return self.model_dump(mode="json", exclude_none=True)


class StatementBatch(BaseModel):
    """The body of the database's multiple-statements endpoint."""

    statements: list[StatementOfReasons] = Field(min_length=1, max_length=MAX_BATCH)
