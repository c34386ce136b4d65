"""Rule: the region frame lists (vpdq_norm, vpdq_center, vpdq_band_*) keep frames of PDQ quality
40 and up under the vPDQ rule, so a sepia-toned copy whose frames hash at 40-49 still matches;
plain vPDQ keeps python-threatexchange's gate of 50; frames below 40 never count."""

from __future__ import annotations

import numpy as np
import pytest

from takedown.signals.vpdq import VpdqFrame, serialise_vpdq


def _frames(quality: int) -> str:
    rng = np.random.default_rng(quality)
    return serialise_vpdq(
        [
            VpdqFrame(rng.integers(0, 256, 32, dtype=np.uint8).tobytes().hex(), quality, float(t))
            for t in range(8)
        ]
    )


@pytest.mark.parametrize(
    ("signal_type", "quality", "matches"),
    [
        ("vpdq_norm", 45, True),
        ("vpdq_center", 40, True),
        ("vpdq_band_top", 39, False),
        ("vpdq", 45, False),
        ("vpdq", 50, True),
    ],
)
def test_frame_quality_gate_per_frame_list_type(
    client, auth_header, signal_type: str, quality: int, matches: bool
) -> None:
    banks, scan = auth_header("banks"), auth_header("scan")
    value = _frames(quality)
    created = client.post(
        "/v1/banks", json={"name": "videos", "category": "csam", "action": "block"}, headers=banks
    )
    assert created.status_code == 201, created.text
    added = client.post(
        "/v1/banks/videos/entries",
        json={"entries": [{"signal_type": signal_type, "value": value}]},
        headers=banks,
    )
    assert added.status_code == 200, added.text
    answer = client.get(
        "/v1/lookup", params={"signal_type": signal_type, "value": value}, headers=scan
    )
    assert answer.status_code == 200, answer.text
    assert bool(answer.json()["matches"]) is matches
