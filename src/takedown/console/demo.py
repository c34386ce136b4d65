"""Demo data for `takedown demo`: a bank of benign stand-ins, a few cases, and staff logins.

No abusive imagery is involved anywhere: the "bank" holds hashes of photographs shipped with
scikit-image (a cat, a cup of coffee, a rocket; a retina photograph in a review bank, whose
matching demo upload is held for review), each entry labelled as a DEMO STAND-IN.
Seeding runs through the real services and is idempotent: a second start adds nothing new.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image, ImageOps
from skimage import data as skdata
from sqlalchemy import func, select

from takedown import clock
from takedown.audit.service import record
from takedown.auth.models import Role
from takedown.auth.passwords import hash_password
from takedown.auth.users import create_user, get_user_by_username
from takedown.banks.models import BankEntry
from takedown.banks.service import add_entries, get_or_create_bank
from takedown.settings import Settings
from takedown.store.db import session_scope

STAND_IN_LABEL = "DEMO STAND-IN — benign test image"
DEMO_BANK = "demo-stand-ins"
BANKED_STAND_INS = ("chelsea", "coffee", "rocket")
FINGERPRINTED_STAND_IN = "hubble_deep_field"  # the demo report by fingerprint's picture
WATCHED_STAND_IN = "coins"  # a demo report by fingerprint that nothing uploaded matches
DEMO_ACCOUNT = "demo-account-7"
# A review bank's stand-in: its upload is held at scan, and the case opens once the follower runs.
DEMO_REVIEW_BANK = "demo-suspected"
HELD_STAND_IN = "retina"
QUALITY_DEMO_REPORT = "demo-report-9"
DEMO_HOTLINE = "Demo hotline (a designated trusted flagger)"
HOTLINE_REPORT = "demo-report-10"  # sent with the hotline's key: the Notifiers page lists it
DEMO_USERS = (
    ("demo-cs-1", Role.CHILD_SAFETY_REVIEWER),
    ("demo-cs-2", Role.CHILD_SAFETY_REVIEWER),
    ("demo-legal", Role.LEGAL),
    ("demo-admin", Role.ADMIN),
)


@dataclass
class DemoSeed:
    logins: dict[str, tuple[str, str]] = field(default_factory=dict)  # username: (role, password)
    cases: list[dict[str, Any]] = field(default_factory=list)
    bank_entries: int = 0


def stand_in_image(name: str) -> Image.Image:
    """A colour photograph shipped with scikit-image (no people)."""
    array = getattr(skdata, name)()
    if array.ndim == 2:
        array = np.stack([array] * 3, axis=-1)
    return Image.fromarray(array[..., :3].astype(np.uint8)).convert("RGB")


def _jpeg(image: Image.Image, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def _reupload(image: Image.Image) -> bytes:
    """Resized, mirrored and re-encoded: how a re-upload of banked content often looks."""
    smaller = image.resize((image.width * 3 // 4, image.height * 3 // 4), Image.Resampling.LANCZOS)
    return _jpeg(ImageOps.mirror(smaller), quality=70)


def _scene(seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:360, 0:480].astype(np.float32)
    image = np.zeros((360, 480, 3), np.float32)
    for channel in range(3):
        a, b, c = rng.uniform(-1, 1, 3)
        image[..., channel] = 128 + 60 * np.sin(a * xx / 40 + b * yy / 50 + c * 6)
    return Image.fromarray(np.clip(image, 0, 255).astype(np.uint8))


def seed_bank(settings: Settings) -> int:
    """The demo bank (CSAM category, action block) holding only benign stand-in hashes, and a
    review bank (uploads matching it are held for review); the blocking bank's entry count."""
    with session_scope(settings.resolved_database_url) as db_session:
        _seed_bank(settings, db_session, DEMO_REVIEW_BANK, "review", (HELD_STAND_IN,))
        return _seed_bank(settings, db_session, DEMO_BANK, "block", BANKED_STAND_INS)


