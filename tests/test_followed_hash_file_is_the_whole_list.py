"""A bank that follows a hash file on the host holds exactly the file's hashes: a line removed is
withdrawn, a line put back returns. What people decided stays theirs: an entry a person disabled
stays disabled while the file still lists it, and a hash a person banked is never withdrawn with
the file. An emptied file withdraws nothing (the sync fails: a file truncated while it is
rewritten must not stop the bank blocking). A local file is named on the host only, never over
HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from takedown.banks.models import BankEntry
from takedown.settings import Settings
from takedown.store.db import session_scope
from tests.exchange_support import enabled_values, sync_counts

A, B, C, MANUAL = ("a" * 64, "b" * 63 + "0", "c" * 62 + "00", "d" * 61 + "000")


def test_followed_hash_file_is_the_whole_list(
    settings: Settings,
    cli: Callable[..., object],
    client,  # type: ignore[no-untyped-def]
    auth_header: Callable[..., dict[str, str]],
    tmp_path: Path,
) -> None:
    banks = auth_header("banks")
    listed = tmp_path / "partner-hashes.txt"
    listed.write_text(f"pdq {A}\npdq {B}\npdq {C}\nnot-a-type zzz\n")
    created = cli("bank", "create", "partner-list", "--category", "csam", "--action", "block")
    assert created.exit_code == 0, created.output  # type: ignore[attr-defined]
    manual = client.post(
        "/v1/banks/partner-list/entries",
        json={"entries": [{"signal_type": "pdq", "value": MANUAL}]},
        headers=banks,
    )
    assert manual.status_code in (200, 201), manual.text

    over_http = client.put(
        "/v1/banks/partner-list/exchange",
        json={"exchange": "local_file", "config": {"filename": str(listed)}},
        headers=banks,
    )
    assert over_http.status_code == 422
    assert over_http.json()["code"] == "exchange_host_only"
    followed = cli(
        "exchange", "follow", "partner-list", "--exchange", "local_file", "--set",
        f"filename={listed}",
    )  # fmt: skip
    assert followed.exit_code == 0, followed.output  # type: ignore[attr-defined]

    assert sync_counts(cli, "partner-list") == {
        "records": 4,
        "added": 3,
        "enabled": 0,
        "retracted": 0,
        "refused": 1,
    }
    assert enabled_values(settings) == {A, B, C, MANUAL}

    listed.write_text(f"pdq {A}\npdq {C}\n")  # B withdrawn
    assert sync_counts(cli, "partner-list")["retracted"] == 1
    assert enabled_values(settings) == {A, C, MANUAL}

    with session_scope(settings.resolved_database_url) as db_session:
        c_id = db_session.scalar(select(BankEntry.id).where(BankEntry.value == C))
    disabled = cli("bank", "disable-entry", "partner-list", str(c_id))
    assert disabled.exit_code == 0, disabled.output  # type: ignore[attr-defined]

    listed.write_text(f"pdq {A}\npdq {B}\npdq {C}\n")  # B back; C still listed
    again = sync_counts(cli, "partner-list")
    assert (again["added"], again["enabled"], again["retracted"]) == (0, 1, 0)
    assert enabled_values(settings) == {A, B, MANUAL}  # C stays as the person left it

    listed.write_text("")  # emptied (a file truncated while it is rewritten): nothing withdrawn
    emptied = cli("exchange", "sync", "partner-list", "--json")
    assert emptied.exit_code == 1  # type: ignore[attr-defined]
    assert "listed nothing" in " ".join(emptied.output.split())  # type: ignore[attr-defined]
    assert enabled_values(settings) == {A, B, MANUAL}

    listed.write_text(f"pdq {C}\n")  # A and B withdrawn: the manual hash stays, C stays off
    assert sync_counts(cli, "partner-list")["retracted"] == 2
    assert enabled_values(settings) == {MANUAL}

    status = cli("exchange", "status", "--json")
    [row] = json.loads(status.stdout)  # type: ignore[attr-defined]
    assert (row["bank"], row["exchange"], row["records"], row["failures"]) == (
        "partner-list", "local_file", 1, 0,
    )  # fmt: skip
    assert row["totals"] == {"records": 13, "added": 3, "enabled": 1, "retracted": 3, "refused": 1}


def test_followed_hash_file_takes_every_signal_type_takedown_exports(
    settings: Settings,
    cli: Callable[..., object],
    client,  # type: ignore[no-untyped-def]
    auth_header: Callable[..., dict[str, str]],
    tmp_path: Path,
) -> None:
    """A partner's `takedown bank export --format text` file, followed by another deployment, is
    banked line for line (image MD5s and region hashes included, not only PDQ and video MD5)."""
    banks = auth_header("banks")
    for name in ("partner", "follower"):
        created = cli("bank", "create", name, "--category", "csam", "--action", "block")
        assert created.exit_code == 0, created.output  # type: ignore[attr-defined]
    added = client.post(
        "/v1/banks/partner/entries",
        json={
            "entries": [
                {"signal_type": "pdq", "value": A},
                {"signal_type": "md5", "value": "0123456789abcdef" * 2},
                {"signal_type": "sha256", "value": "ab" * 32},
                {"signal_type": "pdq_center", "value": B},
                {"signal_type": "video_md5", "value": "fedcba9876543210" * 2},
            ]
        },
        headers=banks,
    )
    assert added.status_code in (200, 201), added.text
    exported = client.get("/v1/banks/partner/export?format=text", headers=banks)
    assert exported.status_code == 200, exported.text
    listed = tmp_path / "partner.txt"
    listed.write_text(exported.text + "photo_md5 " + "9" * 32 + "\nmd5 not-a-digest\n")

    followed = cli(
        "exchange", "follow", "follower", "--exchange", "local_file", "--set", f"filename={listed}"
    )
    assert followed.exit_code == 0, followed.output  # type: ignore[attr-defined]
    synced = cli("exchange", "sync", "follower", "--json")
    assert synced.exit_code == 0, synced.output  # type: ignore[attr-defined]
    assert json.loads(synced.stdout)["added"] == 6  # type: ignore[attr-defined]

    again = client.get("/v1/banks/follower/export?format=text", headers=banks).text
    assert sorted(again.splitlines()) == sorted([*exported.text.splitlines(), "md5 " + "9" * 32])
