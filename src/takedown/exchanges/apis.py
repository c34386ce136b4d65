"""The exchanges a bank can follow, through python-threatexchange's `SignalExchangeAPI`s.

- `ncmec`: NCMEC's hash sharing API (CSAM; entries keyed by NCMEC id, deletions as tombstones).
- `stop_ncii`: StopNCII.org (intimate imagery hashed on victims' own devices; a withdrawn case
  withdraws its hashes).
- `fb_threatexchange`: a Meta ThreatExchange privacy group (Graph API /threat_updates). An
  indicator is banked while some app's opinion on it is positive and this platform's own app has
  not called it a false positive (docs/decisions.md).
- `local_file`: a file of `<signal_type> <hash>` lines on the host, each fetch the whole list.

Credentials and service addresses are settings, never bank configuration: a key that may edit
banks must not be able to send NCMEC's password (or ThreatExchange's app token) to an address of
its choosing.
"""

from __future__ import annotations

import dataclasses
import typing as t
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import dacite
import requests
from threatexchange.exchanges import fetch_state
from threatexchange.exchanges.clients.fb_threatexchange import api as tx_client
from threatexchange.exchanges.clients.fb_threatexchange.threat_updates import ThreatUpdateJSON
from threatexchange.exchanges.clients.ncmec import hash_api as ncmec_client
from threatexchange.exchanges.clients.stopncii import api as stopncii_client
from threatexchange.exchanges.collab_config import CollaborationConfigBase
from threatexchange.exchanges.impl.fb_threatexchange_api import (
    FBThreatExchangeCheckpoint,
    FBThreatExchangeCollabConfig,
    FBThreatExchangeIndicatorRecord,
    FBThreatExchangeOpinion,
    FBThreatExchangeSignalExchangeAPI,
)
from threatexchange.exchanges.impl.file_api import (
    FileCollaborationConfig,
    LocalFileSignalExchangeAPI,
)
from threatexchange.exchanges.impl.ncmec_api import NCMECCollabConfig, NCMECSignalExchangeAPI
from threatexchange.exchanges.impl.stop_ncii_api import (
    StopNCIICheckpoint,
    StopNCIISignalExchangeAPI,
    StopNCIISignalMetadata,
)
from threatexchange.exchanges.signal_exchange_api import SignalExchangeAPI
from threatexchange.signal_type.md5 import VideoMD5Signal
from threatexchange.signal_type.pdq.signal import PdqSignal
from threatexchange.signal_type.signal_base import SignalType as TxSignalType
from threatexchange.utils import dataclass_json

from takedown.errors import InvalidInput
from takedown.settings import Settings

# What the fetches are asked for (python-threatexchange's types; its exchanges here fetch
# everything regardless, and `signals_of` below decides what is banked).
SUPPORTED_SIGNAL_TYPES: list[type[TxSignalType]] = [PdqSignal, VideoMD5Signal]

# (entry type, fingerprint) -> Takedown signal type. python-threatexchange maps only image PDQs
# and video MD5s, which left an entry NCMEC shares with an image MD5 and no PDQ (many older ones)
# unbanked. PhotoDNA, NetClean, Videntifier and the SSVH hashes are licensed algorithms Takedown
# cannot compute, TMK+PDQF is not implemented, and SHA-1 comes with an MD5 of the same file.
NCMEC_FINGERPRINTS: dict[tuple[ncmec_client.NCMECEntryType, str], str] = {
    (ncmec_client.NCMECEntryType.image, "pdq"): "pdq",
    (ncmec_client.NCMECEntryType.image, "md5"): "md5",
    (ncmec_client.NCMECEntryType.video, "md5"): "video_md5",
}

# ThreatExchange indicator type -> Takedown signal type (python-threatexchange's INDICATOR_TYPEs
# for the types Takedown computes). There is no vPDQ indicator type. Left out: HASH_TMK (TMK+PDQF
# is not implemented), HASH_SHA1 and the malware hashes (no such signal type), text and URLs.
THREATEXCHANGE_INDICATORS: dict[str, str] = {
    "HASH_PDQ": "pdq",
    "HASH_MD5": "md5",
    "HASH_SHA256": "sha256",
    "HASH_VIDEO_MD5": "video_md5",
    "HASH_VIDEO_SHA256": "video_sha256",
}
# python-threatexchange's convention (VideoMD5Signal.INDICATOR_TYPE): a file hash with this tag
# is a video's.
THREATEXCHANGE_VIDEO_TAG = "media_type_video"
_VIDEO_DIGESTS = {"md5": "video_md5", "sha256": "video_sha256"}

