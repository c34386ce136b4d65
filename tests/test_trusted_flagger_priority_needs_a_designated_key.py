"""Rule: a report counts as a trusted flagger's (P1 priority, `SOURCE_TRUSTED_FLAGGER` in the
statement of reasons, the trusted-flagger line of the transparency report) only when it is sent
with an API key holding the `trusted_flagger` scope, which the platform gives the flaggers it
designated. A reporter who only claims the role keeps the claim on the report, and reviewers see
that it is a claim, but it earns nothing; the public report form does not offer the role."""

from __future__ import annotations

import csv

from fastapi.testclient import TestClient

from takedown import clock
from takedown.api.app import create_app
from tests.enforcement_support import decide_violating
from tests.reports_support import file_report
from tests.review_support import console, make_user, staff_headers

CLAIM = {"reporter": {"role": "trusted_flagger", "name": "TF", "email": "tf@example.org"}}


def _case(client: TestClient, settings, case_id: str) -> dict:  # type: ignore[no-untyped-def]
    answer = client.get(f"/v1/cases/{case_id}", headers=staff_headers(client, settings, "lead"))
    assert answer.status_code == 200, answer.text
    return answer.json()


def _statement_source(client: TestClient, settings, case_id: str) -> str:  # type: ignore[no-untyped-def]
    listed = client.get(
        f"/v1/statements-of-reasons?case_id={case_id}",
        headers=staff_headers(client, settings, "lead"),
    ).json()["statements"]
    reported = [i for i in listed if i["restriction"] == "content.remove"]
    assert reported, listed
    return reported[0]["statement"]["source_type"]


def test_trusted_flagger_priority_needs_a_designated_key(settings, make_api_key, cli, tmp_path):
    designated = {"Authorization": f"Bearer {make_api_key('report', 'trusted_flagger')}"}
    platform = {"Authorization": f"Bearer {make_api_key('report')}"}
    make_user(settings, "lead", "child_safety_reviewer")
    app = create_app(settings)
    with TestClient(app) as client:
        form = client.get("/report")
        assert form.status_code == 200
        assert 'value="bystander"' in form.text
        assert 'value="trusted_flagger"' not in form.text  # not a role the public can pick
        public_claim = file_report(client, "terms_violation", content_id="post-1", **CLAIM)
        platform_claim = file_report(
            client, "terms_violation", content_id="post-2", headers=platform, **CLAIM
        )
        flagger = file_report(
            client,
            "terms_violation",
            content_id="post-3",
            headers=designated,
            reporter={"name": "Hotline", "email": "notices@hotline.example"},
        )
        flagger_key_only = client.post(
            "/v1/reports",
            json={"category": "terms_violation", "content_id": "post-4"},
            headers={"Authorization": f"Bearer {make_api_key('trusted_flagger')}"},
        )
        assert flagger_key_only.status_code == 403
        assert flagger_key_only.json()["code"] == "missing_scope"

        cases = {
            name: _case(client, settings, answer["case_id"])
            for name, answer in (
                ("public", public_claim),
                ("platform", platform_claim),
                ("flagger", flagger),
            )
        }
        assert cases["public"]["priority"] == "P2"
        assert cases["platform"]["priority"] == "P2"
        assert cases["flagger"]["priority"] == "P1"
        for name in ("public", "platform"):
            (claimed,) = cases[name]["reports"]
            assert claimed["reporter_role"] == "trusted_flagger"  # the claim is kept
            assert claimed["trusted_flagger"] is False
        (designated_report,) = cases["flagger"]["reports"]
        assert designated_report["reporter_role"] == "trusted_flagger"
        assert designated_report["trusted_flagger"] is True

        reviewer = console(app, "lead")
        claimed_page = reviewer.get(f"/console/cases/{public_claim['case_id']}")
        assert "claimed, not designated" in claimed_page.text
        designated_page = reviewer.get(f"/console/cases/{flagger['case_id']}")
        assert "designated</span>" in designated_page.text
        assert "claimed, not designated" not in designated_page.text

        for number, answer in enumerate((platform_claim, flagger)):
            decide_violating(
                client,
                settings,
                answer["case_id"],
                f"csr-{number}",
                policy="terms_of_service",
                search_copies=False,
            )
        claimed_source = _statement_source(client, settings, platform_claim["case_id"])
        assert claimed_source == "SOURCE_ARTICLE_16"
        assert _statement_source(client, settings, flagger["case_id"]) == "SOURCE_TRUSTED_FLAGGER"

    today = str(clock.now().date())
    out = tmp_path / "transparency"
    result = cli("report", "transparency", "--from", today, "--to", today, "--output", str(out))
    assert result.exit_code == 0, result.output
    with (out / "reports_by_source.csv").open() as handle:
        by_source = {row["source"]: int(row["reports"]) for row in csv.DictReader(handle)}
    assert by_source == {"trusted_flagger": 1, "claimed_trusted_flagger": 2}
