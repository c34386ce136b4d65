"""Local stand-ins for the hash exchanges, shaped as python-threatexchange's clients read them:
NCMEC's hash sharing API (XML entries by time, paged, tombstones for deletions) and StopNCII's
FetchHashes (JSON records by modification time). They hold only hashes of benign pictures."""

from __future__ import annotations

import base64
import json
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from xml.sax.saxutils import escape

from tests.reports_support import http_server

NCMEC_DATE = "%Y-%m-%dT%H:%M:%SZ"  # python-threatexchange formats local time with a Z


@dataclass
class NcmecEntry:
    id: str
    kind: str  # image or video
    fingerprints: dict[str, str]
    timestamp: int
    member_id: int = 42
    classification: str = "A1"
    deleted: bool = False


@dataclass
class NcmecState:
    user: str = "esp-user"
    password: str = "esp-password"
    page_size: int = 1000
    entries: list[NcmecEntry] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def add(
        self,
        entry_id: str,
        kind: str,
        fingerprints: dict[str, str],
        *,
        ago: int = 60,
        member_id: int = 42,
    ) -> None:
        timestamp = int(time.time()) - ago
        self.entries.append(NcmecEntry(entry_id, kind, fingerprints, timestamp, member_id))

    def delete(self, entry_id: str, at: int) -> None:
        """A tombstone for the entry, timestamped `at` (epoch seconds)."""
        old = next(e for e in self.entries if e.id == entry_id)
        self.entries.append(NcmecEntry(entry_id, old.kind, {}, at, old.member_id, deleted=True))


class _Endpoint(BaseHTTPRequestHandler):
    def send(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


class NcmecHashSharing(_Endpoint):
    state: NcmecState

    def do_GET(self) -> None:
        state = type(self).state
        state.requests.append(self.path)
        expected = base64.b64encode(f"{state.user}:{state.password}".encode()).decode()
        if self.headers.get("Authorization") != f"Basic {expected}":
            self._answer(401, "<error>unauthorised</error>")
            return
        url = urllib.parse.urlsplit(self.path)
        if not url.path.endswith("/v2/entries"):
            self._answer(404, "<error>not found</error>")
            return
        query = urllib.parse.parse_qs(url.query)
        start, end = (_ncmec_time(query[name][0]) for name in ("from", "to"))
        window = sorted(
            (e for e in state.entries if start <= e.timestamp <= end), key=lambda e: e.timestamp
        )
        offset = int(query.get("start", ["0"])[0])
        size = int(query.get("size", [str(state.page_size)])[0])
        page = window[offset : offset + size]
        next_link = ""
        if offset + size < len(window):
            params = {
                "from": query["from"][0],
                "to": query["to"][0],
                "start": offset + size,
                "size": size,
                "max": len(window),
            }
            next_link = "/v2/entries?" + urllib.parse.urlencode(params)
        self._answer(200, _entries_xml(page, next_link))

    def _answer(self, status: int, body: str) -> None:
        self.send(status, body.encode(), "application/xml")


def _ncmec_time(text: str) -> int:
    return int(datetime.strptime(text, NCMEC_DATE).timestamp())


def _entries_xml(page: list[NcmecEntry], next_link: str) -> str:
    parts = ['<queryResult xmlns="https://hashsharing.ncmec.org/hashsharing/v2">']
    for kind in ("image", "video"):
        mine = [e for e in page if e.kind == kind]
        if not mine:
            continue
        newest = datetime.fromtimestamp(max(e.timestamp for e in mine)).strftime(NCMEC_DATE)
        parts.append(f'<{kind}s count="{len(mine)}" maxTimestamp="{newest}">')
        for entry in mine:
            tag = f"deleted{kind.capitalize()}" if entry.deleted else kind
            prints = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in entry.fingerprints.items())
            parts.append(
                f'<{tag}><id>{escape(entry.id)}</id><member id="{entry.member_id}">Example ESP'
                f"</member><classification>{entry.classification}</classification>"
                f"<fingerprints>{prints}</fingerprints></{tag}>"
            )
        parts.append(f"</{kind}s>")
    parts.append(f"<paging><next>{escape(next_link)}</next></paging></queryResult>")
    return "".join(parts)


def ncmec_hash_sharing(state: NcmecState) -> AbstractContextManager[str]:
    """The stand-in's base URL (TAKEDOWN_NCMEC_HASH_API_URL)."""
    return _serving(NcmecHashSharing, state)


@dataclass
class StopNciiState:
    fetch_key: str = "fetch-key"
    subscription_key: str = "subscription-key"
    records: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def put(self, signal_type: str, value: str, status: str = "Active") -> None:
        """A record (ImagePDQ or VideoMD5) in a case status (Active, Withdrawn, ...), modified
        now: the next fetch returns it."""
        self.records[signal_type, value] = {
            "lastModtimestamp": int(time.time()),
            "signalType": signal_type,
            "hashValue": value,
            "hashStatus": status,
            "caseNumbers": {"case-1": status},
            "CSPFeedbacks": [],
        }


class StopNcii(_Endpoint):
    state: StopNciiState

    def do_GET(self) -> None:
        state = type(self).state
        state.requests.append(self.path)
        keys = (self.headers.get("x-functions-key"), self.headers.get("Ocp-Apim-Subscription-Key"))
        if keys != (state.fetch_key, state.subscription_key):
            self._answer(401, {"error": "unauthorised"})
            return
        url = urllib.parse.urlsplit(self.path)
        if not url.path.endswith("/FetchHashes"):
            self._answer(404, {"error": "not found"})
            return
        since = int(urllib.parse.parse_qs(url.query)["startTimestamp"][0])
        records = [r for r in state.records.values() if r["lastModtimestamp"] >= since]
        newest = max([r["lastModtimestamp"] for r in records], default=since)
        self._answer(
            200,
            {
                "count": len(records),
                "nextPageToken": None,
                # Inclusive: a record changed later in the same second is not missed.
                "nextSetTimestamp": newest,
                "hasMoreRecords": False,
                "hashRecords": records,
            },
        )

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        self.send(status, json.dumps(body).encode(), "application/json")


def stop_ncii(state: StopNciiState) -> AbstractContextManager[str]:
    """The stand-in's base URL (TAKEDOWN_STOPNCII_URL)."""
    return _serving(StopNcii, state)


@contextmanager
def _serving(endpoint: type[_Endpoint], state: object) -> Iterator[str]:
    """Serve `endpoint` with its own `state` (a subclass per server, so two never share it)."""
    handler = type(endpoint.__name__, (endpoint,), {"state": state})
    with http_server(handler) as server:
        yield f"http://127.0.0.1:{server.server_port}"