def _seed_bank(
    settings: Settings, db_session: Any, name: str, action: str, stand_ins: tuple[str, ...]
) -> int:
    from takedown.cases.media import compute_signals
    from takedown.signals.service import distinct_originals

    bank = get_or_create_bank(
        db_session=db_session,
        name=name,
        category="csam",
        action=action,
        description=f"{STAND_IN_LABEL}s from scikit-image. Not abusive material.",
        actor="demo",
    )
    for stand_in in stand_ins:
        picture = _jpeg(stand_in_image(stand_in))
        _, signals, _ = compute_signals(settings, picture, f"{stand_in}.jpg")
        # The picture's own PDQ and MD5: uploads are queried with every dihedral variant.
        entries = [
            {**s, "note": f"{STAND_IN_LABEL} (skimage.data.{stand_in})"}
            for s in distinct_originals(signals)  # type: ignore[arg-type]
            if s["type"] in ("pdq", "md5")
        ]
        add_entries(db_session=db_session, bank=bank, entries=entries, added_by="demo")
    return int(
        db_session.scalar(
            select(func.count()).select_from(BankEntry).where(BankEntry.bank_id == bank.id)
        )
        or 0
    )


def _demo_reports() -> list[tuple[str, dict[str, Any], bytes | None]]:
    chelsea = stand_in_image("chelsea")
    return [
        (
            "demo-report-1",
            {
                "category": "child_sexual_abuse",
                "content_id": "demo-post-1001",
                "account_id": DEMO_ACCOUNT,
                "subject_is_minor": "yes",
                "reporter": {"role": "parent_or_guardian", "email": "parent@example.org"},
                "explanation": "DEMO: a re-upload of a banked stand-in image (a cat photo).",
            },
            _reupload(chelsea),
        ),
        (
            "demo-report-2",
            {
                "category": "child_sexual_exploitation",
                "content_url": "https://platform.example/messages/demo-2002",
                "explanation": "DEMO: an adult asks a child for photos (text only).",
            },
            None,
        ),
        (
            "demo-report-3",
            {
                "category": "child_sexual_abuse",
                "content_id": "demo-post-3003",
                "explanation": "DEMO: an anonymous report with a benign generated scene.",
            },
            _jpeg(_scene(3)),
        ),
        (
            "demo-report-4",
            {
                "category": "non_consensual_intimate_imagery",
                "content_url": "https://platform.example/p/demo-4004",
                "reporter": {"role": "victim", "name": "Demo Victim", "email": "me@example.org"},
                "explanation": "DEMO: a private image posted without my consent.",
                "good_faith_statement": True,
                "signature": "Demo Victim",
            },
            None,
        ),
        (
            "demo-report-5",
            {
                "category": "terms_violation",
                "content_url": "https://platform.example/p/demo-5005",
                "reporter": {
                    "role": "platform_user",
                    "name": "Demo User",
                    "email": "u@example.org",
                },
                "explanation": "DEMO: spam links in comments.",
                "good_faith_statement": True,
            },
            None,
        ),
        (
            "demo-report-6",
            {
                "category": "child_sexual_exploitation",
                "content_url": "https://platform.example/messages/demo-6006",
                "subject_is_minor": "yes",
                "reporter": {"role": "parent_or_guardian", "email": "madre@example.org"},
                "explanation": "DEMO: una cuenta amenaza a mi hijo para que envíe fotos.",
                "language": "es",  # its tracking page and emails are in Spanish
            },
            None,
        ),
        (
            "demo-report-7",
            {
                "category": "non_consensual_intimate_imagery",
                "reporter": {"role": "victim", "email": "me2@example.org"},
                "explanation": (
                    "DEMO: a report by fingerprint. The victim's browser hashed the picture they "
                    "hold (a benign stand-in here: the Hubble Deep Field from scikit-image) and "
                    "sent only the hashes; the upload demo-post-7007 matches them and joins "
                    "this case."
                ),
                "good_faith_statement": True,
                "signature": "Demo Victim Two",
                "fingerprints": _fingerprints(stand_in_image(FINGERPRINTED_STAND_IN)),
            },
            None,
        ),
        (
            QUALITY_DEMO_REPORT,
            {
                "category": "terms_violation",
                "content_url": "https://platform.example/p/demo-9009",
                "account_id": "demo-account-99",
                "reporter": {
                    "role": "platform_user",
                    "name": "Demo User Two",
                    "email": "u2@example.org",
                },
                "explanation": (
                    "DEMO: decided already (demo-cs-2: no violation), and sampled for a quality "
                    "check: demo-cs-1 finds it on the Quality page and decides it again, blind."
                ),
                "good_faith_statement": True,
            },
            _jpeg(_scene(9)),
        ),
        (
            HOTLINE_REPORT,
            {
                "category": "other_illegal",
                "content_url": "https://platform.example/p/demo-1010",
                "account_id": "demo-account-1010",
                "reporter": {"name": "Demo Hotline", "email": "notices@hotline.example"},
                "explanation": (
                    "DEMO: a notice from a hotline the platform designated as a trusted flagger "
                    "(its API key holds the trusted_flagger scope): P1, and counted on the "
                    "Notifiers page."
                ),
                "good_faith_statement": True,
            },
            _jpeg(_scene(10)),
        ),
        (
            "demo-report-8",
            {
                "category": "non_consensual_intimate_imagery",
                "reporter": {"role": "victim", "email": "me3@example.org"},
                "explanation": (
                    "DEMO: a report by fingerprint that nothing on the platform matches (yet). "
                    "Its case watches (the console's 'watching' queue) with no deadline running "
                    "until an upload of the picture (a benign stand-in: scikit-image's coins) "
                    "arrives."
                ),
                "good_faith_statement": True,
                "signature": "Demo Victim Three",
                "fingerprints": _fingerprints(stand_in_image(WATCHED_STAND_IN)),
            },
            None,
        ),
    ]


