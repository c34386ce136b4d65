"""The exchanges a bank can follow, through python-threatexchange's `SignalExchangeAPI`s.

- `ncmec`: NCMEC's hash sharing API (CSAM; entries keyed by NCMEC id, deletions as tombstones).
- `stop_ncii`: StopNCII.org (intimate imagery hashed on victims' own devices; a withdrawn case
  withdraws its hashes).
- `local_file`: a file of `<signal_type> <hash>` lines on the host, each fetch the whole list.

Credentials and service addresses are settings, never bank configuration: a key that may edit
banks must not be able to send NCMEC's password to an address of its choosing.
"""

from __future__ import annotations

import dataclasses
import typing as t
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import dacite
from threatexchange.exchanges import fetch_state
from threatexchange.exchanges.clients.ncmec import hash_api as ncmec_client
from threatexchange.exchanges.clients.stopncii import api as stopncii_client
from threatexchange.exchanges.collab_config import CollaborationConfigBase
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
