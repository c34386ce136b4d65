"""The shapes of a report as it crosses the API, and the per-category rules."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from takedown.cases.models import CHILD_SAFETY_CATEGORIES, Category
from takedown.content_urls import has_web_scheme, is_web_address
from takedown.errors import InvalidInput
from takedown.i18n import N_
from takedown.reports.models import MinorSubject, ReporterRole


class Reporter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: ReporterRole | None = None
    name: str | None = Field(default=None, max_length=200)
    email: EmailStr | None = None


class LawEnforcement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agency: str | None = Field(default=None, max_length=200)
    case_number: str | None = Field(default=None, max_length=100)


# A fingerprint stands for child sexual abuse material or intimate imagery shared without consent:
# what a person may hold a copy of and must not be asked to send again.
FINGERPRINT_CATEGORIES = frozenset(
    CHILD_SAFETY_CATEGORIES | {Category.NON_CONSENSUAL_INTIMATE_IMAGERY}
)


class Fingerprint(BaseModel):
    """A hash of a picture or video the reporter holds, made on their device (the public form
    does it in the browser): the file itself never leaves it. A video's is its vPDQ
    (python-threatexchange's value: a JSON list of "pdq,quality,seconds" frames)."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["pdq", "vpdq", "sha256", "md5"]
    # a vPDQ of three hours at one frame a second is about 800 kB
    value: str = Field(max_length=1_000_000)
    quality: int | None = Field(default=None, ge=0, le=100, description="PDQ's quality, 0-100")

    def as_signal(self) -> dict[str, Any]:
        """As the signals concern writes a signal, to match and compare like a scan's."""
        return {"type": self.type, "value": self.value, "quality": self.quality}

    @field_validator("value")
    @classmethod
    def _valid_hash(cls, value: str, info: ValidationInfo) -> str:
        from takedown.signals.registry import normalise_signal

        signal_type = info.data.get("type")
        if signal_type is None:
            return value
        try:
            normalised = normalise_signal(signal_type, value)[1]
        except InvalidInput as exc:
            raise ValueError(exc.detail) from None
        if signal_type == "vpdq":
            from takedown.signals.vpdq import parse_vpdq

            if not parse_vpdq(normalised):  # no frame: it would watch for nothing
                raise ValueError("a vPDQ fingerprint needs at least one frame")
        return normalised

    @model_validator(mode="after")
    def _pdq_has_quality(self) -> Fingerprint:
        if self.type == "pdq" and self.quality is None:
            raise ValueError("a PDQ fingerprint needs its quality (0-100)")
        return self


class ReportIn(BaseModel):
    """POST /v1/reports. Which fields are required depends on the category (see `rule_errors`)."""

    model_config = ConfigDict(extra="forbid")

    content_id: str | None = Field(default=None, max_length=255)
    content_url: str | None = Field(default=None, max_length=4000)
    account_id: str | None = Field(default=None, max_length=255)  # platforms may say who uploaded
    category: Category
    reporter: Reporter = Field(default_factory=Reporter)
    subject_is_minor: MinorSubject = MinorSubject.UNKNOWN
    law_enforcement: LawEnforcement | None = None
    explanation: str | None = Field(default=None, max_length=20_000)
    good_faith_statement: bool = False
    signature: str | None = Field(default=None, max_length=200)
    # The reporter's language (a BCP 47 tag such as "es" or "es-MX"): their emails and tracking
    # page use it where Takedown offers it (GET /v1/languages), else the default language.
    language: str | None = Field(default=None, max_length=35)
    # Child sexual abuse and intimate-imagery reports: fingerprints of the reporter's own copies,
    # instead of (or beside) the content's address; uploads matching them join the case.
    fingerprints: list[Fingerprint] = Field(default_factory=list, max_length=20)


class ReportAccepted(BaseModel):
    report_id: str
    # None for a report by fingerprints alone (no address, content id or file): the case it
    # joins depends on what its fingerprints matched, which its reporter is never told.
    case_id: str | None
    tracking_token: str
    status_url: str
    received_at: str
    # None for a report by fingerprints alone: no deadline runs until an upload matches, and
    # one that did is not told to its reporter.
    deadline: str | None
    # Present (true) for a child-safety report kept past a rate limit: no email was sent.
    acknowledgment_withheld: bool = False


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


def address_problem(url: str) -> str:
    """Why `url` is not a web address a report can give (an English msgid)."""
    if not has_web_scheme(url):
        return N_("The address must start with http:// or https://.")
    return N_(
        "This is not a complete web address. Copy it from your browser's address bar, for "
        "example https://example.com/post/1."
    )


def rule_errors(report: ReportIn, *, has_file: bool, notice: bool = True) -> list[dict[str, Any]]:
    """Field-level errors for the category's legal requirements (empty when valid). A case
    Takedown opens itself (`notice=False`) needs only the content's location: the requirements
    are those of a notice from a person."""
    errors: list[dict[str, Any]] = []

    def need(field: str, message: str) -> None:
        errors.append({"field": field, "message": message, "type": "required"})

    located = not (_blank(report.content_url) and _blank(report.content_id)) or bool(
        report.fingerprints
    )
    # Each category says what locates its content below; a file is enough only here.
    by_any_location = report.category in CHILD_SAFETY_CATEGORIES or not notice
    if by_any_location and not located and not has_file:
        need(
            "content_url", N_("Give the address (URL) of the content, its content id, or the file.")
        )
    if report.content_url and not is_web_address(report.content_url):
        errors.append(
            {
                "field": "content_url",
                "message": address_problem(report.content_url),
                "type": "invalid",
            }
        )
    if report.fingerprints and report.category not in FINGERPRINT_CATEGORIES:
        errors.append(
            {
                "field": "fingerprints",
                "message": N_(
                    "Fingerprints are taken only for child sexual abuse and intimate images "
                    "shared without consent."
                ),
                "type": "invalid",
            }
        )
    if by_any_location:
        # DSA Art 16(2)(c): reports of child sexual abuse may be anonymous; nothing else required.
        return errors
    if report.category == Category.NON_CONSENSUAL_INTIMATE_IMAGERY:
        # TAKE IT DOWN Act: a valid request has a signature, identification and location of the
        # depiction, a good-faith statement that it is not consensual, and contact information.
        if _blank(report.signature):
            need("signature", N_("Sign the request by typing your full name."))
        if not located:
            need("content_url", N_("Say where the image or video is (its address or content id)."))
        if not report.good_faith_statement:
            need(
                "good_faith_statement",
                N_("Confirm you believe in good faith that the image was shared without consent."),
            )
        if report.reporter.email is None:
            need("reporter.email", N_("Give an email address so we can contact you."))
        return errors
    # DSA Art 16(2): reasons, exact location, name and email, good-faith statement.
    if _blank(report.explanation):
        need(
            "explanation",
            N_("Explain why you believe this content is illegal or breaks the rules."),
        )
    if not located:
        need("content_url", N_("Give the exact address (URL) of the content."))
    if _blank(report.reporter.name):
        need("reporter.name", N_("Give your name."))
    if report.reporter.email is None:
        need("reporter.email", N_("Give your email address."))
    if not report.good_faith_statement:
        need(
            "good_faith_statement",
            N_("Confirm that the information in this report is accurate and complete."),
        )
    return errors