# A fetched record's hashes: (signal type name or alias, hash, note for the bank entry).
SignalsOf = Callable[[Any, Any, Any], Iterator[tuple[str, str, str]]]


@dataclass(frozen=True)
class ExchangeKind:
    name: str
    description: str
    api_class: type[SignalExchangeAPI]  # type: ignore[type-arg]
    config_class: type[CollaborationConfigBase]
    # Every fetch returns the whole list: records missing from it have been withdrawn.
    snapshot: bool
    # May be set through the HTTP API (a local file is the host operator's to name).
    over_http: bool
    connect: Callable[[CollaborationConfigBase, Settings], SignalExchangeAPI]  # type: ignore[type-arg]
    signals_of: SignalsOf


class _NCMEC(NCMECSignalExchangeAPI):
    """NCMEC's exchange, optionally at another address than its named environment's (NCMEC's
    test servers under another name, or a local conformance server)."""

    def __init__(self, collab: NCMECCollabConfig, user: str, password: str, url: str) -> None:
        super().__init__(collab, user, password)
        self._url = url.rstrip("/")

    def get_client(self, environment: ncmec_client.NCMECEnvironment) -> ncmec_client.NCMECHashAPI:
        client = super().get_client(environment)
        if self._url:
            # The client takes only its named environments; its address is this one attribute.
            client._base_url = self._url
        return client


def _connect_ncmec(collab: CollaborationConfigBase, settings: Settings) -> SignalExchangeAPI:  # type: ignore[type-arg]
    assert isinstance(collab, NCMECCollabConfig)
    user = settings.ncmec_hash_api_username
    password = settings.ncmec_hash_api_password.get_secret_value()
    if not ncmec_client.is_valid_user_pass(user, password):
        raise InvalidInput(
            "NCMEC hash sharing needs TAKEDOWN_NCMEC_HASH_API_USERNAME and _PASSWORD",
            code="exchange_credentials_missing",
        )
    return _NCMEC(collab, user, password, settings.ncmec_hash_api_url)


class _StopNCII(StopNCIISignalExchangeAPI):
    """StopNCII with withdrawals honoured.

    python-threatexchange 1.2.17 maps a record to a deletion when its *hash value* equals a
    withdrawn status, which never happens, so a victim's withdrawn case would keep blocking.
    Here a record whose aggregate `hashStatus` is Withdrawn or Deleted withdraws the hash.
    """

    _TYPES: t.ClassVar[dict[stopncii_client.StopNCIISignalType, str]] = {
        stopncii_client.StopNCIISignalType.ImagePDQ: PdqSignal.get_name(),
        stopncii_client.StopNCIISignalType.VideoMD5: VideoMD5Signal.get_name(),
    }
    _WITHDRAWN = (
        stopncii_client.StopNCIICaseStatus.Withdrawn,
        stopncii_client.StopNCIICaseStatus.Deleted,
    )

    def fetch_iter(  # type: ignore[override]
        self,
        _supported_signal_types: t.Sequence[type[TxSignalType]],
        checkpoint: StopNCIICheckpoint | None,
    ) -> Iterator[fetch_state.FetchDelta]:  # type: ignore[type-arg]
        start = stopncii_client.StopNCIIAPI.DEFAULT_START_TIME
        if checkpoint is not None:
            start = checkpoint.update_time
        for page in self.api.fetch_hashes_iter(start_timestamp=start):
            updates: dict[tuple[str, str], StopNCIISignalMetadata | None] = {}
            for record in page.hashRecords:
                type_name = self._TYPES.get(record.signalType)
                if type_name is None:
                    continue
                withdrawn = record.hashStatus in self._WITHDRAWN
                updates[type_name, record.hashValue] = (
                    None if withdrawn else StopNCIISignalMetadata(record.CSPFeedbacks)
                )
            yield fetch_state.FetchDelta(updates, StopNCIICheckpoint.from_stopncii_fetch(page))


