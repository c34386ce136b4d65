"""Every export format (tx CSV, `<type> <hash>` text, bare hashes) imports back to the same
entries; the CSV keeps python-threatexchange's header and the rows' own metadata."""

from __future__ import annotations

import csv
import io

PDQ = ["1" * 64, "2" * 64]
MD5 = "d41d8cd98f00b204e9800998ecf8427e"


def _entries(cli, bank: str) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    exported = cli("bank", "export", bank, "--format", "text").stdout
    return {tuple(line.split(" ", 1)) for line in exported.splitlines() if line}


def test_three_formats_round_trip(cli, tmp_path) -> None:
    source = tmp_path / "source.csv"
    source.write_text(
        "signal_type,signal_str,collab,category,tags\n"
        f"pdq,{PDQ[0]},Sample Collab,CSAM,tag1 tag2\n"
        f"pdq,{PDQ[1]},Sample Collab,CSAM,\n"
        f"md5,{MD5},Other,,\n"
    )
    for name in ("origin", "from-csv", "from-text", "from-bare"):
        cli("bank", "create", name, "--category", "csam", "--action", "block")
    assert cli("bank", "import", "origin", str(source)).exit_code == 0
    expected = {("pdq", PDQ[0]), ("pdq", PDQ[1]), ("md5", MD5)}
    assert _entries(cli, "origin") == expected

    csv_out = tmp_path / "out.csv"
    assert (
        cli("bank", "export", "origin", "--format", "csv", "--output", str(csv_out)).exit_code == 0
    )
    rows = list(csv.DictReader(io.StringIO(csv_out.read_text())))
    assert list(rows[0]) == ["signal_type", "signal_str", "collab", "category", "tags"]
    assert rows[0] == {
        "signal_type": "pdq",
        "signal_str": PDQ[0],
        "collab": "Sample Collab",
        "category": "CSAM",
        "tags": "tag1 tag2",
    }
    assert cli("bank", "import", "from-csv", str(csv_out)).exit_code == 0
    assert _entries(cli, "from-csv") == expected

    text_out = tmp_path / "out.txt"
    cli("bank", "export", "origin", "--format", "text", "--output", str(text_out))
    assert cli("bank", "import", "from-text", str(text_out), "--format", "text").exit_code == 0
    assert _entries(cli, "from-text") == expected

    bare_out = tmp_path / "bare.txt"
    cli("bank", "export", "origin", "--format", "text", "--signal-type", "pdq", "-o", str(bare_out))
    assert bare_out.read_text().split() == PDQ
    assert cli("bank", "import", "from-bare", str(bare_out), "--signal-type", "pdq").exit_code == 0
    assert _entries(cli, "from-bare") == {("pdq", PDQ[0]), ("pdq", PDQ[1])}


def test_http_export_streams_enabled_entries(client, auth_header) -> None:
    headers = auth_header("banks")
    client.post(
        "/v1/banks", json={"name": "b", "category": "ncii", "action": "block"}, headers=headers
    )
    ids = client.post(
        "/v1/banks/b/entries",
        json={"entries": [{"signal_type": "pdq", "value": v} for v in PDQ]},
        headers=headers,
    ).json()["entry_ids"]
    client.post(f"/v1/banks/b/entries/{ids[1]}/disable", headers=headers)
    text = client.get("/v1/banks/b/export?format=text", headers=headers)
    assert text.status_code == 200
    assert text.text == f"pdq {PDQ[0]}\n"
    exported = client.get("/v1/banks/b/export?format=csv", headers=headers)
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.text.splitlines() == [
        "signal_type,signal_str,collab,category,tags",
        f"pdq,{PDQ[0]},b,ncii,",
    ]
    assert client.get("/v1/banks/b/export?format=xml", headers=headers).status_code == 422
    assert client.get("/v1/banks/zz/export", headers=headers).status_code == 404
