"""PDQ's arithmetic after the weights are known, compiled (numba): luma, the two banded box
filters down to 64x64, the 16x16 DCT, the quality metric and the bits.

An image upload takes 17 PDQs of pictures a few hundred pixels a side (regions, de-rotations, the
crop window). As numpy calls each cost about 0.15 ms, most of it call overhead and temporaries;
compiled, about 0.04 ms. The weights and what they mean: pdq_blocks.py. Float32 throughout,
as the reference computes; sums run in another order than numpy's, so a coefficient lying on the
median may fall the other way (tests/test_pdq_blocks_reproduce_reference.py allows two bits).
"""

from __future__ import annotations

import numpy as np
from numba import njit

Array = np.ndarray

LUMA_RED, LUMA_GREEN, LUMA_BLUE = np.float32(0.299), np.float32(0.587), np.float32(0.114)
PERCENT, LEVELS = np.float32(100), np.float32(255)


@njit(cache=True, nogil=True)
def _filtered(
    pixels: Array, row_index: Array, row_weights: Array, col_index: Array, col_weights: Array
) -> Array:
    """The 64x64 buffer: each output row a weighted sum of a few luma rows, then the same across
    columns. Inner loops run over one contiguous row (numba vectorises those, not 3-d indexing)."""
    height, width = pixels.shape[0], pixels.shape[1]
    flat = pixels.reshape(height, width * 3)
    needed = np.zeros(height, np.bool_)
    for out in range(64):
        for k in range(row_index.shape[1]):
            needed[row_index[out, k]] = True
    luma = np.empty((height, width), np.float32)
    for row in range(height):
        if needed[row]:
            source, target = flat[row], luma[row]
            for column in range(width):
                target[column] = (
                    np.float32(source[3 * column]) * LUMA_RED
                    + np.float32(source[3 * column + 1]) * LUMA_GREEN
                    + np.float32(source[3 * column + 2]) * LUMA_BLUE
                )
    rows_filtered = np.zeros((64, width), np.float32)
    for out in range(64):
        target = rows_filtered[out]
        for k in range(row_index.shape[1]):
            weight, source = row_weights[out, k], luma[row_index[out, k]]
            for column in range(width):
                target[column] += weight * source[column]
    buffer = np.empty((64, 64), np.float32)
    for row in range(64):
        source = rows_filtered[row]
        for out in range(64):
            total = np.float32(0.0)
            for k in range(col_index.shape[1]):
                total += col_weights[out, k] * source[col_index[out, k]]
            buffer[row, out] = total
    return buffer


@njit(cache=True, nogil=True)
def _quality(buffer: Array) -> int:
    """The reference's gradient-sum quality metric (0-100)."""
    total = 0
    for row in range(64):
        for column in range(64):
            if row < 63:
                total += _gradient(buffer[row, column], buffer[row + 1, column])
            if column < 63:
                total += _gradient(buffer[row, column], buffer[row, column + 1])
    return min(100, total // 90)


@njit(cache=True, nogil=True, inline="always")
def _gradient(a: np.float32, b: np.float32) -> int:
    return int(abs(np.trunc((a - b) * PERCENT / LEVELS)))


@njit(cache=True, nogil=True)
def dct_and_quality(
    pixels: Array,
    row_index: Array,
    row_weights: Array,
    col_index: Array,
    col_weights: Array,
    dct_matrix: Array,
) -> tuple[Array, int]:
    """The 16x16 DCT coefficients and the quality of RGB uint8 `pixels`."""
    buffer = _filtered(pixels, row_index, row_weights, col_index, col_weights)
    half = np.zeros((16, 64), np.float32)
    for i in range(16):
        target = half[i]
        for k in range(64):
            coefficient, source = dct_matrix[i, k], buffer[k]
            for j in range(64):
                target[j] += coefficient * source[j]
    dct = np.empty((16, 16), np.float32)
    for i in range(16):
        left = half[i]
        for j in range(16):
            right = dct_matrix[j]
            total = np.float32(0.0)
            for k in range(64):
                total += left[k] * right[k]
            dct[i, j] = total
    return dct, _quality(buffer)


@njit(cache=True, nogil=True)
def above_median(dct: Array) -> Array:
    """16x16: is each coefficient above the median of all 256 (np.median's, in float32)."""
    ordered = np.sort(dct.ravel())
    median = (ordered[127] + ordered[128]) / np.float32(2)
    return dct > median