def _connect_stop_ncii(collab: CollaborationConfigBase, settings: Settings) -> SignalExchangeAPI:  # type: ignore[type-arg]
    fetch_key = settings.stopncii_fetch_key.get_secret_value()
    subscription_key = settings.stopncii_subscription_key.get_secret_value()
    if not (fetch_key and subscription_key):
        raise InvalidInput(
            "StopNCII needs TAKEDOWN_STOPNCII_FETCH_KEY and TAKEDOWN_STOPNCII_SUBSCRIPTION_KEY",
            code="exchange_credentials_missing",
        )
    client = stopncii_client.StopNCIIAPI(
        subscription_key, fetch_key, base_url_override=settings.stopncii_url or None
    )
    return _StopNCII(collab, client)


@dataclass
class ThreatExchangeCollabConfig(FBThreatExchangeCollabConfig):
    """A privacy group; with `tags`, only positive opinions carrying one of them count."""

    tags: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if isinstance(self.privacy_group, bool) or self.privacy_group <= 0:
            raise ValueError("privacy_group is a ThreatExchange privacy group id")


class ThreatExchangeError(Exception):
    """The Graph API failed or refused; the message never holds the access token."""


class _GraphAPI(tx_client.ThreatExchangeAPI):
    """python-threatexchange's Graph API client with a timeout (1.2.17 calls `requests.get`
    without one, so a silent server would hold the job thread for good) and errors without the
    token's secret. The token travels in every URL, paging links included, and an error is kept
    in `last_error`, the audit log and the server log; for the same reason there are no retries
    here (urllib3 logs each retry with its URL): a failed sync is retried with backoff and resumes
    from its checkpoint."""

    TIMEOUT_SECONDS = 60  # python-threatexchange's own session timeout

    def get_json_from_url(self, url: str, params: Any = None, *, json_obj_hook: Any = None) -> Any:
        try:
            response = requests.get(url, params=params or {}, timeout=self.TIMEOUT_SECONDS)
            if response.ok:
                return response.json(object_hook=json_obj_hook)
        except (requests.RequestException, ValueError) as exc:
            raise ThreatExchangeError(self._redact(f"{type(exc).__name__}: {exc}")) from None
        answer = f"the Graph API answered {response.status_code} ({_graph_error(response)})"
        raise ThreatExchangeError(self._redact(answer))

    def _redact(self, text: str) -> str:
        secret = self.api_token.partition("|")[2]
        return text.replace(secret, "<secret>") if secret else text


def _graph_error(response: requests.Response) -> str:
    """The Graph API's own error message ({"error": {"message", "type", "code"}}), if any."""
    try:
        error = response.json()["error"]
        return f"{error.get('type', 'error')} {error.get('code', '?')}: {error['message']}"
    except (ValueError, KeyError, TypeError):
        return response.reason or "error"


class _FBThreatExchange(FBThreatExchangeSignalExchangeAPI):
    """python-threatexchange's /threat_updates fetch, except that a page without updates (an
    empty privacy group, nothing new since the checkpoint) is an empty batch instead of a failed
    fetch: 1.2.17 asserts that no page is empty. Empty pages are yielded, not skipped, so a sync's
    time budget still stops a server that pages through empty pages without end."""

    def fetch_iter(  # type: ignore[override]
        self,
        _supported_signal_types: t.Sequence[type[TxSignalType]],
        checkpoint: FBThreatExchangeCheckpoint | None,
    ) -> Iterator[fetch_state.FetchDelta]:  # type: ignore[type-arg]
        start_time = None if checkpoint is None else checkpoint.update_time or None
        pages = self.client.get_threat_updates(
            self.collab.privacy_group,
            start_time=start_time,
            page_size=100,
            fields=ThreatUpdateJSON.te_threat_updates_fields(),
            decode_fn=ThreatUpdateJSON,
        )
        highest = start_time or 0
        for page in pages:
            highest = max([highest, *(update.time for update in page)])
            updates = {
                (update.threat_type, update.indicator): (
                    FBThreatExchangeIndicatorRecord.from_threatexchange_json(
                        self.client.app_id, update
                    )
                )
                for update in page
            }
            yield fetch_state.FetchDelta(updates, FBThreatExchangeCheckpoint(highest))


