"""Small-angle rotation tolerance: uploads are hashed again at a few de-rotations.

PDQ itself tolerates about two degrees; hashing the upload turned back by each angle in
QUERY_ANGLES covers copies turned by up to about ten degrees either way. Only uploads pay this
cost, and the index stays exact (each de-rotated hash is an ordinary range query).
"""

from __future__ import annotations

import cv2
import numpy as np

# A 256-px picture turns in well under a millisecond on one thread; OpenCV's own thread pool would
# only contend with the server's request threads.
cv2.setNumThreads(1)

QUERY_ANGLES = (-8.0, -4.0, -2.0, 2.0, 4.0, 8.0)


def derotate(pixels: np.ndarray, degrees: float) -> np.ndarray:
    """`pixels` (RGB uint8) turned by `degrees` (anticlockwise) about its centre, the new corners
    filled with the old corners' colour so that border trimming removes them again."""
    corners = np.concatenate(
        [
            pixels[rows, cols].reshape(-1, 3)
            for rows in (slice(0, 2), slice(-2, None))
            for cols in (slice(0, 2), slice(-2, None))
        ]
    )
    ordered = np.sort(corners, axis=0).astype(np.int64)  # np.median's answer, truncated
    middle = len(ordered) // 2
    fill = tuple(((ordered[middle - 1] + ordered[middle]) // 2).tolist())
    height, width = pixels.shape[:2]
    # The frame keeps its size: a copy turned inside its frame lines up with the original again,
    # and one turned on a grown canvas keeps the original inside a trimmable uniform margin.
    # (OpenCV's warpAffine: bilinear like Pillow's rotate, about 4x faster; measured.)
    turn = cv2.getRotationMatrix2D(((width - 1) / 2, (height - 1) / 2), degrees, 1.0)
    return cv2.warpAffine(
        np.ascontiguousarray(pixels),
        turn,
        (width, height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=fill,
    )
