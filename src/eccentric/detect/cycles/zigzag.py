"""Hysteresis turning-point tracking of the dominant component: ``Turn`` and ``ZigZag``."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from eccentric.core.chunk import FloatArray


@dataclass(slots=True)
class Turn:
    """A confirmed turning point of the dominant component: ``kind`` +1 max, -1 min;
    ``value`` is the detrended component; ``raw`` the undetrended feature vector there
    (compared between turns on one axis, so an axis update cannot fake a swing); ``n``
    is the absolute working-rate sample index."""

    t_s: float
    value: float
    kind: int
    n: int
    raw: FloatArray


_NO_RAW = np.zeros(3)


class ZigZag:
    """Hysteresis turning-point tracker, fed block by block (per-sample loop on the
    decimated signal only).

    A maximum is confirmed when the signal has fallen ``delta`` below it (and a minimum
    symmetrically), or when the signal has stayed within ``delta/4`` of it for
    ``plateau_s`` (a pause). The very first turning point is the starting level itself
    once the signal has moved ``delta`` away from it.
    """

    def __init__(self) -> None:
        self.mode = 0  # 0: no turn yet, +1: seeking a max, -1: seeking a min
        self.hi = (math.inf, -math.inf, 0)  # (t, value, n) of the running max
        self.lo = (math.inf, math.inf, 0)
        self.progress_t = math.inf  # last time the running extreme moved by delta/4
        self.progress_v = 0.0
        self.last: Turn | None = None

    @property
    def candidate(self) -> tuple[float, float, int] | None:
        """The running extreme being sought (t, value, n), or None before the first turn."""
        if self.mode == 1:
            return self.hi
        if self.mode == -1:
            return self.lo
        return None

    def feed(self, t: FloatArray, v: FloatArray, n0: int, delta: float,
             plateau_s: float) -> list[Turn]:
        out: list[Turn] = []
        hi_t, hi_v, hi_n = self.hi
        lo_t, lo_v, lo_n = self.lo
        mode = self.mode
        prog_t, prog_v = self.progress_t, self.progress_v
        tol = 0.25 * delta
        # Plain floats: iterating numpy scalars would cost several times more.
        for i, (ti, x) in enumerate(zip(t.tolist(), v.tolist(), strict=True)):
            if mode == 0:
                if x > hi_v:
                    hi_t, hi_v, hi_n = ti, x, n0 + i
                if x < lo_v:
                    lo_t, lo_v, lo_n = ti, x, n0 + i
                if hi_v - lo_v >= delta:
                    if lo_n < hi_n:
                        turn = Turn(lo_t, lo_v, -1, lo_n, _NO_RAW)
                        mode = 1
                    else:
                        turn = Turn(hi_t, hi_v, 1, hi_n, _NO_RAW)
                        mode = -1
                    out.append(turn)
                    prog_t, prog_v = ti, x
                    lo_t, lo_v, lo_n = ti, x, n0 + i
                    hi_t, hi_v, hi_n = ti, x, n0 + i
                continue
            if mode == 1:
                if x > hi_v:
                    hi_t, hi_v, hi_n = ti, x, n0 + i
                    if x - prog_v > tol:
                        prog_t, prog_v = ti, x
                confirm = hi_v - x >= delta or (
                    ti - prog_t >= plateau_s and self._swing_ok(hi_v, delta, out))
                if confirm:
                    out.append(Turn(hi_t, hi_v, 1, hi_n, _NO_RAW))
                    mode = -1
                    lo_t, lo_v, lo_n = ti, x, n0 + i
                    prog_t, prog_v = ti, x
            else:
                if x < lo_v:
                    lo_t, lo_v, lo_n = ti, x, n0 + i
                    if prog_v - x > tol:
                        prog_t, prog_v = ti, x
                confirm = x - lo_v >= delta or (
                    ti - prog_t >= plateau_s and self._swing_ok(lo_v, delta, out))
                if confirm:
                    out.append(Turn(lo_t, lo_v, -1, lo_n, _NO_RAW))
                    mode = 1
                    hi_t, hi_v, hi_n = ti, x, n0 + i
                    prog_t, prog_v = ti, x
        self.mode = mode
        self.hi = (hi_t, hi_v, hi_n)
        self.lo = (lo_t, lo_v, lo_n)
        self.progress_t, self.progress_v = prog_t, prog_v
        if out:
            self.last = out[-1]
        return out

    def _swing_ok(self, value: float, delta: float, pending: list[Turn]) -> bool:
        last = pending[-1] if pending else self.last
        return last is not None and abs(value - last.value) >= delta

    def flush(self, delta: float) -> Turn | None:
        """End of a bout: the running extreme counts if it is a full swing away."""
        cand = self.candidate
        if cand is None or self.last is None:
            return None
        t, v, n = cand
        if abs(v - self.last.value) < delta:
            return None
        turn = Turn(t, v, self.mode, n, _NO_RAW)
        self.last = turn
        return turn
