"""On-disk snapshots of the index base: numpy arrays, memory-mapped on load.

Layout under `settings.index_dir`:

    CURRENT                      name of the newest complete snapshot (replaced atomically)
    snap-<seq>-<id>/meta.json    format version, database fingerprint, change-log cursor, segments
    snap-<seq>-<id>/s<i>.<array>.npy

A snapshot is written into its own directory and only then named in CURRENT, so a reader never
sees a half-written one; several serving processes may write snapshots concurrently.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import threading
from pathlib import Path
from typing import Any

import numpy as np

from takedown.ids import new_id
from takedown.index.changelog import ChangeCursor
from takedown.index.descriptors import Clusters
from takedown.index.hamming import HammingTable
from takedown.index.segments import Segment

log = logging.getLogger(__name__)

FORMAT = 2  # 2: region frame lists keep frames of quality 40 and up
KEEP = 2  # snapshots kept on disk (a process may still map the previous one)
PAGE = 4096


def database_fingerprint(database_url: str) -> str:
    return hashlib.sha256(database_url.encode()).hexdigest()[:16]


def save(
    index_dir: Path, segments: dict[str, Segment], cursor: ChangeCursor, fingerprint: str
) -> Path:
    index_dir.mkdir(parents=True, exist_ok=True)
    name = f"snap-{cursor.high:012d}-{new_id('snap').split('_', 1)[-1]}"
    tmp = index_dir / f".tmp-{name}"
    tmp.mkdir()
    meta: dict[str, Any] = {
        "format": FORMAT,
        "database": fingerprint,
        "cursor": cursor.to_json(),
        "segments": [],
    }
    for i, segment in enumerate(segments.values()):
        arrays = {
            "entry_ids": segment.entry_ids,
            "bank_ids": segment.bank_ids,
            "alive": segment.alive,
        }
        info: dict[str, Any] = {"signal_type": segment.signal_type, "rows": len(segment)}
        if segment.table is not None:
            arrays |= {
                "hashes": segment.table.hashes,
                "order": segment.table.order,
                "offsets": segment.table.offsets,
                "bases": segment.table.bases,
            }
            info["layout"] = [list(part) for part in segment.table.layout]
            if segment.clusters is not None:
                arrays |= {
                    "centroids": segment.clusters.centroids,
                    "assignment": segment.clusters.assignment,
                }
                info["clusters"] = True
        else:
            assert (
                segment.key_hi is not None
                and segment.key_order is not None
                and segment.key_lo is not None
            )
            arrays |= {
                "key_hi": segment.key_hi,
                "key_order": segment.key_order,
                "key_lo": segment.key_lo,
            }
        for array_name, array in arrays.items():
            np.save(tmp / f"s{i}.{array_name}.npy", np.ascontiguousarray(array))
        meta["segments"].append(info)
    (tmp / "meta.json").write_text(json.dumps(meta))
    _fsync_dir(tmp)
    os.replace(tmp, index_dir / name)
    pointer = index_dir / f".CURRENT-{name}"
    pointer.write_text(name)
    os.replace(pointer, index_dir / "CURRENT")
    _prune(index_dir, keep=name)
    return index_dir / name


def load(index_dir: Path, fingerprint: str) -> tuple[dict[str, Segment], ChangeCursor] | None:
    """The newest snapshot for this database, memory-mapped; None if there is none usable."""
    try:
        return _load(index_dir, fingerprint)
    except (OSError, ValueError, KeyError):
        log.warning("index snapshot in %s is unreadable; building from the database", index_dir)
        return None


def _load(index_dir: Path, fingerprint: str) -> tuple[dict[str, Segment], ChangeCursor] | None:
    try:
        name = (index_dir / "CURRENT").read_text().strip()
        path = index_dir / name
        meta = json.loads((path / "meta.json").read_text())
    except (OSError, ValueError):
        return None
    if meta.get("format") != FORMAT or meta.get("database") != fingerprint:
        return None
    segments: dict[str, Segment] = {}
    for i, info in enumerate(meta["segments"]):

        def arr(array_name: str, i: int = i) -> np.ndarray:
            return np.load(path / f"s{i}.{array_name}.npy", mmap_mode="r")

        # `alive` is flipped in place by disables: a private copy, not the shared mapping.
        alive = np.array(arr("alive"), dtype=bool)
        segment = Segment(info["signal_type"], arr("entry_ids"), arr("bank_ids"), alive)
        if "layout" in info:
            segment.table = HammingTable(
                arr("hashes"),
                [tuple(part) for part in info["layout"]],  # type: ignore[misc]
                arr("order"),
                arr("offsets"),
                np.array(arr("bases")),
            )
            if info.get("clusters"):
                segment.clusters = Clusters(arr("centroids"), arr("assignment"))
        else:
            segment.key_hi, segment.key_order, segment.key_lo = (
                arr("key_hi"),
                arr("key_order"),
                arr("key_lo"),
            )
        segments[segment.signal_type] = segment
    return segments, ChangeCursor.from_json(meta["cursor"])


def warm(segments: dict[str, Segment]) -> threading.Thread:
    """Fault the mapped arrays into this process in the background.

    Mapping is instant, but until a page is touched each query pays a page fault per candidate
    (about 30 q/s at 10M cold against hundreds warm); touching one element per page once costs
    well under a second at 10M and runs while the process already serves.
    """

    def touch() -> None:
        for segment in segments.values():
            arrays = [segment.entry_ids, segment.bank_ids]
            if segment.table is not None:
                arrays += [segment.table.hashes, segment.table.order, segment.table.offsets]
            for array in arrays:
                flat = np.asarray(array).reshape(-1)
                step = max(1, PAGE // flat.itemsize)
                int(flat[::step].sum())

    thread = threading.Thread(target=touch, name="index-warm", daemon=True)
    thread.start()
    return thread


def _prune(index_dir: Path, keep: str) -> None:
    snaps = sorted(p for p in index_dir.glob("snap-*") if p.is_dir())
    for old in snaps[:-KEEP]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)  # mappings held by other processes stay valid
    for tmp in index_dir.glob(".tmp-*"):
        if tmp.stat().st_mtime < os.path.getmtime(index_dir / keep) - 3600:
            shutil.rmtree(tmp, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    for item in path.iterdir():
        with open(item, "rb") as handle:
            os.fsync(handle.fileno())
