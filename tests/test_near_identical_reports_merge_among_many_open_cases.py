"""Rule: a report's picture or video finds the open case about a near-identical copy (PDQ within
the threshold, from any of the eight orientations) however many cases are open, by multi-index
hashing in the database (cases/near_search.py), with recall equal to comparing with every open
case. A closed case is not joined; a case reopened by an appeal is found again; cases that were
open before the upgrade that introduced the keys are found too."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import func, insert, select

from takedown import clock
from takedown.cases import near_search
from takedown.cases.models import Case, CaseMedia, CaseMediaSignal, OpenCasePdqKey
from takedown.store.db import session_scope
from tests.enforcement_support import platform_key
from tests.media import altered_copy, jpeg, stand_in
from tests.reports_support import assert_only_open_cases_are_keyed
from tests.review_support import make_user, report, staff_headers

THRESHOLD = 31
_examples = itertools.count()


def _flipped(value: bytes, bits: int, rng: np.random.Generator, spread: bool) -> str:
    """`value` with `bits` bits flipped: at random, or spread over the 16 chunks as evenly as
    they go (the worst case for multi-index hashing: no chunk is left as it was)."""
    flipped = np.unpackbits(np.frombuffer(value, np.uint8))
    if spread:
        positions = np.array([(i % 16) * 16 + i // 16 for i in range(bits)], dtype=int)
    else:
        positions = rng.choice(256, size=bits, replace=False)
    flipped[positions] ^= 1
    return np.packbits(flipped).tobytes().hex()


def _open_cases_with_hashes(settings, hashes_by_case: dict[str, list[str]], kind: str) -> None:  # type: ignore[no-untyped-def]
    """Open cases whose media has these PDQ rows, stored and keyed as intake stores them."""
    now = clock.now()
    with session_scope(settings.resolved_database_url) as db_session:
        db_session.execute(
            insert(Case),
            [
                {
                    "id": case_id,
                    "status": "open",
                    "priority": "P2",
                    "category": "terms_violation",
                    "deadline_at": now,
                    "deadline_started_at": now,
                    "updated_at": now,
                    "created_at": now,
                }
                for case_id in hashes_by_case
            ],
        )
        for case_id, hashes in hashes_by_case.items():
            media = CaseMedia(
                case_id=case_id,
                source="upload",
                storage_path="unused",
                sha256="0" * 64,
                media_type="image",
                size_bytes=1,
                created_at=now,
            )
            db_session.add(media)
            db_session.flush()
            rows = [
                CaseMediaSignal(case_media_id=media.id, case_id=case_id, signal_type=kind, value=h)
                for h in hashes
            ]
            db_session.add_all(rows)
            db_session.flush()
            near_search.key_signals(db_session, rows)


def _brute_force(settings, kind: str, queries: list[str]) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        rows = db_session.execute(
            select(CaseMediaSignal.case_id, CaseMediaSignal.value).where(
                CaseMediaSignal.signal_type == kind
            )
        ).all()
    counts: dict[str, int] = {}
    for query in queries:
        q = int(query, 16)
        for case_id in {c for c, v in rows if (int(v, 16) ^ q).bit_count() <= THRESHOLD}:
            counts[case_id] = counts.get(case_id, 0) + 1
    return counts


@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 2**32 - 1),
    planted=st.lists(st.integers(0, 48), min_size=1, max_size=12),
    kind=st.sampled_from(["pdq", "vpdq_frame"]),
    spread=st.booleans(),
    need=st.integers(1, 3),
)
def test_near_search_recall_equals_comparing_with_every_open_case(
    settings, seed, planted, kind, spread, need
):
    """Copies of one, two or three of three random queries planted at distances 0 to 48 (their
    changed bits at random, or spread over every chunk), among random hashes: the keyed search
    returns exactly the cases (and per case, the number of queries matched) brute force does,
    for cases that must match one, two or all three queries."""
    rng = np.random.default_rng(seed)
    prefix = f"case_{next(_examples):06d}"  # hypothesis reruns seeds: each example its own cases
    queries = [rng.bytes(32) for _ in range(3)]
    hashes_by_case = {
        f"{prefix}_{i:04d}": [rng.bytes(32).hex() for _ in range(2)] for i in range(40)
    }
    planted = [*planted, *rng.integers(0, THRESHOLD + 1, size=3).tolist()]  # some to find
    for i, distance in enumerate(planted):
        copies = i % 3 + 1  # of one, two or three of the queries, starting at a different one
        hashes_by_case[f"{prefix}_p{i:03d}"] = [
            *(_flipped(queries[(i + k) % 3], distance, rng, spread) for k in range(copies)),
            rng.bytes(32).hex(),
        ]
    _open_cases_with_hashes(settings, hashes_by_case, kind)

    query_hex = [q.hex() for q in queries]
    with session_scope(settings.resolved_database_url) as db_session:
        found = near_search.cases_matching(
            db_session, signal_type=kind, values=query_hex, threshold=THRESHOLD, need=need
        )
    counts = _brute_force(settings, kind, query_hex)
    assert found == {case_id: n for case_id, n in counts.items() if n >= need}
    assert {c for c in found if c.startswith(f"{prefix}_p")} == {
        f"{prefix}_p{i:03d}" for i, d in enumerate(planted) if d <= THRESHOLD and i % 3 + 1 >= need
    }


def _reported_where_posted(client) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A report of the post the platform scanned the picture at, with the reporter's copy: its
    reporter follows the case (and may appeal)."""
    picture = jpeg(stand_in("chelsea"))
    client.post(
        "/v1/scan",
        files={"file": ("p.jpg", picture, "image/jpeg")},
        data={"content_id": "post-1", "content_url": "https://platform.example/p/1"},
        headers={"Authorization": f"Bearer {platform_key(client, 'scan')}"},
    ).raise_for_status()
    return report(
        client,
        category="terms_violation",
        image=picture,
        content_url="https://platform.example/p/1",
    )