def _connect_threatexchange(
    collab: CollaborationConfigBase, settings: Settings
) -> SignalExchangeAPI:  # type: ignore[type-arg]
    assert isinstance(collab, ThreatExchangeCollabConfig)
    token = settings.threatexchange_access_token.get_secret_value()
    if not tx_client.is_valid_app_token(token):
        raise InvalidInput(
            "ThreatExchange needs TAKEDOWN_THREATEXCHANGE_ACCESS_TOKEN (app token APPID|SECRET)",
            code="exchange_credentials_missing",
        )
    client = _GraphAPI(token, endpoint_override=settings.threatexchange_url.rstrip("/") or None)
    return _FBThreatExchange(client, collab)


def _ncmec_signals(
    collab: NCMECCollabConfig, _key: str, entry: ncmec_client.NCMECEntryUpdate
) -> Iterator[tuple[str, str, str]]:
    if entry.deleted or (collab.only_esp_ids and entry.member_id not in collab.only_esp_ids):
        return
    note = f"ESP {entry.member_id}" + (f", {entry.classification}" if entry.classification else "")
    for fingerprint, value in entry.fingerprints.items():
        signal_type = NCMEC_FINGERPRINTS.get((entry.entry_type, fingerprint.lower()))
        if signal_type is not None:
            yield signal_type, value, note


def _named_signals(
    _collab: CollaborationConfigBase, key: tuple[str, str], metadata: object
) -> Iterator[tuple[str, str, str]]:
    """Records keyed by (signal type, hash), as StopNCII's and a file's are: any type Takedown
    knows by its name or alias (a file of `takedown bank export --format text` lines included)."""
    if metadata is not None:
        yield key[0], key[1], ""


def _threatexchange_signals(
    collab: ThreatExchangeCollabConfig,
    key: tuple[str, str],
    record: FBThreatExchangeIndicatorRecord,
) -> Iterator[tuple[str, str, str]]:
    """Banked while some opinion (with `tags`: one carrying a wanted tag) is positive (MALICIOUS,
    or a HELPFUL reaction) and our own app has not said it is not (NON_MALICIOUS, or
    DISAGREE_WITH_TAGS): our false-positive verdict wins, and a suspicion alone never blocks."""
    signal_type = THREATEXCHANGE_INDICATORS.get(key[0])
    opinions = record.get_as_opinions()
    wanted = set(collab.tags)
    positive = [
        o
        for o in opinions
        if o.category == fetch_state.SignalOpinionCategory.POSITIVE_CLASS
        and (not wanted or wanted & o.tags)
    ]
    ours_negative = any(
        o.is_mine and o.category == fetch_state.SignalOpinionCategory.NEGATIVE_CLASS
        for o in opinions
    )
    if signal_type is None or not positive or ours_negative:
        return
    if any(THREATEXCHANGE_VIDEO_TAG in o.tags for o in opinions):
        signal_type = _VIDEO_DIGESTS.get(signal_type, signal_type)
    yield signal_type, key[1], _opinions_note(positive)


def _opinions_note(opinions: list[FBThreatExchangeOpinion], shown: int = 5) -> str:
    """Who vouches for the hash: "app 123 descriptor 456, app 789 HELPFUL"."""
    names = [
        f"app {o.owner_app_id} "
        + (
            "HELPFUL"
            if o.descriptor_id == FBThreatExchangeOpinion.REACTION_DESCRIPTOR_ID
            else f"descriptor {o.descriptor_id}"
        )
        for o in opinions
    ]
    more = f", {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _connect_local_file(collab: CollaborationConfigBase, settings: Settings) -> SignalExchangeAPI:  # type: ignore[type-arg]
    assert isinstance(collab, FileCollaborationConfig)
    return LocalFileSignalExchangeAPI.for_collab(collab)


