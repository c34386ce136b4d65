"""Rule: a `pdq_crop` base larger than `crop_search_exact_rows` is searched through faiss IVF
lists instead of a scan of every row, and still blocks crops of its pictures, allows unrelated
pictures, and stops matching a disabled entry; the lists are kept in the snapshot, so a restart
serves them without computing them again, and a compaction that brings no change to the crop rows
keeps the crop segment with its lists and faiss index as they are. The clustered search returns
only live, enabled rows within the radius with their true distances, and never misses an identical
row."""

from __future__ import annotations

import numpy as np
import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from takedown.api.app import create_app
from takedown.index import descriptors
from takedown.settings import Settings
from tests.crop_support import bank_crop_values, crop, picture
from tests.descriptor_support import look_alike_rows
from tests.media import jpeg, stand_in
from tests.region_support import scan_upload

CROPS = [("chelsea", (0.9, 0.2)), ("coffee", (0.1, 0.95)), ("astronaut", (0.0, 1.0))]


def _listed(settings: Settings, monkeypatch) -> Settings:  # type: ignore[no-untyped-def]
    """Settings under which even three pictures' keypoints (about 700 rows) are searched by
    lists, and lists small enough that there are several."""
    monkeypatch.setattr(descriptors, "ROWS_PER_LIST", 64)
    return settings.model_copy(update={"crop_search_exact_rows": 1})


@pytest.fixture
def listed_bank(settings: Settings, auth_header, monkeypatch):  # type: ignore[no-untyped-def]
    """A server whose crop bank (three pictures) was compacted into a base searched by lists:
    (client, scan headers, banks headers)."""
    scan, banks = auth_header("scan"), auth_header("scan", "banks")
    with TestClient(create_app(_listed(settings, monkeypatch))) as serving:
        bank_crop_values(serving, scan, banks)
        serving.app.state.index.compact()  # from the delta to a base, which gets its lists
        yield serving, scan, banks


def test_large_crop_bank_is_searched_by_lists_and_still_finds_crops(listed_bank) -> None:  # type: ignore[no-untyped-def]
    serving, scan, banks = listed_bank
    index = serving.app.state.index
    segment = index._base["pdq_crop"]
    assert segment.clusters is not None and len(segment.clusters.centroids) >= 8
    assert type(segment.descriptor_index).__name__ == "IndexBinaryIVF"

    for name, at in CROPS:
        answer = scan_upload(serving, scan, jpeg(crop(picture(name), 0.75, at, 0.8), 80))
        assert answer["verdict"] == "block", (name, answer["matches"])
        assert {m["signal_type"] for m in answer["matches"]} == {"pdq_crop"}
    for name in ("rocket", "hubble_deep_field", "retina"):
        unrelated = jpeg(crop(stand_in(name), 0.75, (0.5, 0.5), 0.8))
        assert scan_upload(serving, scan, unrelated)["verdict"] == "allow", name

    upload = jpeg(crop(picture("coffee"), 0.75, (0.8, 0.1), 0.75), 80)
    entry_id = scan_upload(serving, scan, upload)["matches"][0]["entry_id"]
    disabled = serving.post(f"/v1/banks/known/entries/{entry_id}/disable", headers=banks)
    assert disabled.status_code == 200, disabled.text
    index.refresh()
    assert scan_upload(serving, scan, upload)["verdict"] == "allow"


def test_compaction_keeps_an_unchanged_crop_segment_and_its_lists(listed_bank) -> None:  # type: ignore[no-untyped-def]
    serving, scan, banks = listed_bank
    index = serving.app.state.index
    crop_segment, pdq_segment = index._base["pdq_crop"], index._base["pdq"]
    searched = crop_segment.descriptor_index

    other = serving.post(
        "/v1/banks/known/entries",
        json={"entries": [{"signal_type": "pdq", "value": "f0" * 32}]},
        headers=banks,
    )
    assert other.status_code == 200, other.text
    index.refresh()
    index.compact()  # a PDQ entry is new; the crop rows are not
    assert index._base["pdq_crop"] is crop_segment
    assert index._base["pdq_crop"].descriptor_index is searched
    assert index._base["pdq"] is not pdq_segment  # rebuilt with the new hash
    lookup = serving.get("/v1/lookup?signal_type=pdq&value=" + "f0" * 32, headers=scan)
    assert lookup.json()["verdict"] == "block"
    upload = jpeg(crop(picture("astronaut"), 0.75, (0.2, 0.4), 0.8), 80)
    assert scan_upload(serving, scan, upload)["verdict"] == "block"

    entry_id = scan_upload(serving, scan, upload)["matches"][0]["entry_id"]
    disabled = serving.post(f"/v1/banks/known/entries/{entry_id}/disable", headers=banks)
    assert disabled.status_code == 200, disabled.text
    index.refresh()
    index.compact()  # a third of the crop rows are disabled now: the segment is rebuilt
    assert index._base["pdq_crop"] is not crop_segment
    assert scan_upload(serving, scan, upload)["verdict"] == "allow"


def test_restart_serves_crop_lists_from_the_snapshot(
    settings: Settings, auth_header, monkeypatch
) -> None:
    scan, banks = auth_header("scan"), auth_header("scan", "banks")
    listed = _listed(settings, monkeypatch)
    with TestClient(create_app(listed)) as first:
        bank_crop_values(first, scan, banks)
        first.app.state.index.compact()  # writes a snapshot with the base and its lists
        saved = first.app.state.index._base["pdq_crop"].clusters
    assert saved is not None

    with TestClient(create_app(listed)) as second:
        index = second.app.state.index
        assert index.loaded_from == "snapshot"
        loaded = index._base["pdq_crop"].clusters
        assert loaded is not None
        assert np.array_equal(loaded.assignment, saved.assignment)
        assert np.array_equal(loaded.centroids, saved.centroids)
        upload = jpeg(crop(picture("chelsea"), 0.75, (0.3, 0.6), 0.9), 80)
        assert scan_upload(second, scan, upload)["verdict"] == "block"


@hypothesis_settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    rows=st.integers(2, 3000),
    disabled_share=st.sampled_from([0.0, 0.3, 0.9]),
    radius=st.integers(0, 60),
)
def test_clustered_search_returns_true_usable_rows_and_every_identical_one(
    seed: int, rows: int, disabled_share: float, radius: int
) -> None:
    bank, usable, queries = look_alike_rows(np.random.default_rng(seed), rows, 8, disabled_share)
    clusters = descriptors.cluster(bank, rows_per_list=64)
    index = descriptors.clustered_index(bank, clusters)

    query_rows, found, distances = descriptors.nearest_usable(
        index, queries, radius, 2, usable.__getitem__
    )

    assert usable[found].all()
    assert (distances <= radius).all()
    assert (np.bitwise_count(bank[found] ^ queries[query_rows]).sum(axis=1) == distances).all()
    for query, row in enumerate(queries):
        identical = usable & (bank == row).all(axis=1)
        if identical.any():
            assert 0 in distances[query_rows == query].tolist()
