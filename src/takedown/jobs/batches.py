"""Running a job's work in batches: claim an item (a search, a sweep), run its batches, each its
own transaction, and give the time slice back to the other jobs after a while."""

from __future__ import annotations

import time
from collections.abc import Callable


def run_in_batches(
    *,
    claim: Callable[[], int | None],
    next_batch: Callable[[int], int | None],
    release: Callable[[int], None],
    seconds: float,
) -> int:
    """Claim items one after another and run their batches: at least one, then until `seconds`
    have passed, when the item in hand is released for the next run (here or in another
    process) to go on. `next_batch` answers what its batch did (summed into the answer), or
    None when the item has nothing more to do now."""
    stop_at = time.monotonic() + seconds
    done = 0
    while (item := claim()) is not None:
        while (outcome := next_batch(item)) is not None:
            done += outcome
            if time.monotonic() >= stop_at:
                release(item)
                return done
    return done
