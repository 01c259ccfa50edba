"""A growing set of named motion channels on a uniform grid (the session's storyboard).

Channels are body-pose variables (angles in rad, positions in m). Every piece appended
continues from the current values, so the whole session is continuous; moves are
minimum-jerk, so velocities are continuous too.
"""

from __future__ import annotations

import numpy as np

from eccentric.core.chunk import FloatArray
from eccentric.sim.primitives import min_jerk


class Track:
    """Append-only channels sampled every ``dt_s``; indices are grid sample numbers."""

    def __init__(self, dt_s: float, start: dict[str, float]) -> None:
        self.dt_s = dt_s
        self._cur = dict(start)
        self._parts: dict[str, list[FloatArray]] = {k: [] for k in start}
        self.n = 0

    @property
    def t_s(self) -> float:
        return self.n * self.dt_s

    def value(self, channel: str) -> float:
        return self._cur[channel]

    def append(self, arrays: dict[str, FloatArray]) -> tuple[int, int]:
        """Add equally long arrays for some channels; the others hold. Returns [i0, i1)."""
        lengths = {len(a) for a in arrays.values()}
        if len(lengths) != 1:
            raise ValueError(f"channel pieces differ in length: {sorted(lengths)}")
        n = lengths.pop()
        for k in self._parts:
            arr = arrays.get(k)
            if arr is None:
                arr = np.full(n, self._cur[k])
            self._parts[k].append(np.asarray(arr, dtype=np.float64))
            if n:
                self._cur[k] = float(arr[-1])
        i0 = self.n
        self.n += n
        return i0, self.n

    def hold(self, duration_s: float) -> tuple[int, int]:
        n = max(round(duration_s / self.dt_s), 0)
        return self.append({k: np.full(n, v) for k, v in self._cur.items()})

    def move(self, targets: dict[str, float], duration_s: float) -> tuple[int, int]:
        """Minimum-jerk move of the named channels to ``targets`` over ``duration_s``."""
        n = max(round(duration_s / self.dt_s), 1)
        s = min_jerk(np.arange(1, n + 1) / n)
        return self.append({k: self._cur[k] + (v - self._cur[k]) * s for k, v in targets.items()})

    def replace(self, channel: str, values: FloatArray) -> None:
        """Set a whole channel after the fact (one that depends on the full storyboard,
        e.g. a pendulum swing re-excited by later reps); ``values`` covers every sample."""
        if len(values) != self.n:
            raise ValueError(f"{channel}: {len(values)} values for {self.n} samples")
        self._parts[channel] = [np.asarray(values, dtype=np.float64)]
        self._cur[channel] = float(values[-1]) if self.n else self._cur[channel]

    def finish(self) -> dict[str, FloatArray]:
        return {k: np.concatenate(p) if p else np.zeros(0) for k, p in self._parts.items()}
