"""Rule: legal answers law enforcement's legal process with one file: the package's files as
preserved, a manifest of their SHA-256s, the request, and the package's chain of custody from
the audit log (each entry with its hash, `takedown audit verify` proving them unchanged). Only
legal makes it; the request must say who asked and under what process; each disclosure is
audited and listed on the package."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

from fastapi.testclient import TestClient

from takedown.api.app import create_app
from tests.enforcement_support import decide_violating, report_with_media
from tests.media import generated_scene, jpeg
from tests.review_support import console, make_user, staff_headers

WARRANT = {
    "requested_by": "County Police, Det. A. Example",
    "legal_process": "Search warrant 26-SW-0142, County Court",
}


def _package(client: TestClient, legal: dict[str, str], case_id: str) -> str:
    (package,) = client.get(f"/v1/evidence?case_id={case_id}", headers=legal).json()["packages"]
    return str(package["package_id"])


def test_legal_discloses_preserved_evidence_to_law_enforcement(settings, cli):
    picture = jpeg(generated_scene(61))
    app = create_app(settings)
    with TestClient(app) as client:
        filed = report_with_media(client, picture, content_id="post-61", account_id="acct-61")
        decide_violating(client, settings, filed["case_id"], classification="A1")
        make_user(settings, "counsel", "legal")
        make_user(settings, "boss", "admin")
        legal = staff_headers(client, settings, "counsel")
        package_id = _package(client, legal, filed["case_id"])

        refused = client.post(
            f"/v1/evidence/{package_id}/disclosures",
            json=WARRANT,
            headers=staff_headers(client, settings, "boss"),
        )
        assert refused.status_code == 403 and refused.json()["code"] == "legal_only"
        unexplained = client.post(
            f"/v1/evidence/{package_id}/disclosures",
            json={"requested_by": "Someone", "legal_process": " "},
            headers=legal,
        )
        assert unexplained.status_code == 422
        assert unexplained.json()["code"] == "legal_process_required"

        answer = client.post(f"/v1/evidence/{package_id}/disclosures", json=WARRANT, headers=legal)
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "application/zip"
        assert answer.headers["cache-control"] == "no-store"
        assert f'filename="{package_id}-disclosure-' in answer.headers["content-disposition"]
        archive = zipfile.ZipFile(io.BytesIO(answer.content))
        manifest = json.loads(archive.read("manifest.json"))
        assert manifest["case_id"] == filed["case_id"]
        assert manifest["disclosure"]["legal_process"] == WARRANT["legal_process"]
        assert manifest["disclosure"]["requested_by"] == WARRANT["requested_by"]
        for item in manifest["files"]:
            data = archive.read(item["path"])
            assert hashlib.sha256(data).hexdigest() == item["sha256"]
            assert len(data) == item["size_bytes"]
        (media,) = [i for i in manifest["files"] if i["kind"] == "media"]
        assert archive.read(media["path"]) == picture  # as preserved, byte for byte
        custody = [entry["action"] for entry in manifest["chain_of_custody"]]
        assert custody[0] == "evidence.preserved" and custody[-1] == "evidence.disclosed"
        seqs = [entry["seq"] for entry in manifest["chain_of_custody"]]
        assert seqs == sorted(seqs) and all(e["entry_hash"] for e in manifest["chain_of_custody"])

        detail = client.get(f"/v1/evidence/{package_id}", headers=legal).json()
        (listed,) = detail["disclosures"]
        assert listed["legal_process"] == WARRANT["legal_process"] and listed["files"] == 2

        # The console's form does the same, and a missing field re-shows the page with why.
        browser = console(app, "counsel")
        page = browser.get(f"/console/evidence/{package_id}")
        assert 'id="disclosure-form"' in page.text and WARRANT["legal_process"] in page.text
        missing = browser.post(
            f"/console/evidence/{package_id}/disclosures",
            {"requested_by": "", "legal_process": "Subpoena 7"},
        )
        assert missing.status_code == 422 and "requested_by is required" in missing.text
        made = browser.post(
            f"/console/evidence/{package_id}/disclosures",
            {**WARRANT, "note": "second copy, for the prosecutor"},
        )
        assert made.status_code == 200 and made.headers["content-type"] == "application/zip"
        assert (
            len(client.get(f"/v1/evidence/{package_id}", headers=legal).json()["disclosures"]) == 2
        )

    assert cli("audit", "verify").exit_code == 0  # the custody entries' chain is whole


def test_a_disclosure_names_no_path_outside_its_folder(settings):
    """Uploaders name their files: a disclosure never carries a name that unpacks elsewhere."""
    app = create_app(settings)
    with TestClient(app) as client:
        filed = report_with_media(
            client,
            jpeg(generated_scene(62)),
            content_id="post-62",
            account_id="acct-62",
            filename="../../../etc/cron.d/evil.jpg",
        )
        decide_violating(client, settings, filed["case_id"], classification="A1")
        make_user(settings, "counsel", "legal")
        legal = staff_headers(client, settings, "counsel")
        package_id = _package(client, legal, filed["case_id"])
        answer = client.post(f"/v1/evidence/{package_id}/disclosures", json=WARRANT, headers=legal)
        names = zipfile.ZipFile(io.BytesIO(answer.content)).namelist()
    assert "manifest.json" in names
    for name in names:
        assert ".." not in name.split("/") and not name.startswith("/")
        assert name == "manifest.json" or name.startswith("files/")
    assert any(name.endswith("-evil.jpg") for name in names)