def _fingerprints(image: Image.Image) -> list[dict[str, Any]]:
    """What the report form's browser code sends for a picture: its PDQ and the file's SHA-256."""
    from takedown.signals.pdq import pdq_hashes

    hashes, quality = pdq_hashes(image)
    return [
        {"type": "pdq", "value": hashes[0], "quality": quality},
        {"type": "sha256", "value": hashlib.sha256(_jpeg(image)).hexdigest()},
    ]


def seed_reports(settings: Settings) -> list[dict[str, Any]]:
    """File the demo reports through intake; their Idempotency-Keys make a re-run a no-op."""
    from takedown.index.service import load_index
    from takedown.reports.flows import Submission
    from takedown.reports.models import Channel, Report
    from takedown.reports.schemas import ReportIn
    from takedown.reports.views import accept
    from takedown.scan.flows import scan_upload
    from takedown.scan.models import ContentItem
    from takedown.store.db import session_factory

    hotline = _hotline_key(settings)
    index = load_index(settings)
    try:
        answers = []
        for key, body, file_bytes in _demo_reports():
            db_session = session_factory(settings.resolved_database_url)()
            try:
                submission = Submission(
                    report=ReportIn.model_validate(body),
                    channel=Channel.API,
                    file_bytes=file_bytes,
                    filename="demo.jpg" if file_bytes else None,
                    idempotency_key=key,
                    api_key_id=hotline if key == HOTLINE_REPORT else None,
                    trusted_flagger=key == HOTLINE_REPORT,
                )
                answer = accept(
                    db_session=db_session, settings=settings, index=index, submission=submission
                )
                # The operator is staff: a report by fingerprint alone's case is shown too.
                report = db_session.get_one(Report, answer.body["report_id"])
                answers.append(
                    {
                        **answer.body,
                        "category": body["category"],
                        "case_id": report.case_id,
                        "quality_demo": key == QUALITY_DEMO_REPORT,
                    }
                )
            finally:
                db_session.close()
        # The uploader's history: an earlier upload the scan blocked (a banked stand-in); the
        # upload demo-report-7's fingerprints match (the lookback joins it to that case); and an
        # upload the review bank holds (the match-event follower opens its case).
        uploads = [
            ("demo-upload-0999", DEMO_ACCOUNT, _jpeg(stand_in_image("coffee"))),
            (
                "demo-post-7007",
                "demo-account-77",
                _reupload(stand_in_image(FINGERPRINTED_STAND_IN)),
            ),
            ("demo-post-8008", "demo-account-88", _reupload(stand_in_image(HELD_STAND_IN))),
        ]
        for content_id, account_id, data in uploads:
            with session_scope(settings.resolved_database_url) as db_session:
                seen = db_session.scalar(
                    select(ContentItem.id).where(ContentItem.content_id == content_id)
                )
                if seen is None:
                    scan_upload(
                        db_session=db_session,
                        settings=settings,
                        index=index,
                        data=data,
                        content_id=content_id,
                        account_id=account_id,
                        filename=f"{content_id}.jpg",
                    )
        return answers
    finally:
        index.close()


