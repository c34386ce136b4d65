"""Small-angle rotation tolerance: uploads are hashed again at a few de-rotations.

PDQ itself tolerates about two degrees; hashing the upload turned back by each angle in
QUERY_ANGLES covers copies turned by up to about ten degrees either way. Only uploads pay this
cost, and the index stays exact (each de-rotated hash is an ordinary range query).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

QUERY_ANGLES = (-8.0, -4.0, -2.0, 2.0, 4.0, 8.0)


def derotate(pixels: np.ndarray, degrees: float) -> np.ndarray:
    """`pixels` turned by `degrees` (anticlockwise), the new corners filled with the old corners'
    colour so that border trimming removes them again."""
    corners = np.concatenate(
        [
            pixels[rows, cols].reshape(-1, 3)
            for rows in (slice(0, 2), slice(-2, None))
            for cols in (slice(0, 2), slice(-2, None))
        ]
    )
    fill = tuple(int(v) for v in np.median(corners, axis=0))
    # The frame keeps its size: a copy turned inside its frame lines up with the original again,
    # and one turned on a grown canvas keeps the original inside a trimmable uniform margin.
    turned = Image.fromarray(pixels).rotate(
        degrees, resample=Image.BILINEAR, expand=False, fillcolor=fill
    )
    return np.asarray(turned, dtype=np.uint8)
