"""Operators file and inspect CyberTipline reports from the command line."""

from __future__ import annotations

import json

from tests.ncmec_factories import decided_case, ncmec_settings, sandbox


def test_file_now_and_status(settings, cli, cli_env, monkeypatch):
    with sandbox() as server:
        settings = ncmec_settings(settings, server)
        monkeypatch.setenv("TAKEDOWN_NCMEC_URL", settings.ncmec_url)
        monkeypatch.setenv("TAKEDOWN_NCMEC_USERNAME", settings.ncmec_username)
        monkeypatch.setenv("TAKEDOWN_NCMEC_PASSWORD", settings.ncmec_password.get_secret_value())
        case = decided_case(settings, queue=False)

        assert cli("ncmec", "check").exit_code == 0
        filed = cli("ncmec", "file", case.case_id, "--now")
        assert filed.exit_code == 0, filed.output
        status = cli("ncmec", "status", case.case_id, "--json")
        (row,) = json.loads(status.output)
        assert row["state"] == "finished"
        assert row["ncmec_report_id"] in server.state.reports

        again = cli("ncmec", "file", case.case_id)
        assert again.exit_code == 1  # already filed: NCMEC has it


def test_failed_filing_exits_nonzero(settings, cli, cli_env, monkeypatch):
    with sandbox() as server:
        settings = ncmec_settings(settings, server)
        monkeypatch.setenv("TAKEDOWN_NCMEC_URL", settings.ncmec_url)
        monkeypatch.setenv("TAKEDOWN_NCMEC_USERNAME", settings.ncmec_username)
        monkeypatch.setenv("TAKEDOWN_NCMEC_PASSWORD", "wrong")
        decided_case(settings)
        assert cli("ncmec", "check").exit_code == 1
        ran = cli("ncmec", "run")
        assert ran.exit_code == 1 and "failed" in ran.output
        pending = json.loads(cli("ncmec", "status", "--json").output)
        assert [r["last_response_code"] for r in pending] == [2000]
