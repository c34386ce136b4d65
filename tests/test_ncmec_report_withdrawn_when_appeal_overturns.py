"""A CyberTipline report still waiting to be sent is withdrawn when two appeal reviewers overturn
the removal: NCMEC is never told about content that Takedown no longer holds to be abuse."""

from __future__ import annotations

from takedown.ncmec.models import NcmecFiling
from takedown.store.db import session_scope
from tests.enforcement_support import decide_violating, report_with_media
from tests.media import generated_scene, jpeg
from tests.review_support import make_user, staff_headers


def _filing_states(settings, case_id: str) -> list[tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        rows = db_session.query(NcmecFiling).filter_by(case_id=case_id)
        return [(row.state, row.last_error) for row in rows]


def test_pending_report_is_withdrawn_when_the_removal_is_overturned(client, settings, auth_header):
    filed = report_with_media(
        client, jpeg(generated_scene(71)), content_id="post-71", account_id="acct-71"
    )
    case_id = filed["case_id"]
    decide_violating(client, settings, case_id, username="first", classification="B2")
    assert _filing_states(settings, case_id) == [("pending", None)]

    appeal_id = client.post(
        "/v1/uploader-appeals",
        json={"case_id": case_id, "reason": "mistake"},
        headers=auth_header("report"),
    ).json()["appeal_id"]
    body = {"outcome": "overturned", "reason": "not abuse material"}
    for name in ("second", "third"):
        make_user(settings, name, "child_safety_reviewer")
        answer = client.post(
            f"/v1/appeals/{appeal_id}/decisions",
            json=body,
            headers=staff_headers(client, settings, name),
        )
        assert answer.status_code == 201, answer.text
        if name == "second":  # one overturn is not enough on a child-safety case
            assert _filing_states(settings, case_id) == [("pending", None)]

    [(state, error)] = _filing_states(settings, case_id)
    assert state == "failed"
    assert error is not None and error.startswith("withdrawn")