def _copy_reported(client, address: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A report of a re-encoded, resized copy of the first report's picture, posted elsewhere."""
    image = altered_copy(stand_in("chelsea"))
    return report(client, category="terms_violation", image=image, content_url=address)


def test_a_near_identical_picture_joins_its_open_case_among_thousands(client, settings):
    """2,000 other open cases with random pictures: the altered copy still finds its case, and
    an unrelated picture opens a case of its own."""
    rng = np.random.default_rng(7)
    _open_cases_with_hashes(
        settings, {f"case_other_{i:05d}": [rng.bytes(32).hex()] for i in range(2000)}, "pdq"
    )
    first = report(client, category="terms_violation", image=jpeg(stand_in("chelsea")))
    copy = _copy_reported(client, "https://platform.example/p/copy")
    assert copy["case_id"] == first["case_id"]
    unrelated = report(
        client,
        category="terms_violation",
        image=jpeg(stand_in("coffee")),
        content_url="https://platform.example/p/coffee",
    )
    assert unrelated["case_id"] != first["case_id"]
    assert_only_open_cases_are_keyed(settings)


def test_a_closed_case_is_not_joined_and_a_case_reopened_by_appeal_is(client, settings):
    make_user(settings, "rev-1", "reviewer")
    reviewer = staff_headers(client, settings, "rev-1")

    def decide_no_violation(case_id: str) -> None:
        answer = client.post(
            f"/v1/cases/{case_id}/decisions",
            json={"outcome": "no_violation", "reason": "allowed", "policy": "terms_of_service"},
            headers=reviewer,
        )
        assert answer.status_code == 201, answer.text

    first = _reported_where_posted(client)
    decide_no_violation(first["case_id"])
    assert_only_open_cases_are_keyed(settings)

    after_close = _copy_reported(client, "https://platform.example/p/after-close")
    assert after_close["case_id"] != first["case_id"]
    decide_no_violation(after_close["case_id"])

    appealed = client.post(
        f"/track/{first['tracking_token']}/appeal",
        data={"reason": "It is my photo, posted without my consent."},
        follow_redirects=False,
    )
    assert appealed.status_code == 303
    assert_only_open_cases_are_keyed(settings)

    after_appeal = _copy_reported(client, "https://platform.example/p/after-appeal")
    assert after_appeal["case_id"] == first["case_id"]


def test_a_closed_case_keyed_by_a_report_that_raced_its_decision_is_not_joined(client, settings):
    """A report joining a case as a decision closes it can key the case's new media after the
    close dropped its keys. The search checks the cases it finds are open, and a reopening
    replaces such keys."""
    make_user(settings, "rev-1", "reviewer")
    first = _reported_where_posted(client)
    decided = client.post(
        f"/v1/cases/{first['case_id']}/decisions",
        json={"outcome": "no_violation", "reason": "allowed", "policy": "terms_of_service"},
        headers=staff_headers(client, settings, "rev-1"),
    )
    assert decided.status_code == 201, decided.text
    with session_scope(settings.resolved_database_url) as db_session:
        near_search.key_signals(  # what the losing report left behind
            db_session,
            db_session.scalars(
                select(CaseMediaSignal).where(CaseMediaSignal.case_id == first["case_id"])
            ),
        )

    assert _copy_reported(client, "https://platform.example/p/copy")["case_id"] != first["case_id"]

    appealed = client.post(
        f"/track/{first['tracking_token']}/appeal",
        data={"reason": "It is my photo, posted without my consent."},
        follow_redirects=False,
    )
    assert appealed.status_code == 303
    assert_only_open_cases_are_keyed(settings)


def test_cases_open_before_the_upgrade_are_found_by_near_identical_reports(
    database_url, client, settings
):
    """Migration 0031 keys the PDQ rows of cases open when it runs."""
    from alembic import command

    from takedown.store.migrate import alembic_config, upgrade

    first = report(client, category="terms_violation", image=jpeg(stand_in("chelsea")))
    command.downgrade(alembic_config(database_url), "0030_quality_referral")
    upgrade(database_url)
    with session_scope(settings.resolved_database_url) as db_session:
        assert db_session.scalar(select(func.count()).select_from(OpenCasePdqKey)) == 16
    assert_only_open_cases_are_keyed(settings)

    copy = _copy_reported(client, "https://platform.example/p/copy")
    assert copy["case_id"] == first["case_id"]
