"""Rule: a built-in policy is that policy however it is spelt ("CHILD_SEXUAL_ABUSE_MATERIAL",
"Child sexual abuse material") or named by its category ("child_sexual_abuse", and "csam"); the
decision is recorded under the built-in name, and only a child-safety reviewer finds child
sexual abuse or exploitation with it. Any other name that speaks of child sexual abuse or
exploitation is reserved: refused (422 `reserved_policy_name`), so no platform's "own policy"
records such a finding outside the child-safety rules."""

from __future__ import annotations

import pytest

from tests.review_support import case_seen_by_staff, make_user, report, staff_headers

CHILD_SAFETY_SPELLINGS = [  # with what the built-in policy needs besides (a classification)
    ("child_sexual_abuse", {"classification": "A1"}),
    ("CHILD_SEXUAL_ABUSE_MATERIAL", {"classification": "B2"}),
    (" Child Sexual Abuse Material ", {"classification": "A2"}),
    ("child-sexual-exploitation", {}),
    ("CSAM", {"classification": "B1"}),
]


def decide(client, headers, case_id: str, policy: str, **more: str):  # type: ignore[no-untyped-def]
    body = {"outcome": "violating", "policy": policy, "reason": "seen", **more}
    return client.post(f"/v1/cases/{case_id}/decisions", json=body, headers=headers)


@pytest.mark.parametrize(("policy", "more"), CHILD_SAFETY_SPELLINGS)
def test_policy_names_cannot_hide_a_child_safety_finding(client, settings, policy, more) -> None:  # type: ignore[no-untyped-def]
    make_user(settings, "rev", "reviewer")
    case_id = report(client, category="terms_violation")["case_id"]
    headers = staff_headers(client, settings, "rev")
    refused = decide(client, headers, case_id, policy, **more)
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "child_safety_finding"
    if more:  # and without the classification, refused as the built-in policy is
        bare = decide(client, headers, case_id, policy)
        assert bare.json()["code"] == "classification_required", bare.text


@pytest.mark.parametrize(
    "policy", ["Child sexual imagery", "minors - sexualised porn", "CSEA policy 4.2"]
)
def test_other_names_of_child_sexual_abuse_are_reserved(client, settings, policy) -> None:  # type: ignore[no-untyped-def]
    make_user(settings, "rev", "reviewer")
    case_id = report(client, category="terms_violation")["case_id"]
    refused = decide(client, staff_headers(client, settings, "rev"), case_id, policy)
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "reserved_policy_name"


def test_a_built_in_policy_in_another_spelling_is_recorded_by_its_name(client, settings) -> None:  # type: ignore[no-untyped-def]
    make_user(settings, "rev", "reviewer")
    make_user(settings, "csr", "child_safety_reviewer")
    plain = report(client, category="terms_violation", content_url="https://platform.example/a")
    decided = decide(client, staff_headers(client, settings, "rev"), plain["case_id"], "Spam 3")
    assert (
        decided.status_code == 201 and decided.json()["decision"]["policy"] == "Spam 3"
    )  # its own name

    other = report(client, category="terms_violation", content_url="https://platform.example/b")
    found = decide(
        client,
        staff_headers(client, settings, "csr"),
        other["case_id"],
        "CHILD_SEXUAL_ABUSE_MATERIAL",
        classification="B2",
    )
    assert found.status_code == 201, found.text
    assert found.json()["decision"]["policy"] == "child_sexual_abuse_material"
    assert case_seen_by_staff(client, settings, other["case_id"])["category"] == (
        "child_sexual_abuse"
    )
