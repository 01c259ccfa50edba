"""Fixed-capacity ring buffer of working-rate rows, read back contiguously."""

from __future__ import annotations

import numpy as np

from eccentric.core.chunk import FloatArray


class Ring:
    """Fixed-capacity ring of rows; ``window(k)`` returns the last k rows contiguously
    (the data are written twice, so no copy-on-read wrap handling is needed)."""

    def __init__(self, capacity: int, width: int) -> None:
        self.cap = capacity
        self.buf = np.zeros((2 * capacity, width))
        self.count = 0  # total rows ever written

    def push(self, rows: FloatArray) -> None:
        m, w = rows.shape
        pos = self.count % self.cap
        if pos + m <= self.cap:  # the usual case: a small block that does not wrap
            self.buf[pos:pos + m, :w] = rows
            self.buf[pos + self.cap:pos + self.cap + m, :w] = rows
            self.count += m
            return
        for start in range(0, rows.shape[0], self.cap):
            block = rows[start:start + self.cap]
            m = block.shape[0]
            pos = self.count % self.cap
            first = min(m, self.cap - pos)
            w = block.shape[1]  # may be narrower than the ring: other columns stay stale
            self.buf[pos:pos + first, :w] = block[:first]
            self.buf[pos + self.cap:pos + self.cap + first, :w] = block[:first]
            if first < m:
                rest = m - first
                self.buf[:rest, :w] = block[first:]
                self.buf[self.cap:self.cap + rest, :w] = block[first:]
            self.count += m

    def __len__(self) -> int:
        return min(self.count, self.cap)

    def window(self, k: int) -> FloatArray:
        k = min(k, len(self))
        end = self.count % self.cap + self.cap
        return self.buf[end - k:end]

    def since(self, n_abs: int) -> FloatArray:
        """Rows with absolute index >= n_abs (clipped to what is still held)."""
        return self.window(self.count - max(n_abs, self.count - len(self)))

    def row(self, n_abs: int) -> FloatArray:
        """The row with absolute index ``n_abs`` (< count), or the oldest row still held
        if ``n_abs`` is older."""
        row: FloatArray = self.since(n_abs)[0]
        return row

    def oldest(self) -> int:
        return self.count - len(self)

    def set_column(self, n_from: int, col: int, values: FloatArray) -> None:
        """Overwrite column ``col`` of rows n_from, n_from+1, ... (both copies)."""
        pos = n_from % self.cap
        first = min(len(values), self.cap - pos)
        for off in (0, self.cap):
            self.buf[off + pos: off + pos + first, col] = values[:first]
            self.buf[off: off + len(values) - first, col] = values[first:]
