"""DSA Art 23: reports are rate-limited per client address and per contact, counted in the
database so every serving process agrees. (A child-safety report past a limit is kept all the
same: tests/test_a_child_safety_report_is_never_refused_by_the_rate_limit.py.)"""

from __future__ import annotations

import pytest

from takedown import clock
from tests.reports_support import valid_body


def _by_address(content_id: str) -> dict:  # type: ignore[type-arg]
    """A terms report from its own contact, so only the per-address limit counts it."""
    return valid_body(
        "terms_violation",
        content_id=content_id,
        reporter={"name": "Sam Example", "email": f"sam-{content_id}@example.org"},
    )


@pytest.fixture
def settings(settings):  # type: ignore[no-untyped-def]
    return settings.model_copy(
        update={"report_rate_limit_per_address": 3, "report_rate_limit_per_contact": 2}
    )


def test_per_address_limit(client):
    for i in range(3):
        body = _by_address(f"a{i}")
        assert client.post("/v1/reports", json=body).status_code == 201
    answer = client.post("/v1/reports", json=_by_address("a9"))
    assert answer.status_code == 429
    assert answer.json()["code"] == "report_rate_limited"
    clock.advance(__import__("datetime").timedelta(hours=1, minutes=1))
    again = client.post("/v1/reports", json=_by_address("a9"))
    assert again.status_code == 201


def test_per_contact_limit_counts_across_addresses(client, app):
    from fastapi.testclient import TestClient

    body = valid_body("terms_violation")
    assert client.post("/v1/reports", json=body).status_code == 201
    other_address = TestClient(app, client=("10.9.8.7", 1234))
    assert other_address.post("/v1/reports", json=body).status_code == 201
    third = TestClient(app, client=("10.9.8.8", 1234)).post("/v1/reports", json=body)
    assert third.status_code == 429


def test_limit_is_shared_by_separate_app_instances(client, settings):
    """Two serving processes (two apps here) see one count, because it lives in the database."""
    from fastapi.testclient import TestClient

    from takedown.api.app import create_app

    other = TestClient(create_app(settings))
    for i in range(2):
        client.post("/v1/reports", json=_by_address(f"s{i}"))
    other.post("/v1/reports", json=_by_address("s3"))
    answer = client.post("/v1/reports", json=_by_address("s4"))
    assert answer.status_code == 429


def test_servers_on_other_hosts_share_the_count_through_the_address_key(settings, tmp_path):
    """Servers with their own data_dir (other hosts) count one address together when they are
    given the same TAKEDOWN_ADDRESS_KEY; without it each would hash addresses with its own key."""
    from fastapi.testclient import TestClient
    from pydantic import SecretStr

    from takedown.api.app import create_app

    def host(name: str) -> TestClient:
        own = settings.model_copy(
            update={"data_dir": tmp_path / name, "address_key": SecretStr("shared-key-0123")}
        )
        return TestClient(create_app(own))

    first, second = host("host-a"), host("host-b")
    for i in range(3):
        body = _by_address(f"h{i}")
        assert (first if i % 2 else second).post("/v1/reports", json=body).status_code == 201
    answer = second.post("/v1/reports", json=_by_address("h9"))
    assert answer.status_code == 429
    assert not (tmp_path / "host-a" / "report-address.key").exists()
