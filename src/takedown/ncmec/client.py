"""A client for NCMEC's CyberTipline Reporting API: /status, /submit, /upload, /fileinfo, /finish,
/retract, with HTTP Basic auth. Every XML document is validated against the XSD before it is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from takedown.errors import InvalidInput, UpstreamError
from takedown.ncmec.schemas import Environment
from takedown.ncmec.xml import ReportDoneResponse, ReportResponse, parse_response, validate
from takedown.settings import Settings

# Section 2 of the API documentation.
PRODUCTION_URL = "https://report.cybertip.org/ispws"
TEST_URL = "https://exttest.cybertip.org/ispws"
PRODUCTION_HOSTS = frozenset({"report.cybertip.org"})

# Appendix D codes that mean "our document or request is wrong": retrying the same thing fails
# the same way, so the filing stops and waits for a person.
PERMANENT_CODES = frozenset({4000, 4100, 4110, 4200})
AUTH_CODES = frozenset({2000, 3000, 3100, 3300})


class NcmecError(UpstreamError):
    """NCMEC (or the network on the way) refused or failed a request."""

    code, title = "ncmec_error", "CyberTipline request failed"

    def __init__(
        self,
        detail: str,
        *,
        endpoint: str,
        response_code: int | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(detail, endpoint=endpoint, response_code=response_code)
        self.endpoint = endpoint
        self.response_code = response_code
        self.http_status = http_status

    @property
    def permanent(self) -> bool:
        return self.response_code in PERMANENT_CODES


class ProductionGuardError(InvalidInput):
    """A test report aimed at NCMEC's production service, or the reverse: never sent."""

    code, title = "ncmec_environment_mismatch", "NCMEC environment mismatch"


def environment_of(settings: Settings) -> Environment:
    """`test` unless TAKEDOWN_NCMEC_ENVIRONMENT is exactly `production`."""
    value = settings.ncmec_environment.strip().lower()
    if value not in {e.value for e in Environment}:
        raise InvalidInput(
            f"TAKEDOWN_NCMEC_ENVIRONMENT must be 'test' or 'production', not {value!r}",
            code="ncmec_bad_environment",
        )
    return Environment(value)


def base_url_for(settings: Settings) -> str:
    """TAKEDOWN_NCMEC_URL, or the documented URL of the configured environment."""
    if settings.ncmec_url:
        return settings.ncmec_url.rstrip("/")
    return PRODUCTION_URL if environment_of(settings) is Environment.PRODUCTION else TEST_URL


def is_production_url(url: str) -> bool:
    return (urlsplit(url).hostname or "").lower() in PRODUCTION_HOSTS


def check_environment(*, settings: Settings, report_environment: Environment) -> str:
    """The base URL to send a report built for `report_environment` to, or ProductionGuardError.

    A test report never reaches the production host, and a report is only sent while the
    configured environment is still the one it was built for.
    """
    configured = environment_of(settings)
    url = base_url_for(settings)
    if report_environment is not configured:
        raise ProductionGuardError(
            f"report was built for '{report_environment}' but TAKEDOWN_NCMEC_ENVIRONMENT is "
            f"'{configured}'; it is not sent"
        )
    if report_environment is Environment.TEST and is_production_url(url):
        raise ProductionGuardError(
            f"a test report is never sent to NCMEC's production service ({url}); set "
            "TAKEDOWN_NCMEC_ENVIRONMENT=production explicitly to file real reports"
        )
    return url


@dataclass(frozen=True)
class Upload:
    file_id: str
    md5: str


