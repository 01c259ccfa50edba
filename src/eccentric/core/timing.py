"""Real-world timing: reject duplicate and out-of-order samples, find gaps.

Sits between any source and the orientation stage. Rejected samples are counted, never
silently dropped; gaps (dropped packets) are reported so events can be flagged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eccentric.core.chunk import ImuChunk


@dataclass(frozen=True, slots=True)
class Gap:
    """Missing data between two received samples (seconds on the stream clock)."""

    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass
class TimingStats:
    samples: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    gaps: int = 0
    gap_s: float = 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {"samples": self.samples, "duplicates": self.duplicates,
                "out_of_order": self.out_of_order, "gaps": self.gaps,
                "gap_s": round(self.gap_s, 3)}


class TimelineGuard:
    """A gap is a spacing above ``gap_factor`` nominal periods (2.5 tolerates BLE jitter)."""

    def __init__(self, rate_hz: float, gap_factor: float = 2.5) -> None:
        self.nominal_dt = 1.0 / rate_hz
        self.gap_threshold_s = gap_factor * self.nominal_dt
        self.stats = TimingStats()
        self._last_t = -np.inf

    def process(self, chunk: ImuChunk) -> tuple[ImuChunk, list[Gap]]:
        t = chunk.t_s
        if len(t) == 0:
            return chunk, []
        prev_max = np.maximum.accumulate(np.concatenate(([self._last_t], t[:-1])))
        keep = t > prev_max
        if not keep.all():
            rejected = ~keep
            dup = int(np.count_nonzero(rejected & (t == prev_max)))
            self.stats.duplicates += dup
            self.stats.out_of_order += int(np.count_nonzero(rejected)) - dup
            chunk = chunk.select(keep)
            t = chunk.t_s
        gaps: list[Gap] = []
        if len(t):
            dts = np.diff(np.concatenate(([self._last_t], t)))
            for i in np.flatnonzero(dts > self.gap_threshold_s):
                if i == 0 and not np.isfinite(self._last_t):
                    continue
                start = float(t[i - 1]) if i > 0 else float(self._last_t)
                gaps.append(Gap(start, float(t[i])))
            self._last_t = float(t[-1])
        self.stats.samples += len(t)
        self.stats.gaps += len(gaps)
        self.stats.gap_s += sum(g.duration_s for g in gaps)
        return chunk, gaps
