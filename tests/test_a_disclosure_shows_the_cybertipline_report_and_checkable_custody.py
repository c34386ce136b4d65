"""Rule: a disclosure shows the CyberTipline report and a chain of custody its recipient can check.

Once the filing finished, the package and the disclosure's manifest give the report's date
(`ncmec_reported_at`). The chain of custody holds the filing's audit entries (the files uploaded
to NCMEC) beside the package's, in the log's order, each with `prev_hash`: the recipient
recomputes every `entry_hash` by the recipe in docs/ncmec.md."""

from __future__ import annotations

import base64
import hashlib
import io
import itertools
import json
import secrets
import zipfile

from fastapi.testclient import TestClient
from pydantic import SecretStr

from takedown.api.app import create_app
from takedown.ncmec.scheduled import file_due_reports
from tests.enforcement_support import decide_violating, report_with_media
from tests.media import generated_scene, jpeg
from tests.ncmec_factories import ncmec_settings, sandbox
from tests.review_support import make_user, staff_headers

WARRANT = {"requested_by": "County Police", "legal_process": "Search warrant 26-SW-0199"}


def _recomputed(entry: dict) -> str:  # type: ignore[type-arg]
    fields = ("seq", "at", "actor", "action", "subject", "details", "prev_hash")
    array = [entry[name] for name in fields]
    return hashlib.sha256(
        json.dumps(array, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def test_a_disclosure_shows_the_cybertipline_report_and_checkable_custody(settings):  # type: ignore[no-untyped-def]
    with sandbox() as server:
        settings = ncmec_settings(
            settings,
            server,
            evidence_key=SecretStr(base64.b64encode(secrets.token_bytes(32)).decode()),
        )
        with TestClient(create_app(settings)) as client:
            filed = report_with_media(
                client, jpeg(generated_scene(97)), content_id="p-97", account_id="a-97"
            )
            decide_violating(client, settings, filed["case_id"], classification="A1")
            assert list(file_due_reports(settings).values()) == ["finished"]
            make_user(settings, "law", "legal")
            legal = staff_headers(client, settings, "law")
            (package,) = client.get(
                f"/v1/evidence?case_id={filed['case_id']}", headers=legal
            ).json()["packages"]
            package_id = package["package_id"]
            detail = client.get(f"/v1/evidence/{package_id}", headers=legal).json()
            assert detail["ncmec_reported_at"] is not None  # no purge run needed

            answer = client.post(
                f"/v1/evidence/{package_id}/disclosures", json=WARRANT, headers=legal
            )
            assert answer.status_code == 200, answer.text
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(answer.content)).read("manifest.json"))
    assert manifest["ncmec_reported_at"] is not None
    custody = manifest["chain_of_custody"]
    actions = [entry["action"] for entry in custody]
    assert {"ncmec.queued", "ncmec.submitted", "ncmec.finished"} <= set(actions)
    assert actions[-1] == "evidence.disclosed"
    assert [e["seq"] for e in custody] == sorted(e["seq"] for e in custody)
    for entry in custody:
        assert _recomputed(entry) == entry["entry_hash"]
    for before, after in itertools.pairwise(custody):
        if after["seq"] == before["seq"] + 1:
            assert after["prev_hash"] == before["entry_hash"]