class CyberTiplineClient:
    """One session against one base URL. Use as a context manager."""

    def __init__(
        self,
        *,
        base_url: str,
        username: str,
        password: str,
        timeout_seconds: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not username or not password:
            raise NcmecError(
                "NCMEC credentials are not configured (TAKEDOWN_NCMEC_USERNAME and "
                "TAKEDOWN_NCMEC_PASSWORD)",
                endpoint="config",
                response_code=2000,
            )
        self.base_url = base_url.rstrip("/")
        self._request_id = ""  # of the last answer
        self._http = httpx.Client(
            base_url=self.base_url,
            auth=httpx.BasicAuth(username, password),
            timeout=timeout_seconds,
            transport=transport,
        )

    @classmethod
    def from_settings(
        cls, settings: Settings, *, report_environment: Environment
    ) -> CyberTiplineClient:
        url = check_environment(settings=settings, report_environment=report_environment)
        return cls(
            base_url=url,
            username=settings.ncmec_username,
            password=settings.ncmec_password.get_secret_value(),
            timeout_seconds=settings.ncmec_timeout_seconds,
        )

    def __enter__(self) -> CyberTiplineClient:
        return self

    def __exit__(self, *_: object) -> None:
        self._http.close()

    # --- endpoints -----------------------------------------------------------------------------

    def status(self) -> ReportResponse:
        return self._report_response("status", self._request("GET", "/status"))

    def submit(self, report_xml: bytes) -> str:
        """Open a report; returns NCMEC's report id."""
        validate(report_xml)
        response = self._report_response("submit", self._post_xml("/submit", report_xml))
        if not response.report_id:
            raise NcmecError("submit succeeded without a reportId", endpoint="submit")
        return response.report_id

    def upload(
        self,
        report_id: str,
        *,
        filename: str,
        md5: str,
        path: Path | None = None,
        data: bytes | None = None,
    ) -> Upload:
        """Upload one file, streamed from disk (or `data`, held in memory); checks the MD5 NCMEC
        computed against ours."""
        if path is None:
            body = self._request(
                "POST", "/upload", data={"id": report_id}, files={"file": (filename, data or b"")}
            )
        else:
            with path.open("rb") as handle:
                body = self._request(
                    "POST", "/upload", data={"id": report_id}, files={"file": (filename, handle)}
                )
        response = self._report_response("upload", body)
        if not response.file_id:
            raise NcmecError("upload succeeded without a fileId", endpoint="upload")
        if response.hash and response.hash.lower() != md5.lower():
            raise NcmecError(
                f"NCMEC received a different file (MD5 {response.hash}, sent {md5})",
                endpoint="upload",
            )
        return Upload(response.file_id, md5)

    def fileinfo(self, file_details_xml: bytes) -> None:
        validate(file_details_xml)
        self._report_response("fileinfo", self._post_xml("/fileinfo", file_details_xml))

    def finish(self, report_id: str) -> tuple[ReportDoneResponse, bytes]:
        """Finish the report; returns the parsed receipt and its raw XML (kept as evidence)."""
        raw = self._request("POST", "/finish", data={"id": report_id})
        parsed = self._parse("finish", raw)
        if not isinstance(parsed, ReportDoneResponse):
            self._raise_for(parsed, "finish")
            raise NcmecError("finish answered without a reportDoneResponse", endpoint="finish")
        if parsed.response_code != 0:
            raise NcmecError(
                f"finish failed with code {parsed.response_code}",
                endpoint="finish",
                response_code=parsed.response_code,
            )
        return parsed, raw

    def retract(self, report_id: str) -> ReportResponse:
        return self._report_response(
            "retract", self._request("POST", "/retract", data={"id": report_id})
        )

    # --- plumbing ------------------------------------------------------------------------------

    def _post_xml(self, path: str, document: bytes) -> bytes:
        headers = {"Content-Type": "text/xml; charset=utf-8"}
        return self._request("POST", path, content=document, headers=headers)

    def _request(self, method: str, path: str, **kwargs: object) -> bytes:
        endpoint = path.strip("/")
        try:
            response = self._http.request(method, path, **kwargs)  # type: ignore[arg-type]
        except httpx.HTTPError as exc:
            raise NcmecError(f"{endpoint}: {type(exc).__name__}: {exc}", endpoint=endpoint) from exc
        # NCMEC asks for the Request-ID header when troubleshooting (documentation 7.5).
        self._request_id = response.headers.get("request-id", "")
        if not response.is_success or not response.content:
            # An error may still carry a reportResponse; keep its code when it does.
            code = _code_or_none(response.content)
            description = _description_or_empty(response.content)
            raise NcmecError(
                f"{endpoint}: HTTP {response.status_code}"
                + (f", code {code} {description}".rstrip() if code is not None else "")
                + self._request_id_note(),
                endpoint=endpoint,
                response_code=code,
                http_status=response.status_code,
            )
        return response.content

    def _parse(self, endpoint: str, body: bytes) -> ReportResponse | ReportDoneResponse:
        try:
            return parse_response(body)
        except ValueError as exc:
            raise NcmecError(f"{endpoint}: {exc}", endpoint=endpoint) from exc

    def _report_response(self, endpoint: str, body: bytes) -> ReportResponse:
        parsed = self._parse(endpoint, body)
        if not isinstance(parsed, ReportResponse):
            raise NcmecError(f"{endpoint}: unexpected reportDoneResponse", endpoint=endpoint)
        self._raise_for(parsed, endpoint)
        return parsed

    def _raise_for(self, response: ReportResponse, endpoint: str) -> None:
        if response.response_code == 0:
            return
        raise NcmecError(
            f"{endpoint}: code {response.response_code} {response.description}".strip()
            + self._request_id_note(),
            endpoint=endpoint,
            response_code=response.response_code,
        )

    def _request_id_note(self) -> str:
        return f" (Request-ID {self._request_id})" if self._request_id else ""


def _code_or_none(body: bytes) -> int | None:
    try:
        return parse_response(body).response_code
    except ValueError:
        return None


def _description_or_empty(body: bytes) -> str:
    try:
        parsed = parse_response(body)
    except ValueError:
        return ""
    return parsed.description if isinstance(parsed, ReportResponse) else ""
