"""Border finding, compiled (numba): the arithmetic of normalise.find_content with no numpy call
per line.

An upload is trimmed seven times (once as sent, once per de-rotation), and each trim looks at a
few lines on every side: as numpy calls that was about 0.15-0.2 ms a trim, nearly all of it call
overhead on arrays of a few hundred pixels. Compiled it is about 25 us a trim, with the same
answers. Pixel values are read doubled, so that the median colour of a line, a whole or half
level, is an integer and every test an integer comparison; the means in `_blurred_edge` divide
exact integer sums. Rules and thresholds: normalise.py.
"""

from __future__ import annotations

import numpy as np
from numba import njit

Array = np.ndarray


@njit(cache=True, nogil=True)
def _median_colour(lines: Array) -> Array:
    """Per channel, the median of the outermost line, doubled (so an integer)."""
    length = lines.shape[1]
    colour = np.empty(3, np.int64)
    for channel in range(3):
        ordered = np.sort(lines[0, :, channel].astype(np.int64)) * 2
        colour[channel] = (ordered[(length - 1) // 2] + ordered[length // 2]) // 2
    return colour


@njit(cache=True, nogil=True)
def _is_border(
    lines: Array,
    line: int,
    colour: Array,
    chrome: bool,
    tolerance: int,
    share: float,
    mean_deviation: float,
    chrome_share: float,
) -> bool:
    length = lines.shape[1]
    count = 0
    near_sum = 0
    total = 0
    for position in range(length):
        deviation = 0
        for channel in range(3):
            difference = abs(2 * np.int64(lines[line, position, channel]) - colour[channel])
            deviation = max(deviation, difference)
        total += deviation
        if deviation <= tolerance:
            count += 1
            near_sum += deviation
    within = count / length
    if chrome:
        return within >= chrome_share and near_sum <= mean_deviation * max(count, 1)
    return within >= share and total <= mean_deviation * length


@njit(cache=True, nogil=True)
def _blurred_edge(lines: Array, start: int, colour: Array, edge_lines: int) -> int:
    """Lines from `start` on where resizing and JPEG blurred the border into the picture."""
    available = lines.shape[0] - start
    depth = min(edge_lines, available // 4)
    if depth == 0:
        return 0
    looked = min(depth + 4, available)
    cells = lines.shape[1] * 3
    offset = np.empty(looked, np.float64)
    for index in range(looked):
        line_sum = 0
        for position in range(lines.shape[1]):
            for channel in range(3):
                value = 2 * np.int64(lines[start + index, position, channel])
                line_sum += abs(value - colour[channel])
        offset[index] = line_sum / cells
    inner_sum = 0.0
    for index in range(depth, looked):
        inner_sum += offset[index]
    inner = inner_sum / (looked - depth)
    for index in range(depth):
        if not offset[index] < 0.5 * inner:
            return index
    return depth


@njit(cache=True, nogil=True)
def _border_run(
    lines: Array,
    chrome: bool,
    min_keep: float,
    edge_lines: int,
    tolerance: int,
    share: float,
    mean_deviation: float,
    chrome_share: float,
) -> int:
    """How many leading lines of `lines` ((n, length, 3) uint8, outermost line first) are border
    of the outermost line's colour, with the blurred edge after them."""
    colour = _median_colour(lines)
    limit = int(lines.shape[0] * (1 - min_keep)) + 1
    run = limit
    for line in range(min(limit, lines.shape[0])):
        if not _is_border(
            lines, line, colour, chrome, tolerance, share, mean_deviation, chrome_share
        ):
            run = line
            break
    if run == 0 or run >= limit:
        return run
    return run + _blurred_edge(lines, run, colour, edge_lines)


@njit(cache=True, nogil=True)
def content_box(
    data: Array,
    chrome: bool,
    min_keep: float,
    max_rounds: int,
    edge_lines: int,
    tolerance: int,
    share: float,
    mean_deviation: float,
    chrome_share: float,
) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) left after trimming borders one side at a time, smallest cut
    first (normalise.find_content); `data` is the picture, (height, width, 3) uint8."""
    height, width = data.shape[0], data.shape[1]
    edges = np.array([0, height, 0, width])  # top, bottom, left, right
    blocked = np.zeros(4, np.bool_)
    for _ in range(max_rounds):
        region = data[edges[0] : edges[1], edges[2] : edges[3]]
        if region.shape[0] < 2 or region.shape[1] < 2:
            break
        columns = region.transpose((1, 0, 2))
        best_side, best_cut = -1, 0
        for side in range(4):  # top, bottom, left, right: ties go to the first
            if blocked[side]:
                continue
            if side == 0:
                view = region
            elif side == 1:
                view = region[::-1]
            elif side == 2:
                view = columns
            else:
                view = columns[::-1]
            # Screenshot chrome runs across the screen: columns must be uniform.
            cut = _border_run(
                view,
                chrome and side < 2,
                min_keep,
                edge_lines,
                tolerance,
                share,
                mean_deviation,
                chrome_share,
            )
            if cut > 0 and (best_side < 0 or cut < best_cut):
                best_side, best_cut = side, cut
        if best_side < 0:
            break
        step = best_cut if best_side in (0, 2) else -best_cut
        edges[best_side] += step
        if edges[1] - edges[0] < min_keep * height or edges[3] - edges[2] < min_keep * width:
            edges[best_side] -= step
            blocked[best_side] = True
    return edges[2], edges[0], edges[3], edges[1]
