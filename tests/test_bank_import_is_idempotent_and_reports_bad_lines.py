"""Import is idempotent (a re-import adds nothing) and reports bad lines by line number while
still loading the good ones; the same through the CLI and the upload endpoint."""

from __future__ import annotations

import json

GOOD = ["a" * 64, "b" * 64, "c" * 64]


def _csv(rows: list[str]) -> str:
    return "signal_type,signal_str,collab,category,tags\n" + "".join(r + "\n" for r in rows)


def test_cli_import_twice_and_bad_lines(cli, tmp_path) -> None:
    path = tmp_path / "bank.csv"
    path.write_text(
        _csv(
            [
                f"pdq,{GOOD[0]},collab,CSAM,t1",
                "pdq,not-a-hash,collab,CSAM,",  # line 3
                f"pdq,{GOOD[1]},collab,CSAM,",
                "",
                "nosuchtype,abc,collab,,",  # line 6
                f"PDQ,{GOOD[2].upper()},collab,,",
                f"pdq,{GOOD[0]},collab,,",  # duplicate inside the file
                "onlyonefield",  # line 9
            ]
        )
    )
    assert cli("bank", "create", "b", "--category", "other", "--action", "review").exit_code == 0
    first = cli("bank", "import", "b", str(path), "--json")
    assert first.exit_code == 3  # finished, but some lines were bad
    report = json.loads(first.stdout)
    assert report["added"] == 3 and report["skipped"] == 1
    assert [b["line"] for b in report["bad_lines"]] == [3, 6, 9]
    assert report["bad_count"] == 3

    second = cli("bank", "import", "b", str(path), "--json")
    again = json.loads(second.stdout)
    assert again["added"] == 0 and again["skipped"] == 4

    human = cli("bank", "import", "b", str(path))
    assert "line 3:" in human.output and "0 added" in human.output

    listed = json.loads(cli("bank", "list", "--json").stdout)
    assert listed[0]["entries"] == 3


def test_import_into_unknown_bank_fails_clearly(cli, tmp_path) -> None:
    path = tmp_path / "h.txt"
    path.write_text(f"pdq {GOOD[0]}\n")
    result = cli("bank", "import", "missing", str(path))
    assert result.exit_code == 1
    assert "bank_not_found" in result.output


def test_upload_import_endpoint(client, auth_header) -> None:
    headers = auth_header("banks")
    client.post(
        "/v1/banks", json={"name": "up", "category": "csam", "action": "block"}, headers=headers
    )
    text = f"{GOOD[0]}\nzz\n{GOOD[1]}\n"
    response = client.post(
        "/v1/banks/up/import",
        files={"file": ("hashes.txt", text.encode(), "text/plain")},
        data={"signal_type": "pdq"},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["added"], body["skipped"], body["bad_count"]) == (2, 0, 1)
    assert body["bad_lines"][0]["line"] == 2
    again = client.post(
        "/v1/banks/up/import",
        files={"file": ("hashes.txt", text.encode(), "text/plain")},
        data={"signal_type": "pdq"},
        headers=headers,
    ).json()
    assert (again["added"], again["skipped"]) == (0, 2)
    assert (
        client.post(
            "/v1/banks/nope/import", files={"file": ("h.txt", b"x", "text/plain")}, headers=headers
        ).status_code
        == 404
    )
