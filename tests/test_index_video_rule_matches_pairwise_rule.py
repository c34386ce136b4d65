"""query_video answers what the pairwise vPDQ rule (takedown.signals.vpdq) answers for every
bank video: the same videos, with the same query and bank match percentages."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from takedown.banks import service as banks
from takedown.ids import new_id
from takedown.index.service import load_index
from takedown.settings import Settings
from takedown.signals.vpdq import VpdqFrame, serialise_vpdq, vpdq_is_match
from takedown.store.db import session_scope

# Bits flipped per copied frame: mostly within the vPDQ distance 31, some just beyond it.
FLIPS = [0, 5, 20, 31, 32, 40]
FLIP_ODDS = [0.3, 0.25, 0.2, 0.1, 0.1, 0.05]


def _flip(rng: np.random.Generator, hex_hash: str, bits: int) -> str:
    unpacked = np.unpackbits(np.frombuffer(bytes.fromhex(hex_hash), np.uint8))
    unpacked[rng.choice(256, size=bits, replace=False)] ^= 1
    return np.packbits(unpacked).tobytes().hex()


def _video(rng: np.random.Generator, frames: int) -> list[VpdqFrame]:
    return [
        VpdqFrame(
            rng.integers(0, 256, 32, dtype=np.uint8).tobytes().hex(),
            int(rng.choice([20, 60, 90, 100])),
            float(t),
        )
        for t in range(frames)
    ]


@hsettings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 2**32 - 1),
    videos=st.integers(1, 6),
    compact=st.booleans(),
    index_percent=st.sampled_from([0.0, 50.0]),
)
def test_query_video_equals_pairwise_rule(
    settings: Settings, seed: int, videos: int, compact: bool, index_percent: float
) -> None:
    settings = settings.model_copy(update={"vpdq_index_match_percent": index_percent})
    rng = np.random.default_rng(seed)
    bank_videos = [_video(rng, int(rng.integers(1, 12))) for _ in range(videos)]
    with session_scope(settings.resolved_database_url) as db_session:
        bank = banks.create_bank(
            db_session=db_session, name=new_id("bank"), category="csam", action="block"
        )
        entry_ids = [
            banks.add_entries(
                db_session=db_session,
                bank=bank,
                entries=[banks.NewEntry("vpdq", serialise_vpdq(video))],
                added_by="test",
                normalised=True,
            ).entry_ids[0]
            for video in bank_videos
        ]
    index = load_index(settings)
    if compact:
        index.compact()
    # A query built from one bank video: some frames near-copied (0..40 bits off), some new.
    source = bank_videos[int(rng.integers(videos))]
    query = [
        VpdqFrame(_flip(rng, f.hash, int(rng.choice(FLIPS, p=FLIP_ODDS))), f.quality, f.timestamp)
        for f in source
        if rng.random() < 0.95
    ] + _video(rng, int(rng.integers(0, 2)))
    got = {
        (hit.entry_id, round(hit.query_match_percent, 6), round(hit.index_match_percent, 6))
        for hit in index.query_video(serialise_vpdq(query))
        if hit.entry_id in entry_ids
    }
    want = set()
    for entry_id, video in zip(entry_ids, bank_videos, strict=True):
        matched, query_percent, bank_percent = vpdq_is_match(query, video, settings=settings)
        if matched:
            want.add((entry_id, round(query_percent, 6), round(bank_percent, 6)))
    assert got == want
    print("NONEMPTY", len(want))
    index.close()
