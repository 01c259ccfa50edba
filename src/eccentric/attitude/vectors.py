"""Row-wise 3-vector arithmetic for the per-chunk hot path.

Bit for bit what ``np.cross`` and ``np.linalg.norm(x, axis=1, keepdims=True)`` give
(tests/core/test_vectors.py checks it), for less: on a chunk of a few hundred samples
their general argument handling, and numpy's reduction loop per row of three, cost
more than the arithmetic, and these run several times per chunk.
"""

from __future__ import annotations

import numpy as np

from eccentric.core.chunk import FloatArray


def cross_rows(a: FloatArray, b: FloatArray) -> FloatArray:
    """Row-wise cross product of two (n, 3) arrays: a[i] × b[i]."""
    ax, ay, az = a[:, 0], a[:, 1], a[:, 2]
    bx, by, bz = b[:, 0], b[:, 1], b[:, 2]
    # Written into one row-major array: later products (``@``, einsum) may sum in
    # another order on another memory layout.
    out: FloatArray = np.empty(a.shape)
    np.subtract(ay * bz, az * by, out=out[:, 0])
    np.subtract(az * bx, ax * bz, out=out[:, 1])
    np.subtract(ax * by, ay * bx, out=out[:, 2])
    return out


def row_norms(x: FloatArray) -> FloatArray:
    """Euclidean norm of each row of an (n, 3) array, as an (n, 1) column."""
    sq = x * x
    # np.linalg.norm sums the squares with a reduction along the rows, which adds them
    # in order, (x² + y²) + z² (tests/core/test_vectors.py checks it), but runs a
    # separate short loop per row; three column additions cost a fraction.
    out: FloatArray = np.sqrt(sq[:, 0] + sq[:, 1] + sq[:, 2])[:, None]
    return out
