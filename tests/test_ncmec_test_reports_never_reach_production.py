"""NCMEC's production service receives only reports built while TAKEDOWN_NCMEC_ENVIRONMENT is
explicitly `production`; a test report is never sent to the production URL."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr

from takedown.ncmec.client import (
    PRODUCTION_URL,
    TEST_URL,
    CyberTiplineClient,
    ProductionGuardError,
    base_url_for,
    check_environment,
)
from takedown.ncmec.models import NcmecFiling
from takedown.ncmec.scheduled import file_due_reports
from takedown.ncmec.schemas import Environment
from takedown.settings import Settings
from takedown.store.db import session_scope
from tests.ncmec_factories import decided_case, ncmec_settings, sandbox


def test_the_default_environment_is_test():
    assert Settings().ncmec_environment == "test"
    assert base_url_for(Settings(ncmec_url="")) == TEST_URL
    assert base_url_for(Settings(ncmec_url="", ncmec_environment="production")) == PRODUCTION_URL


@pytest.mark.parametrize(
    "url",
    [PRODUCTION_URL, "https://REPORT.cybertip.org/ispws/", "https://report.cybertip.org:443/x"],
)
def test_a_test_report_is_refused_for_the_production_host(url):
    settings = Settings(ncmec_url=url, ncmec_environment="test")
    with pytest.raises(ProductionGuardError):
        check_environment(settings=settings, report_environment=Environment.TEST)


def test_a_report_built_for_test_is_not_sent_once_production_is_configured():
    settings = Settings(ncmec_url="", ncmec_environment="production")
    with pytest.raises(ProductionGuardError):
        check_environment(settings=settings, report_environment=Environment.TEST)
    # ...and the reverse: a production report does not go to the test service.
    with pytest.raises(ProductionGuardError):
        check_environment(settings=Settings(), report_environment=Environment.PRODUCTION)
    assert (
        check_environment(settings=settings, report_environment=Environment.PRODUCTION)
        == PRODUCTION_URL
    )


def test_a_queued_test_filing_fails_visibly_and_sends_nothing_to_production(settings, monkeypatch):
    sent: list[httpx.Request] = []
    real_init = CyberTiplineClient.__init__

    def recording_init(self, **kwargs):  # type: ignore[no-untyped-def]
        kwargs["transport"] = httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(500))
        real_init(self, **kwargs)

    monkeypatch.setattr(CyberTiplineClient, "__init__", recording_init)
    with sandbox() as server:
        settings = ncmec_settings(settings, server)
        case = decided_case(settings)  # queued as a test report
        aimed_at_production = settings.model_copy(
            update={"ncmec_url": PRODUCTION_URL, "ncmec_password": SecretStr("x")}
        )
        assert file_due_reports(aimed_at_production) == {case.filing_id: "failed"}
    assert sent == []
    with session_scope(settings.resolved_database_url) as db_session:
        filing = db_session.get(NcmecFiling, case.filing_id)
        assert filing.environment == "test"
        assert filing.state == "failed"
        assert filing.next_attempt_at is None  # not retried: a person must look
        assert "production" in (filing.last_error or "")


def test_an_unknown_environment_value_is_refused_not_guessed(settings):
    with sandbox() as server:
        settings = ncmec_settings(settings, server, ncmec_environment="prod")
        case = decided_case(settings)
        assert file_due_reports(settings) == {case.filing_id: "failed"}
        assert server.state.calls == []
    with session_scope(settings.resolved_database_url) as db_session:
        filing = db_session.get(NcmecFiling, case.filing_id)
        assert "TAKEDOWN_NCMEC_ENVIRONMENT" in (filing.last_error or "")
