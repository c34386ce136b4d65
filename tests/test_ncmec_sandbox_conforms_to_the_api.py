"""The local CyberTipline sandbox answers like the documented API: Basic auth, XSD validation,
and the documented response codes (0, 2000, 4100, 4110, 5001, 5002, 5101, 5102)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest

from takedown.ncmec.sandbox import free_port
from takedown.ncmec.xml import build_file_details, build_report, parse_response
from tests.ncmec_factories import SANDBOX_PASSWORD, SANDBOX_USER, sandbox
from tests.test_ncmec_xml_is_schema_valid import minimal_report

XML = {"Content-Type": "text/xml; charset=utf-8"}


@pytest.fixture
def ncmec():
    with (
        sandbox() as server,
        httpx.Client(base_url=server.url, auth=(SANDBOX_USER, SANDBOX_PASSWORD)) as http,
    ):
        yield server, http


def _code(response: httpx.Response) -> int:
    return parse_response(response.content).response_code


def _open(http: httpx.Client) -> str:
    response = http.post("/submit", content=build_report(minimal_report()), headers=XML)
    assert response.status_code == 200 and _code(response) == 0
    return parse_response(response.content).report_id


def _details(report_id: str, file_id: str) -> bytes:
    from takedown.ncmec.schemas import FileDetails

    return build_file_details(
        FileDetails(original_file_name="a.jpg"), report_id=report_id, file_id=file_id
    )


def test_status_and_basic_auth(ncmec):
    server, http = ncmec
    ok = http.get("/status")
    assert ok.status_code == 200 and _code(ok) == 0
    assert f"Remote User : {SANDBOX_USER}" in parse_response(ok.content).description
    for auth in [None, (SANDBOX_USER, "wrong"), ("someone", SANDBOX_PASSWORD)]:
        refused = httpx.post(
            f"{server.url}/submit", content=build_report(minimal_report()), headers=XML, auth=auth
        )
        assert refused.status_code == 401 and _code(refused) == 2000
        assert refused.headers["www-authenticate"].startswith("Basic")
    assert server.state.reports == {}
    assert http.get("/xsd").text.startswith("<?xml")


def test_xml_is_validated_against_the_schema(ncmec):
    _, http = ncmec
    invalid = http.post("/submit", content=b"<report><reporter/></report>", headers=XML)
    assert invalid.status_code == 400 and _code(invalid) == 4100
    malformed = http.post("/submit", content=b"<report><incidentSummary>", headers=XML)
    assert _code(malformed) == 4110
    document = build_report(minimal_report())
    future = document.replace(b"2026-01-01T00:00:00Z", b"2999-01-01T00:00:00Z")
    assert _code(http.post("/submit", content=future, headers=XML)) == 4100
    naive = document.replace(b"2026-01-01T00:00:00Z", b"2026-01-01T00:00:00")
    assert _code(http.post("/submit", content=naive, headers=XML)) == 4100


def test_upload_fileinfo_finish_and_the_error_codes(ncmec):
    server, http = ncmec
    assert _code(http.post("/upload", data={"id": "999"}, files={"file": ("a", b"x")})) == 5001

    report_id = _open(http)
    uploaded = http.post("/upload", data={"id": report_id}, files={"file": ("a.jpg", b"bytes")})
    answer = parse_response(uploaded.content)
    assert answer.response_code == 0 and answer.file_id and answer.hash
    assert _code(http.post("/fileinfo", content=_details(report_id, "nope"), headers=XML)) == 5002
    ok = http.post("/fileinfo", content=_details(report_id, answer.file_id), headers=XML)
    assert _code(ok) == 0

    done = http.post("/finish", data={"id": report_id})
    receipt = parse_response(done.content)
    assert receipt.response_code == 0 and receipt.file_ids == [answer.file_id]
    assert _code(http.post("/retract", data={"id": report_id})) == 5102
    assert _code(http.post("/upload", data={"id": report_id}, files={"file": ("b", b"y")})) == 5102

    retracted = _open(http)
    assert _code(http.post("/retract", data={"id": retracted})) == 0
    assert _code(http.post("/retract", data={"id": retracted})) == 5101
    assert _code(http.post("/finish", data={"id": retracted})) == 5101
    assert server.state.reports[retracted].status == "retracted"


def test_it_can_be_told_to_fail(ncmec):
    server, http = ncmec
    control = f"http://{server.host}:{server.port}/_sandbox/faults"
    assert http.post(control, json={"count": 2, "endpoint": "submit"}).status_code == 200
    for _ in range(2):
        failed = http.post("/submit", content=build_report(minimal_report()), headers=XML)
        assert failed.status_code == 500 and _code(failed) == 1000
    assert _open(http)  # and then it works again


def test_takedown_ncmec_sandbox_command_serves_the_api(tmp_path):
    port = free_port()
    env = {**os.environ, "TAKEDOWN_DATA_DIR": str(tmp_path)}
    command = [
        sys.executable,
        "-m",
        "takedown.cli.main",
        "ncmec-sandbox",
        "--port",
        str(port),
        "--username",
        "u1",
        "--password",
        "p1",
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/ispws/status", auth=("u1", "p1"))
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read().decode()
                assert time.monotonic() < deadline, "sandbox did not start"
                time.sleep(0.2)
        assert response.status_code == 200 and _code(response) == 0
        wrong = httpx.get(f"http://127.0.0.1:{port}/ispws/status", auth=("u1", "nope"))
        assert _code(wrong) == 2000
    finally:
        process.terminate()
        process.wait(timeout=10)
