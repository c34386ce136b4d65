"""PDQ of a block-averaged picture, with the reference's full-resolution filter reproduced.

Meta's PDQ (and the `pdqhash` binding) blurs the full-resolution luma with two passes of box
filters (window ceil(side / 128) per axis), samples it at 64x64 cell centres, then takes a 16x16
DCT. All of that is linear, so along each axis it is one 64 x side weight matrix. Folding those
weights over k x k blocks gives the same 64x64 buffer from a picture averaged over blocks: what
libjpeg hands out when it scales by 1/k while decoding (JPEG "draft" mode), or what PIL's
`reduce(k)` makes. Decoding a 1-megapixel JPEG at 1/4 is several times cheaper, and the hash stays
within a few bits of pdqhash on the full pixels (bit-identical when k = 1; tested and measured in
bench/RESULTS.md). Hand-written because no library hashes from a DCT-scaled decode.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PIL import Image
from threadpoolctl import threadpool_limits

from takedown.signals.pdq_kernel import above_median, dct_and_quality

# The matrices here are 64 x a few hundred: BLAS threads only add hand-off overhead (measured
# 5x slower with OpenBLAS's default threads), and a server hashes many uploads side by side.
threadpool_limits(limits=1, user_api="blas")

# The reference's DCT rows 1..16 (the DC row is skipped) over 64 samples.
_DCT = (
    np.sqrt(2 / 64) * np.cos(np.pi / 128 * np.outer(np.arange(1, 17), 2 * np.arange(64) + 1))
).astype(np.float32)
_CHECKER = (np.add.outer(np.arange(16), np.arange(16)) % 2).astype(bool)
_ODD = np.arange(16) % 2 == 1


@lru_cache(maxsize=4096)  # region hashes see every side length up to 256
def axis_weights(full: int, scaled: int, block: int) -> np.ndarray:
    """64 x `scaled` weights: box filter twice, sample at cell centres, fold over blocks."""
    window = (full + 127) // 128
    half = (window + 2) // 2
    index = np.arange(full)
    lo = np.maximum(0, index - (window - half))  # the reference's box1DFloat window [lo, hi)
    hi = np.minimum(full, index + half)
    box_row_sums = np.zeros(full + 1, np.float64)
    rows = ((np.arange(64) + 0.5) * full / 64).astype(int)
    weights = np.zeros((64, full), np.float64)
    for out, centre in enumerate(rows):
        # Second pass at `centre` averages first-pass outputs over [lo, hi); each of those
        # averages the input over its own window: accumulate the windows as difference arrays.
        box_row_sums[:] = 0.0
        span = np.arange(lo[centre], hi[centre])
        scale = 1.0 / (len(span) * (hi[span] - lo[span]))
        np.add.at(box_row_sums, lo[span], scale)
        np.add.at(box_row_sums, hi[span], -scale)
        weights[out] = np.cumsum(box_row_sums[:-1])
    if block > 1:
        starts = np.arange(0, full, block)
        weights = np.add.reduceat(weights, starts, axis=1)[:, :scaled]
    return weights.astype(np.float32)


def pdq_dihedral(
    image: Image.Image, full_size: tuple[int, int] | None = None, block: int = 1
) -> tuple[list[np.ndarray], int]:
    """The eight dihedral PDQ bit vectors (pdqhash's order and bit order) and the quality.

    `image` is the picture averaged over `block` x `block` pixels of its `full_size` (W, H).
    """
    full_width, full_height = full_size or image.size
    dct, quality = _dct(np.asarray(image.convert("RGB")), (full_width, full_height), block)
    return _dihedral_bits(dct), quality


def pdq_bits(pixels: np.ndarray, block: int = 1) -> tuple[np.ndarray, int]:
    """PDQ bit vector (pdqhash's bit order) and quality of an RGB uint8 array, no variants.

    `pixels` may be a picture averaged over `block` x `block` pixels (as `pdq_dihedral`).
    """
    height, width = pixels.shape[:2]
    dct, quality = _dct(pixels, (width * block, height * block), block)
    return _bits(dct), quality


@lru_cache(maxsize=4096)
def axis_band(full: int, scaled: int, block: int) -> tuple[np.ndarray, np.ndarray]:
    """`axis_weights` as a band: each of the 64 outputs reads only a window of a few inputs
    (the two box filters), so a dense 64 x `scaled` product multiplies mostly zeros (3-6x
    slower, measured). Returns, per output, the `width` consecutive inputs it reads (64 x width
    indices) and their weights; what lies outside is the cumulative sums' float residue."""
    weights = axis_weights(full, scaled, block)
    read = np.abs(weights) > 1e-9 * np.abs(weights).max(axis=1, keepdims=True)
    first = read.argmax(axis=1)
    last = scaled - 1 - read[:, ::-1].argmax(axis=1)
    width = int((last - first).max()) + 1
    start = np.minimum(first, scaled - width)
    index = start[:, None] + np.arange(width)
    return index, np.ascontiguousarray(np.take_along_axis(weights, index, axis=1))


def _dct(pixels: np.ndarray, full_size: tuple[int, int], block: int) -> tuple[np.ndarray, int]:
    """The reference's 16x16 DCT coefficients and quality of RGB `pixels` (pdq_kernel.py)."""
    row_index, row_weights = axis_band(full_size[1], pixels.shape[0], block)
    col_index, col_weights = axis_band(full_size[0], pixels.shape[1], block)
    dct, quality = dct_and_quality(
        np.ascontiguousarray(pixels[..., :3], dtype=np.uint8),
        row_index,
        row_weights,
        col_index,
        col_weights,
        _DCT,
    )
    return dct, int(quality)


def _dihedral_bits(dct: np.ndarray) -> list[np.ndarray]:
    """Bits of the eight dihedral transforms (the reference's dct16OriginalTo*): sign flips of
    odd rows, odd columns or both, some transposed. A transpose keeps the median, so four
    medians serve all eight."""
    odd_rows, odd_cols = _ODD[:, None], _ODD[None, :]
    same = _above_median(dct)
    cols = _above_median(np.where(odd_cols, dct, -dct))
    rows = _above_median(np.where(odd_rows, dct, -dct))
    both = _above_median(np.where(_CHECKER, -dct, dct))
    # original, rotate 90, rotate 180, rotate 270, flip x, flip y, transpose, transverse
    variants = (same, cols.T, both, rows.T, rows, cols, same.T, both.T)
    return [_as_bit_vector(above) for above in variants]


def _above_median(dct: np.ndarray) -> np.ndarray:
    return above_median(np.ascontiguousarray(dct))


def _as_bit_vector(above: np.ndarray) -> np.ndarray:
    # pdqhash lists the bits from the last coefficient to the first.
    return above.reshape(-1)[::-1]


def _bits(dct: np.ndarray) -> np.ndarray:
    return _as_bit_vector(_above_median(dct))
