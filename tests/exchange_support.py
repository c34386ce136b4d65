"""Local stand-ins for the hash exchanges, shaped as python-threatexchange's clients read them:
NCMEC's hash sharing API (XML entries by time, paged, tombstones for deletions), StopNCII's
FetchHashes (JSON records by modification time) and Meta ThreatExchange's Graph API
/threat_updates (indicators with every app's descriptors, paged, should_delete for deletions).
They hold only hashes of benign pictures."""

from __future__ import annotations

import base64
import itertools
import json
import time
import urllib.parse
import zlib
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from tests.reports_support import http_server

if TYPE_CHECKING:
    from pathlib import Path

    from takedown.settings import Settings

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
def following_stop_ncii(
    client: Any, banks: dict[str, str], state: StopNciiState, monkeypatch: Any
) -> Iterator[None]:
    """A `stopncii` bank (ncii, block) that follows StopNCII, and the server's settings pointed at
    the stand-in serving `state` while the block runs."""
    from takedown.settings import get_settings

    created = client.post(
        "/v1/banks", json={"name": "stopncii", "category": "ncii", "action": "block"}, headers=banks
    )
    assert created.status_code == 201, created.text
    followed = client.put(
        "/v1/banks/stopncii/exchange", json={"exchange": "stop_ncii"}, headers=banks
    )
    assert followed.status_code == 200, followed.text
    with stop_ncii(state) as url:
        monkeypatch.setenv("TAKEDOWN_STOPNCII_URL", url)
        monkeypatch.setenv("TAKEDOWN_STOPNCII_FETCH_KEY", state.fetch_key)
        monkeypatch.setenv("TAKEDOWN_STOPNCII_SUBSCRIPTION_KEY", state.subscription_key)
        get_settings.cache_clear()
        yield


GRAPH_VERSION = "v26.0"  # python-threatexchange's ThreatExchangeAPI._TE_BASE_URL
OTHER_APP = 1064060413755420  # another platform's ThreatExchange app


@dataclass
class TxDescriptor:
    """One app's descriptor on an indicator: its status (MALICIOUS, NON_MALICIOUS, SUSPICIOUS,
    UNKNOWN), its tags, and other apps' reactions to it (HELPFUL, DISAGREE_WITH_TAGS, ...)."""

    owner: int = OTHER_APP
    status: str = "MALICIOUS"
    tags: list[str] = field(default_factory=list)
    reactions: dict[str, list[int]] = field(default_factory=dict)


@dataclass
class TxIndicator:
    id: int
    type: str
    indicator: str
    last_updated: int
    descriptors: list[tuple[int, TxDescriptor]]
    should_delete: bool = False


@dataclass
class ThreatExchangeState:
    app_id: int = 2045213849582154  # this platform's app: the token's APPID
    secret: str = "benign-test-app-secret-0123"
    privacy_group: int = 1012185296055235
    page_size: int = 500  # the server's own cap on `limit`
    indicators: dict[tuple[str, str], TxIndicator] = field(default_factory=dict)
    requests: list[dict[str, str]] = field(default_factory=list)
    served: list[list[str]] = field(default_factory=list)  # indicators in each answer
    # Update times: one second apart, an hour ago onwards (each update has its own second).
    clock: Iterator[int] = field(default_factory=lambda: itertools.count(int(time.time()) - 3600))
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(7000000000000001))
    # An app keeps its descriptor's id on an indicator across updates.
    descriptor_ids: dict[tuple[int, int], int] = field(default_factory=dict)
    # A broken server: from the request after this many (counted in `requests`), a 500; paging
    # that never ends (after the last update, empty pages, each linking to another).
    fail_after_requests: int | None = None
    endless_paging: bool = False

    @property
    def token(self) -> str:
        return f"{self.app_id}|{self.secret}"

    def share(self, indicator_type: str, value: str, *descriptors: TxDescriptor) -> int:
        """The indicator as the group now sees it (every app's descriptor on it), updated now:
        the next fetch returns it. Returns the update's time."""
        old = self.indicators.get((indicator_type, value))
        indicator_id = old.id if old else next(self.ids)
        ids = [
            self.descriptor_ids.setdefault((indicator_id, d.owner), next(self.ids))
            for d in descriptors
        ]
        self.indicators[indicator_type, value] = TxIndicator(
            indicator_id,
            indicator_type,
            value,
            next(self.clock),
            list(zip(ids, descriptors, strict=True)),
        )
        return self.indicators[indicator_type, value].last_updated

    def delete(self, indicator_type: str, value: str) -> int:
        """A tombstone: the indicator left the group (should_delete)."""
        old = self.indicators[indicator_type, value]
        self.indicators[indicator_type, value] = TxIndicator(
            old.id, indicator_type, value, next(self.clock), [], should_delete=True
        )
        return self.indicators[indicator_type, value].last_updated