def _hotline_key(settings: Settings) -> str:
    """The demo hotline's API key id (the key itself is not kept: the demo sends its report)."""
    from takedown.auth.models import ApiKey, Scope
    from takedown.auth.service import create_api_key

    with session_scope(settings.resolved_database_url) as db_session:
        existing = db_session.scalar(select(ApiKey.id).where(ApiKey.name == DEMO_HOTLINE))
        if existing is not None:
            return existing
        row, _ = create_api_key(
            db_session=db_session,
            name=DEMO_HOTLINE,
            scopes=[Scope.REPORT.value, Scope.TRUSTED_FLAGGER.value],
        )
        return row.id


def seed_users(settings: Settings) -> dict[str, tuple[str, str]]:
    """Demo staff logins with fresh random passwords on every start (printed, never stored)."""
    logins: dict[str, tuple[str, str]] = {}
    with session_scope(settings.resolved_database_url) as db_session:
        for username, role in DEMO_USERS:
            password = secrets.token_urlsafe(12)
            user = get_user_by_username(db_session=db_session, username=username)
            if user is None:
                create_user(
                    db_session=db_session,
                    username=username,
                    role=role,
                    password=password,
                    actor="demo",
                )
            else:
                user.password_hash = hash_password(password)
                user.disabled, user.disabled_by = False, None
                record(
                    db_session=db_session,
                    actor="demo",
                    action="user.password_reset",
                    subject=user.id,
                    details={"at": clock.now()},
                )
            logins[username] = (role.value, password)
    return logins


def seed_quality_check(settings: Settings, cases: list[dict[str, Any]]) -> None:
    """demo-cs-2's decision on the quality demo's case, sampled (always, here) for a check."""
    from takedown.cases.models import Case
    from takedown.quality.service import maybe_sample
    from takedown.review.flows import record_decision
    from takedown.review.models import Decision

    case_id = next(c["case_id"] for c in cases if c["quality_demo"])
    with session_scope(settings.resolved_database_url) as db_session:
        if db_session.scalar(select(Decision.id).where(Decision.case_id == case_id)):
            return
        decider = get_user_by_username(db_session=db_session, username="demo-cs-2")
        assert decider is not None
        decision = record_decision(
            db_session=db_session,
            settings=settings.model_copy(update={"quality_sample_percent": 0}),
            case_id=case_id,
            reviewer=decider,
            outcome="no_violation",
            reason="DEMO: a joke between friends, not spam.",
        )
        case = db_session.get_one(Case, case_id)
        maybe_sample(
            db_session=db_session,
            settings=settings.model_copy(update={"quality_sample_percent": 100}),
            case=case,
            decision=decision,
            category=case.category,
        )


def seed_demo(settings: Settings) -> DemoSeed:
    """Everything the demo needs; safe to run on every start."""
    seed = DemoSeed()
    seed.bank_entries = seed_bank(settings)
    seed.cases = seed_reports(settings)
    seed.logins = seed_users(settings)
    seed_quality_check(settings, seed.cases)
    return seed
