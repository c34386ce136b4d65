"""A local CyberTipline conformance server (`takedown ncmec-sandbox`, also used by the tests).

It implements the documented endpoints under /ispws with HTTP Basic auth, validates every XML
document against the XSD, answers with the documented response codes, and keeps reports in
memory. It can be told to fail: `POST /_sandbox/faults` (or `SandboxState.fail_next`) makes the
next N matching calls answer HTTP 500 / code 1000, so retry and retract can be proven without
ever contacting NCMEC.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import APIRouter, FastAPI, Form, Request, Response, UploadFile
from lxml import etree
from pydantic import BaseModel

from takedown import clock
from takedown.ids import new_id
from takedown.ncmec.documented_rules import violations
from takedown.ncmec.xml import (
    InvalidCyberTiplineXml,
    build_done_response,
    build_response,
    validate,
    xsd_text,
)

XML = "application/xml"

# Appendix D response codes the sandbox answers with.
SUCCESS = 0
SERVER_ERROR = 1000
AUTH_REQUIRED = 2000
INVALID_REQUEST = 4000
VALIDATION_FAILED = 4100
MALFORMED_XML = 4110
MALFORMED_FILE = 4200
REPORT_DOES_NOT_EXIST = 5001
FILE_DOES_NOT_EXIST = 5002
REPORT_ALREADY_RETRACTED = 5101
REPORT_ALREADY_FINISHED = 5102

DESCRIPTIONS = {
    SUCCESS: "Success",
    SERVER_ERROR: "Server error",
    AUTH_REQUIRED: "Authentication required",
    INVALID_REQUEST: "Invalid request",
    VALIDATION_FAILED: "Validation failed",
    MALFORMED_XML: "Malformed XML submittal",
    MALFORMED_FILE: "Malformed file submittal",
    REPORT_DOES_NOT_EXIST: "Report does not exist",
    FILE_DOES_NOT_EXIST: "File does not exist",
    REPORT_ALREADY_RETRACTED: "Report already retracted",
    REPORT_ALREADY_FINISHED: "Report already finished",
}

HTTP_STATUS = {AUTH_REQUIRED: 401, SERVER_ERROR: 500, REPORT_DOES_NOT_EXIST: 404}


@dataclass
class SandboxFile:
    file_id: str
    filename: str
    md5: str
    size: int
    details_xml: str | None = None


@dataclass
class SandboxReport:
    report_id: str
    report_xml: str
    status: str = "open"  # open | finished | retracted
    files: dict[str, SandboxFile] = field(default_factory=dict)
    opened_at: str = ""


@dataclass
class Fault:
    remaining: int
    endpoint: str | None  # None: any endpoint
    http_status: int
    code: int
    # True: do the work, then answer with the error (the answer is "lost on the way back")
    after: bool = False


@dataclass
class SandboxState:
    """Everything the sandbox remembers; thread-safe (uvicorn serves from a thread pool)."""

    username: str
    password: str
    reports: dict[str, SandboxReport] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: itertools.count[int] = field(
        default_factory=lambda: itertools.count(100_000 + secrets.randbelow(900_000))
    )

    def fail_next(
        self,
        count: int = 1,
        *,
        endpoint: str | None = None,
        http_status: int = 500,
        code: int = SERVER_ERROR,
        after: bool = False,
    ) -> None:
        """Make the next `count` calls (to `endpoint`, or to any) fail; `after`: once done."""
        with self.lock:
            self.faults.append(Fault(count, endpoint, http_status, code, after))

    def _take_fault(self, endpoint: str, *, after: bool = False) -> Fault | None:
        for fault in self.faults:
            if fault.remaining > 0 and fault.endpoint in (None, endpoint) and fault.after == after:
                fault.remaining -= 1
                return fault
        return None


class FaultRequest(BaseModel):
    count: int = 1
    endpoint: str | None = None  # submit, upload, fileinfo, finish, retract, status; None: any
    http_status: int = 500
    code: int = SERVER_ERROR
    after: bool = False  # do the work, then fail the answer


class _Answer(Exception):
    def __init__(
        self,
        code: int,
        description: str = "",
        report_id: str | None = None,
        *,
        http_status: int | None = None,
    ) -> None:
        self.code, self.report_id, self.http_status = code, report_id, http_status
        self.description = description or DESCRIPTIONS.get(code, "Error")


def _xml(body: bytes, status: int = 200) -> Response:
    headers = {"Request-ID": new_id("req")}
    return Response(body, status_code=status, media_type=XML, headers=headers)


def _error(answer: _Answer) -> Response:
    status = answer.http_status or HTTP_STATUS.get(answer.code, 400)
    body = build_response(answer.code, answer.description, report_id=answer.report_id)
    response = _xml(body, status)
    if answer.code == AUTH_REQUIRED:
        response.headers["WWW-Authenticate"] = 'Basic realm="CyberTipline sandbox"'
    return response


def _parse_xml(body: bytes) -> etree._Element:
    try:
        validate(body)
    except InvalidCyberTiplineXml as exc:
        code = MALFORMED_XML if "not well-formed" in exc.detail else VALIDATION_FAILED
        raise _Answer(code, f"{DESCRIPTIONS[code]}: {exc.detail}") from exc
    return etree.fromstring(body)


def _documented_rules(root: etree._Element) -> None:
    """The documented rules the XSD cannot express (appendices A-C, section 7.3)."""
    problems = violations(root, now=clock.now())
    if problems:
        raise _Answer(
            VALIDATION_FAILED, f"{DESCRIPTIONS[VALIDATION_FAILED]}: {'; '.join(problems)}"
        )


def create_sandbox_app(state: SandboxState) -> FastAPI:
    app = FastAPI(title="CyberTipline sandbox", docs_url=None, redoc_url=None)
    app.state.sandbox = state
    api = APIRouter(prefix="/ispws")

    @app.exception_handler(_Answer)
    async def answer(_: Request, exc: _Answer) -> Response:
        return _error(exc)

    def guard(request: Request, endpoint: str) -> None:
        """Basic auth, then any injected fault for this endpoint."""
        with state.lock:
            state.calls.append(endpoint)
        header = request.headers.get("authorization", "")
        scheme, _, encoded = header.partition(" ")
        try:
            username, _, password = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            username = password = ""
        if (
            scheme.lower() != "basic"
            or not secrets.compare_digest(username.encode(), state.username.encode())
            or not secrets.compare_digest(password.encode(), state.password.encode())
        ):
            raise _Answer(AUTH_REQUIRED)
        with state.lock:
            fault = state._take_fault(endpoint)
        if fault is not None:
            raise _Answer(fault.code, "injected fault", http_status=fault.http_status)

    def open_report(report_id: str) -> SandboxReport:
        report = state.reports.get(report_id.strip())
        if report is None:
            raise _Answer(REPORT_DOES_NOT_EXIST, report_id=report_id)
        if report.status == "retracted":
            raise _Answer(REPORT_ALREADY_RETRACTED, report_id=report_id)
        if report.status == "finished":
            raise _Answer(REPORT_ALREADY_FINISHED, report_id=report_id)
        return report

    def answer_ok(endpoint: str, body: bytes) -> Response:
        """The success answer, unless an `after` fault says it gets lost."""
        with state.lock:
            fault = state._take_fault(endpoint, after=True)
        if fault is not None:
            raise _Answer(fault.code, "injected fault (work done)", http_status=fault.http_status)
        return _xml(body)

    @api.get("/status")
    def status(request: Request) -> Response:
        guard(request, "status")
        client = request.client.host if request.client else "unknown"
        description = f"Remote User : {state.username}, Remote Ip : {client}"
        return answer_ok("status", build_response(0, description))

    @api.get("/xsd")
    def xsd() -> Response:
        return Response(xsd_text(), media_type=XML)

    @api.post("/submit")
    async def submit(request: Request) -> Response:
        guard(request, "submit")
        body = await request.body()
        root = _parse_xml(body)
        if root.tag != "report":
            raise _Answer(VALIDATION_FAILED, "the root element must be <report>")
        _documented_rules(root)
        with state.lock:
            report_id = str(next(state._ids))
            state.reports[report_id] = SandboxReport(
                report_id, body.decode(), opened_at=clock.now().isoformat()
            )
        return answer_ok("submit", build_response(0, "Success", report_id=report_id))

    @api.post("/upload")
    async def upload(
        request: Request, id: str = Form(...), file: UploadFile | None = None
    ) -> Response:
        guard(request, "upload")
        content = await file.read() if file is not None else b""
        with state.lock:
            report = open_report(id)
            if not content:
                raise _Answer(MALFORMED_FILE, report_id=id)
            file_id = secrets.token_hex(16)
            md5 = hashlib.md5(content).hexdigest()
            report.files[file_id] = SandboxFile(
                file_id, (file.filename if file else None) or "", md5, len(content)
            )
        body = build_response(0, "Success", report_id=id, file_id=file_id, file_hash=md5)
        return answer_ok("upload", body)

    @api.post("/fileinfo")
    async def fileinfo(request: Request) -> Response:
        guard(request, "fileinfo")
        body = await request.body()
        root = _parse_xml(body)
        if root.tag != "fileDetails":
            raise _Answer(VALIDATION_FAILED, "the root element must be <fileDetails>")
        _documented_rules(root)
        report_id = root.findtext("reportId") or ""
        file_id = (root.findtext("fileId") or "").strip()
        with state.lock:
            report = open_report(report_id)
            sandbox_file = report.files.get(file_id)
            if sandbox_file is None:
                raise _Answer(FILE_DOES_NOT_EXIST, report_id=report_id)
            if sandbox_file.details_xml is not None:
                raise _Answer(INVALID_REQUEST, "file details may be sent once per file", report_id)
            if (
                root.findtext("fileRelevance") == "Supplemental Reported"
                and root.find("industryClassification") is not None
            ):
                raise _Answer(VALIDATION_FAILED, "only Reported files may be classified", report_id)
            sandbox_file.details_xml = body.decode()
        return answer_ok("fileinfo", build_response(0, "Success", report_id=report_id))

    @api.post("/finish")
    def finish(request: Request, id: str = Form(...)) -> Response:
        guard(request, "finish")
        with state.lock:
            report = open_report(id)
            report.status = "finished"
            file_ids = list(report.files)
        return answer_ok("finish", build_done_response(0, report.report_id, file_ids))

    @api.post("/retract")
    def retract(request: Request, id: str = Form(...)) -> Response:
        guard(request, "retract")
        with state.lock:
            report = open_report(id)
            report.status = "retracted"
        return answer_ok("retract", build_response(0, "Success", report_id=report.report_id))

    control = APIRouter(prefix="/_sandbox")

    @control.post("/faults")
    def add_fault(request: Request, fault: FaultRequest) -> dict[str, Any]:
        guard(request, "_faults")
        state.fail_next(
            fault.count,
            endpoint=fault.endpoint,
            http_status=fault.http_status,
            code=fault.code,
            after=fault.after,
        )
        return {"queued": fault.count}

    @control.get("/reports")
    def list_reports(request: Request) -> dict[str, Any]:
        guard(request, "_reports")
        with state.lock:
            return {
                "reports": [
                    {
                        "report_id": r.report_id,
                        "status": r.status,
                        "opened_at": r.opened_at,
                        "files": [
                            {
                                "file_id": f.file_id,
                                "filename": f.filename,
                                "md5": f.md5,
                                "size": f.size,
                                "has_details": f.details_xml is not None,
                            }
                            for f in r.files.values()
                        ],
                    }
                    for r in state.reports.values()
                ]
            }

    app.include_router(api)
    app.include_router(control)
    return app


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class SandboxServer:
    """Run the sandbox in this process on a free port (tests): `with SandboxServer() as s:`."""

    def __init__(
        self,
        *,
        username: str = "sandbox-user",
        password: str = "sandbox-password",
        host: str = "127.0.0.1",
        port: int | None = None,
    ) -> None:
        self.state = SandboxState(username=username, password=password)
        self.host, self.port = host, port or free_port(host)
        config = uvicorn.Config(
            create_sandbox_app(self.state), host=self.host, port=self.port, log_level="warning"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="ncmec-sandbox", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/ispws"

    def __enter__(self) -> SandboxServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the NCMEC sandbox did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