class ThreatExchangeGraph(_Endpoint):
    """GET /v26.0/{privacy_group}/threat_updates/ as the Graph API answers it: `access_token`,
    `start_time` (inclusive), `limit`, `fields` (with `a{b,c}` expansion) and `after` cursors in
    absolute `paging.next` links."""

    state: ThreatExchangeState

    def do_GET(self) -> None:
        state = type(self).state
        url = urllib.parse.urlsplit(self.path)
        query = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
        state.requests.append(query)
        if query.get("access_token") != state.token:
            self._error(401, "OAuthException", 190, "Invalid OAuth access token.")
            return
        if (
            state.fail_after_requests is not None
            and len(state.requests) > state.fail_after_requests
        ):
            self._error(500, "OAuthException", 2, "An unexpected error has occurred.")
            return
        path = url.path.rstrip("/").split("/")
        if path[1:] != [GRAPH_VERSION, str(state.privacy_group), "threat_updates"]:
            self._error(400, "GraphMethodException", 100, "Unsupported get request.")
            return
        start = int(query.get("start_time") or 0)
        updates = sorted(
            (i for i in state.indicators.values() if i.last_updated >= start),
            key=lambda i: (i.last_updated, i.id),
        )
        offset = int(base64.b64decode(query.get("after", "MA==")))
        size = min(int(query.get("limit") or state.page_size), state.page_size)
        page = updates[offset : offset + size]
        fields = _graph_fields(query.get("fields", "id"))
        body: dict[str, Any] = {"data": [_select(_indicator_json(i, state), fields) for i in page]}
        state.served.append([i.indicator for i in page])
        after = base64.b64encode(str(offset + size).encode()).decode()
        body["paging"] = {"cursors": {"before": query.get("after", "MA=="), "after": after}}
        if offset + size < len(updates) or state.endless_paging:
            link = {**query, "after": after}
            host = self.headers["Host"]
            body["paging"]["next"] = f"http://{host}{url.path}?{urllib.parse.urlencode(link)}"
        self._answer(200, body)

    def _error(self, status: int, kind: str, code: int, message: str) -> None:
        self._answer(status, {"error": {"message": message, "type": kind, "code": code}})

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        self.send(status, json.dumps(body).encode(), "application/json")


def _indicator_json(indicator: TxIndicator, state: ThreatExchangeState) -> dict[str, Any]:
    return {
        "id": str(indicator.id),
        "indicator": indicator.indicator,
        "type": indicator.type,
        "last_updated": indicator.last_updated,
        "should_delete": indicator.should_delete,
        "descriptors": {
            "data": [
                {
                    "id": str(descriptor_id),
                    "owner": {"id": str(d.owner), "name": f"app {d.owner}"},
                    "status": d.status,
                    "tags": {
                        "data": [{"id": str(zlib.crc32(t.encode())), "text": t} for t in d.tags]
                    },
                    "reactions": [
                        {"key": key, "value": ",".join(str(app) for app in apps)}
                        for key, apps in d.reactions.items()
                    ],
                    "my_reactions": [k for k, apps in d.reactions.items() if state.app_id in apps],
                    "added_on": datetime.fromtimestamp(indicator.last_updated).strftime(
                        "%Y-%m-%dT%H:%M:%S+0000"
                    ),
                }
                for descriptor_id, d in indicator.descriptors
            ]
        },
    }


def _graph_fields(text: str) -> dict[str, Any]:
    """Graph API field expansion: `a,b{c,d{e}}` -> {"a": {}, "b": {"c": {}, "d": {"e": {}}}}."""
    root: dict[str, Any] = {}
    stack, name = [root], ""
    for char in text + ",":
        if char not in ",{}":
            name += char
            continue
        if name.strip():
            stack[-1][name.strip()] = {}
        if char == "{":
            stack.append(stack[-1][name.strip()])
        elif char == "}":
            stack.pop()
        name = ""
    return root


def _select(node: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """The asked fields of a node (its `id` always, as the Graph API does)."""
    chosen: dict[str, Any] = {"id": node["id"]} if "id" in node else {}
    for name, sub in fields.items():
        if name not in node:
            continue
        value = node[name]
        if sub and isinstance(value, dict) and "data" in value:
            value = {"data": [_select(item, sub) for item in value["data"]]}
        elif sub and isinstance(value, dict):
            value = _select(value, sub)
        chosen[name] = value
    return chosen


def threatexchange_graph(state: ThreatExchangeState) -> AbstractContextManager[str]:
    """The stand-in's Graph API address with its version (TAKEDOWN_THREATEXCHANGE_URL)."""

    @contextmanager
    def serving() -> Iterator[str]:
        with _serving(ThreatExchangeGraph, state) as url:
            yield f"{url}/{GRAPH_VERSION}"

    return serving()


@contextmanager
def _serving(endpoint: type[_Endpoint], state: object) -> Iterator[str]:
    """Serve `endpoint` with its own `state` (a subclass per server, so two never share it)."""
    handler = type(endpoint.__name__, (endpoint,), {"state": state})
    with http_server(handler) as server:
        yield f"http://127.0.0.1:{server.server_port}"


def original_pdq(data: bytes, settings: Settings) -> str:
    """The PDQ hash Takedown computes for `data` as uploaded (no variant)."""
    from takedown.signals.service import hash_media

    signals = hash_media(data, settings=settings).signals
    return next(s["value"] for s in signals if s["type"] == "pdq" and s["variant"] == "original")


def match_verdict(cli: Any, path: Path) -> str:
    """`takedown match FILE`'s verdict."""
    result = cli("match", str(path))
    assert result.exit_code == 0, result.output
    return str(json.loads(result.stdout)["verdict"])


def enabled_values(settings: Settings) -> set[str]:
    """The values of every bank entry switched on, in any bank."""
    from sqlalchemy import select

    from takedown.banks.models import BankEntry
    from takedown.store.db import session_scope

    with session_scope(settings.resolved_database_url) as db_session:
        return set(db_session.scalars(select(BankEntry.value).where(BankEntry.enabled.is_(True))))


def sync_counts(cli: Any, bank: str) -> dict[str, int]:
    """`takedown exchange sync BANK --json`'s counts (it must succeed)."""
    result = cli("exchange", "sync", bank, "--json")
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))
