"""Rule: Takedown's vPDQ value strings and match percentages are python-threatexchange's:
its parser reads what /v1/hash writes, and both sides of the match rule agree on any frames."""

from __future__ import annotations

import importlib
import sys
import types

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from takedown.settings import Settings
from takedown.signals.registry import get_signal_type, normalise_signal
from takedown.signals.vpdq import (
    VpdqFrame,
    parse_vpdq,
    serialise_vpdq,
    vpdq_is_match,
    vpdq_match_percentages,
)
from tests.media import slideshow, stand_in


@pytest.fixture(scope="module")
def tx_vpdq() -> types.SimpleNamespace:
    """python-threatexchange's vPDQ helpers. They import the `vpdq` C extension, which cannot
    be built here (it needs FFmpeg's -dev packages) and is not used by these functions."""
    stub = sys.modules.setdefault("vpdq", types.ModuleType("vpdq"))
    stub.VpdqFeature = getattr(stub, "VpdqFeature", object)  # type: ignore[attr-defined]
    util = importlib.import_module("threatexchange.extensions.vpdq.vpdq_util")
    brute = importlib.import_module("threatexchange.extensions.vpdq.vpdq_brute_matcher")
    signal = importlib.import_module("threatexchange.extensions.vpdq.vpdq")
    return types.SimpleNamespace(util=util, brute=brute, signal=signal.VPDQSignal)


def test_tx_reads_what_takedown_writes(client, auth_header, tx_vpdq) -> None:
    video = slideshow([stand_in("coffee"), stand_in("chelsea")], seconds_each=2.0)
    response = client.post(
        "/v1/hash", files={"file": ("v.mp4", video)}, headers=auth_header("scan")
    )
    value = next(s["value"] for s in response.json()["signals"] if s["type"] == "vpdq")
    features = tx_vpdq.util.json_to_vpdq(value)
    assert tx_vpdq.util.vpdq_to_json(features) == value
    assert [f.pdq_hex for f in features] == [f.hash for f in parse_vpdq(value)]
    assert tx_vpdq.signal.validate_signal_str(value) == value
    # And Takedown reads python-threatexchange's own examples.
    for example in tx_vpdq.signal.get_examples():
        assert normalise_signal("vpdq", example) == ("vpdq", example)


HEXES = st.sampled_from(
    [
        "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22",
        "f8f8f0cee0f4a84f06370a2a038f63f0b36e26d596621e1d33e6b39c4e9c9b22",
        "d8f8f0cec0f4a84f8e370a22038f67f0b36a2ed597231e1d72e6b39c4a9c9b22",
        "e64cc9d91c623882f8d1f1d9a398e78c9f199b3bd83924f2b7e11e0bf861b064",
        "6227401f601ff4ccafcc9fad4b0d95d371a2eb7265a3285234d228ca94deeb2d",
    ]
) | st.integers(0, 2**256 - 1).map(lambda n: f"{n:064x}")
FRAMES = st.lists(
    st.builds(VpdqFrame, HEXES, st.integers(0, 100), st.floats(0, 10_000, allow_nan=False)),
    min_size=1,
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(query=FRAMES, bank=FRAMES, distance=st.integers(0, 140), quality=st.integers(0, 100))
def test_match_percentages_equal_threatexchange(tx_vpdq, query, bank, distance, quality) -> None:
    def tx(frames):
        return [tx_vpdq.util.VpdqCompactFeature(f.hash, f.quality, f.timestamp) for f in frames]

    try:
        expected = tx_vpdq.brute.match_VPDQ_hash_brute(tx(query), tx(bank), quality, distance)
    except ZeroDivisionError:  # python-threatexchange divides by zero usable frames
        expected = types.SimpleNamespace(query_match_percent=0.0, compared_match_percent=0.0)
    got = vpdq_match_percentages(
        query, bank, distance_threshold=distance, quality_threshold=quality
    )
    if got != (0.0, 0.0) or expected.query_match_percent or expected.compared_match_percent:
        assert got == pytest.approx((expected.query_match_percent, expected.compared_match_percent))
    assert parse_vpdq(serialise_vpdq(query)) == [
        VpdqFrame(f.hash, f.quality, float(f"{f.timestamp:.3}")) for f in query
    ]


def test_match_decision_uses_settings() -> None:
    a = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
    b = "e64cc9d91c623882f8d1f1d9a398e78c9f199b3bd83924f2b7e11e0bf861b064"
    query = [VpdqFrame(a, 100, 0.0), VpdqFrame(b, 100, 1.0)]
    bank = [VpdqFrame(a, 100, 0.0)]
    assert vpdq_match_percentages(query, bank) == (50.0, 100.0)
    assert vpdq_is_match(query, bank, settings=Settings())[0] is False  # 50% < 80%
    lenient = Settings(vpdq_query_match_percent=50.0)
    assert vpdq_is_match(query, bank, settings=lenient) == (True, 50.0, 100.0)


def test_threatexchange_names_are_accepted() -> None:
    for alias, name in [
        ("pdq", "pdq"),
        ("HASH_PDQ", "pdq"),
        ("video_md5", "video_md5"),
        ("HASH_VIDEO_MD5", "video_md5"),
        ("video_sha256", "video_sha256"),
        ("vpdq", "vpdq"),
        ("photo_md5", "md5"),
    ]:
        assert get_signal_type(alias).name == name
    assert (
        normalise_signal(
            "pdq", " F8F8F0CEE0F4A84F06370A22038F63F0B36E2ED596621E1D33E6B39C4E9C9B22 "
        )[1]
        == "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
    )
