"""Rule: region signal types (pdq_norm, pdq_center, pdq_band, vpdq_norm, vpdq_center) import into
a bank, export back unchanged, and the index answers them within the bank's own per-signal
threshold (PATCH /v1/banks/{name} {"signal_thresholds": {...}})."""

from __future__ import annotations

NORM = "f" * 32 + "0" * 32
CENTER = "0f" * 32
FRAMES = f'["{"a" * 64},100,0.0", "{"5" * 64},90,0.1"]'  # vPDQ serialisation


def _flip(value: str, bits: int) -> str:
    return f"{int(value, 16) ^ ((1 << bits) - 1):064x}"


def test_region_signals_round_trip_and_are_indexed(client, cli, auth_header, tmp_path) -> None:
    source = tmp_path / "regions.txt"
    source.write_text(  # an alias and upper case are accepted
        f"pdq_norm {NORM}\npdq_centre {CENTER.upper()}\npdq_band {NORM}\npdq_band {CENTER}\n"
        f"vpdq_norm {FRAMES}\nvpdq_center {FRAMES}\n"
    )
    assert (
        cli("bank", "create", "regions", "--category", "csam", "--action", "review").exit_code == 0
    )
    imported = cli("bank", "import", "regions", str(source), "--format", "text")
    assert imported.exit_code == 0, imported.output
    exported = cli("bank", "export", "regions", "--format", "text").stdout.split("\n")
    assert sorted(line for line in exported if line) == [
        f"pdq_band {CENTER}",
        f"pdq_band {NORM}",
        f"pdq_center {CENTER}",
        f"pdq_norm {NORM}",
        f"vpdq_center {FRAMES}",
        f"vpdq_norm {FRAMES}",
    ]
    csv_out = tmp_path / "out.csv"
    cli("bank", "export", "regions", "--format", "csv", "--output", str(csv_out))
    cli("bank", "create", "copy", "--category", "csam", "--action", "review")
    assert cli("bank", "import", "copy", str(csv_out)).exit_code == 0
    again = cli("bank", "export", "copy", "--format", "text").stdout.split("\n")
    assert sorted(line for line in again if line) == sorted(line for line in exported if line)

    # A fresh serving process loads the imported entries; lookups are exact-recall range queries.
    scan, banks = auth_header("scan"), auth_header("banks")
    client.patch("/v1/banks/copy", json={"enabled": False}, headers=banks)

    def lookup(signal_type: str, value: str) -> list[dict]:
        answer = client.get(f"/v1/lookup?signal_type={signal_type}&value={value}", headers=scan)
        assert answer.status_code == 200, answer.text
        return answer.json()["matches"]

    near = lookup("pdq_center", _flip(CENTER, 31))
    assert [(m["signal_type"], m["distance"], m["bank"]) for m in near] == [
        ("pdq_center", 31, "regions")
    ]
    assert lookup("pdq_center", _flip(CENTER, 32)) == []
    assert lookup("pdq_norm", _flip(NORM, 20))[0]["distance"] == 20
    # A PDQ query never meets region entries: each type is its own table.
    assert lookup("pdq", CENTER) == []
    video = lookup("vpdq_norm", FRAMES.replace("a" * 64, "a" * 60 + "0000"))
    assert [(m["signal_type"], m["bank"]) for m in video] == [("vpdq_norm", "regions")]
    assert lookup("vpdq", FRAMES) == []

    tightened = client.patch(
        "/v1/banks/regions", json={"signal_thresholds": {"pdq_center": 16}}, headers=banks
    )
    assert tightened.status_code == 200, tightened.text
    assert lookup("pdq_center", _flip(CENTER, 20)) == []
    assert lookup("pdq_center", _flip(CENTER, 16))[0]["distance"] == 16
    assert lookup("pdq_norm", _flip(NORM, 20))[0]["distance"] == 20  # others keep the default

    unknown = client.patch(
        "/v1/banks/regions", json={"signal_thresholds": {"no_such_signal": 3}}, headers=banks
    )
    assert unknown.status_code == 422
