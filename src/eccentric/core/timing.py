"""Real-world timing: reject duplicate and out-of-order samples, find gaps.

Sits between any source and the orientation stage. Rejected samples are counted, never
silently dropped; gaps (dropped packets) are reported so events can be flagged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from eccentric.core.chunk import ImuChunk

# Readers of any input warn under one name: what was dropped or repaired is news about
# the file, not about this module.
log = logging.getLogger("eccentric.input")


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


@dataclass
class InputStats:
    """What a file reader read and dropped before the stream (TimelineGuard drops later).

    ``rows``: samples (data rows) read; ``dropped``: reason -> samples dropped;
    ``warnings``: one line each, naming the file (and line), also logged.
    """

    rows: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def drop(self, reason: str, n: int) -> None:
        if n:
            self.dropped[reason] = self.dropped.get(reason, 0) + n

    def warn(self, message: str) -> None:
        self.warnings.append(message)
        log.warning("%s", message)


# A file's clock that moves by more than this between neighbours (either way) is
# examined: far more than any sensor period, far less than the 20 s resets seen in logs.
CLOCK_JUMP_S = 1.0


@dataclass(frozen=True, slots=True)
class ClockReset:
    """At ``line`` the clock was set back by ``back_s`` seconds (from where one more
    nominal period would have taken it) and went on from there."""

    line: int
    back_s: float


class TimeColumnRepair:
    """Repairs a file's time column before the stream is built, one block at a time.

    Two faults are told apart from a real gap with one sample of look-ahead (the last
    row of each block is held back until the next block or ``final``):

    * an **outlier**: one sample far (> ``jump_s``) from its predecessor while its
      successor is close to that predecessor again (``t = 1e300`` in one row), or the
      file's last sample when it is that far from its predecessor. It is dropped and
      counted; left in, every later sample would look out of order.
    * a **clock reset**: the clock jumps back by more than ``jump_s`` and carries on
      from there. Later samples are shifted so the time axis continues one nominal
      period after the last sample before the jump; each reset is reported.

    Small steps back (a few samples out of order, duplicates) are left to
    :class:`TimelineGuard`, which drops and counts them. Times are in seconds.
    """

    def __init__(self, nominal_dt_s: float, jump_s: float = CLOCK_JUMP_S) -> None:
        self.nominal_dt_s = nominal_dt_s
        self.jump_s = jump_s
        self.outliers = 0
        self.first_outlier_line: int | None = None
        self.resets: list[ClockReset] = []
        self._prev_t: float | None = None  # last kept time, on the file's own clock
        self._offset = 0.0  # added to the file's clock since the last reset
        self._held: tuple[np.ndarray, np.ndarray] | None = None

    def process(self, rows: np.ndarray, lines: np.ndarray, *, final: bool = False
                ) -> tuple[np.ndarray, np.ndarray]:
        """``rows`` (n, k) with time in column 0, ``lines`` their line numbers; returns
        the kept rows (time repaired) and their line numbers, in order."""
        if self._held is not None:
            rows = np.concatenate([self._held[0], rows])
            lines = np.concatenate([self._held[1], lines])
            self._held = None
        n = len(rows)
        n_out = n if final else max(n - 1, 0)
        if n_out < n:
            self._held = (rows[n_out:].copy(), lines[n_out:].copy())
        if n_out == 0:
            return rows[:0], lines[:0]
        t = rows[:, 0]
        before = np.concatenate(([np.nan if self._prev_t is None else self._prev_t], t[:-1]))
        with np.errstate(invalid="ignore", over="ignore"):
            suspect = np.abs(t - before) > self.jump_s
        keep = np.ones(n_out, dtype=bool)
        shift = np.zeros(n_out)
        prev_t = self._prev_t
        if (prev_t is None and n >= 3 and abs(float(t[1] - t[0])) > self.jump_s
                and abs(float(t[2] - t[1])) <= self.jump_s):
            self._outlier(keep, 0, lines)  # the very first sample is the odd one out
        for i in np.flatnonzero(suspect[:n_out]):
            if i > 0 and keep[i - 1]:
                prev_t = float(t[i - 1])
            if prev_t is None:
                continue
            jump = float(t[i]) - prev_t
            if abs(jump) <= self.jump_s:  # back in step after an outlier
                prev_t = float(t[i])
                continue
            if i + 1 >= n or abs(float(t[i + 1]) - prev_t) <= self.jump_s:
                # Back in step at the next sample, or the very last sample: alone
                # after a jump it measures nothing, and an absurd time would stretch
                # the stream to its end.
                self._outlier(keep, int(i), lines)
                continue
            if jump < -self.jump_s:
                shift[i] = prev_t + self.nominal_dt_s - float(t[i])
                self.resets.append(ClockReset(int(lines[i]), float(shift[i])))
            prev_t = float(t[i])
        out = rows[:n_out][keep].copy()
        out[:, 0] += self._offset + np.cumsum(shift)[keep]
        self._offset += float(shift.sum())
        kept = np.flatnonzero(keep)
        if len(kept):
            self._prev_t = float(t[kept[-1]])
        return out, lines[:n_out][keep]

    def _outlier(self, keep: np.ndarray, i: int, lines: np.ndarray) -> None:
        keep[i] = False
        self.outliers += 1
        if self.first_outlier_line is None:
            self.first_outlier_line = int(lines[i])
