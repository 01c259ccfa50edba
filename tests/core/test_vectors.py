"""The row-wise vector helpers must give numpy's results bit for bit: the pipeline's
output is compared byte for byte across versions."""

from __future__ import annotations

import numpy as np
import pytest

from eccentric.attitude.vectors import cross_rows, row_norms


@pytest.mark.parametrize("n", [1, 2, 3, 7, 64, 500, 1175, 4097])
def test_same_bits_as_numpy(n: int) -> None:
    rng = np.random.default_rng(n)
    for scale in (1e-3, 1.0, 9.80665, 2e3):
        a = rng.normal(size=(n, 3)) * scale
        b = rng.normal(size=(n, 3))
        a[::5, 1] = 0.0
        b[::7, 2] = -0.0
        assert cross_rows(a, b).tobytes() == np.cross(a, b).tobytes()
        assert cross_rows(a, b).flags.c_contiguous
        assert row_norms(a).tobytes() == np.linalg.norm(a, axis=1, keepdims=True).tobytes()