KINDS: dict[str, ExchangeKind] = {
    kind.name: kind
    for kind in (
        ExchangeKind(
            "ncmec",
            "NCMEC hash sharing (CSAM)",
            NCMECSignalExchangeAPI,
            NCMECCollabConfig,
            snapshot=False,
            over_http=True,
            connect=_connect_ncmec,
            signals_of=_ncmec_signals,
        ),
        ExchangeKind(
            "stop_ncii",
            "StopNCII.org (intimate imagery shared without consent)",
            _StopNCII,
            CollaborationConfigBase,
            snapshot=False,
            over_http=True,
            connect=_connect_stop_ncii,
            signals_of=_named_signals,
        ),
        ExchangeKind(
            "fb_threatexchange",
            "a Meta ThreatExchange privacy group",
            _FBThreatExchange,
            ThreatExchangeCollabConfig,
            snapshot=False,
            over_http=True,
            connect=_connect_threatexchange,
            signals_of=_threatexchange_signals,
        ),
        ExchangeKind(
            "local_file",
            "a file of '<signal_type> <hash>' lines on this host",
            LocalFileSignalExchangeAPI,
            FileCollaborationConfig,
            snapshot=True,
            over_http=False,
            connect=_connect_local_file,
            signals_of=_named_signals,
        ),
    )
}


def kind_of(name: str) -> ExchangeKind:
    kind = KINDS.get(name)
    if kind is None:
        raise InvalidInput(
            f"unknown exchange {name!r}; one of: {', '.join(KINDS)}", code="unknown_exchange"
        )
    return kind


def collab_config(kind: ExchangeKind, bank_name: str, config: Mapping[str, Any]) -> Any:
    """The exchange's own configuration (python-threatexchange's collaboration config), built and
    checked from the bank's `config` (e.g. NCMEC `environment`, a file's `filename`)."""
    fields = {f.name for f in dataclasses.fields(kind.config_class)}
    unknown = set(config) - fields - {"name", "api", "enabled"}
    if unknown:
        allowed = sorted(fields - {"name", "api", "enabled"})
        raise InvalidInput(
            f"unknown {kind.name} settings: {', '.join(sorted(unknown))} "
            f"(known: {', '.join(allowed) or 'none'})",
            code="invalid_exchange_config",
        )
    data: dict[str, Any] = {**config, "name": bank_name, "api": kind.name, "enabled": True}
    if kind.name == "ncmec" and "environment" in data:
        data["environment"] = _ncmec_environment(str(data["environment"]))
    try:
        return dacite.from_dict(
            kind.config_class, data, config=dacite.Config(cast=[set, tuple], check_types=True)
        )
    except dacite.WrongTypeError as exc:
        field_type = exc.field_type
        plain = isinstance(field_type, type) and not t.get_args(field_type)
        expected = field_type.__name__ if plain else str(field_type).replace("typing.", "")
        given = config.get(exc.field_path or "", exc.value)
        raise InvalidInput(
            f"bad {kind.name} settings: {exc.field_path} must be {expected}, not {given!r}",
            code="invalid_exchange_config",
        ) from None
    except (dacite.DaciteError, ValueError, TypeError) as exc:
        raise InvalidInput(
            f"bad {kind.name} settings: {exc}", code="invalid_exchange_config"
        ) from None


def _ncmec_environment(name: str) -> ncmec_client.NCMECEnvironment:
    """By name (`Industry`, `test_Industry`, ...) or by its documented address."""
    for environment in ncmec_client.NCMECEnvironment:
        if name in (environment.name, environment.value):
            return environment
    known = ", ".join(e.name for e in ncmec_client.NCMECEnvironment)
    raise InvalidInput(
        f"unknown NCMEC environment {name!r}; one of: {known}", code="invalid_exchange_config"
    )


def dump_checkpoint(checkpoint: fetch_state.FetchCheckpointBase) -> dict[str, Any]:
    return t.cast(dict[str, Any], dataclass_json.dataclass_dump_dict(checkpoint))


def load_checkpoint(kind: ExchangeKind, stored: Mapping[str, Any] | None) -> Any:
    if stored is None:
        return None
    return dataclass_json.dataclass_load_dict(dict(stored), kind.api_class.get_checkpoint_cls())
