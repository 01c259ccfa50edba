"""Rep decisions and construction from turning points: has the return arrived, did the
limb really swing, and the ``Rep`` itself (boundaries, far point, phases, range)."""

from __future__ import annotations

import numpy as np

from eccentric.core.events import Phase, Rep
from eccentric.core.units import DEG_PER_RAD
from eccentric.detect.cycles.bout import Bout
from eccentric.detect.cycles.features import (
    ACCELERATION,
    DETRENDED,
    SIGNAL_NAMES,
    band_columns,
    plain_columns,
)
from eccentric.detect.cycles.ring import Ring
from eccentric.detect.cycles.settings import CycleSettings
from eccentric.detect.cycles.zigzag import Turn


class RepMaker:
    """Judges and builds reps on the rows held in ``ring``.

    ``gaps`` is the counter's list of recent gaps (start_s, end_s), shared, not copied:
    the counter records them, reps that overlap one are flagged.
    """

    def __init__(self, ring: Ring, settings: CycleSettings, exercise: str,
                 gaps: list[tuple[float, float]]) -> None:
        self._ring = ring
        self._zone = settings.zone_fraction
        self._arrive = settings.arrive_fraction
        self._stop = settings.stop_fraction
        self._raw_fraction = settings.raw_fraction
        self.exercise = exercise
        self._gaps = gaps

    def returned(self, bout: Bout, rest: Turn, far: Turn) -> float | None:
        """Time (s) the return from ``far`` arrived, or None if it has not yet.

        Judged on the undetrended feature (the plain gyro integral or the accelerometer
        on the bout's axis), which shows the limb's own path: a trailing detrend moves
        within a rep whose size differs from the one before. The return has arrived when
        it is back within zone_fraction of the swing from ``rest`` (or beyond), or when it
        is arrive_fraction of the way back and its speed has fallen to stop_fraction of
        its peak (a return that ends short of the previous rest level).
        """
        rows = self._ring.since(far.n)
        axis = bout.axis
        far_v = float(far.raw @ axis)
        swing = abs(far_v - float(rest.raw @ axis))
        if len(rows) < 2 or swing <= 0.0:
            return None
        raw_cols = plain_columns(bout.signal)
        back = (rows[:, raw_cols] @ axis - far_v) * (-far.kind)  # distance returned
        speed = np.diff(back)
        peak = np.maximum.accumulate(speed)
        done = (back[1:] >= (1.0 - self._zone) * swing) | (
            (back[1:] >= self._arrive * swing) & (speed <= self._stop * peak))
        hit = np.flatnonzero(done)
        return float(rows[hit[0] + 1, 0]) if hit.size else None

    def moved(self, bout: Bout, rest_a: Turn, far: Turn, rest_b: Turn | None,
              delta: float) -> bool:
        """Did the limb itself swing, not only the detrended component?

        The larger of the out and back swings of the undetrended feature (on the current
        axis) must reach raw_fraction of the hysteresis ``delta``. This rejects partial reps that
        detrending next to full ones enlarges, and the half swing the detrending mean
        draws when a set stops and it settles to the rest pose.
        """
        axis = bout.axis
        swing = abs(float((far.raw - rest_a.raw) @ axis))
        if rest_b is not None:
            swing = max(swing, abs(float((far.raw - rest_b.raw) @ axis)))
        return swing >= self._raw_fraction * delta


    def make(self, bout: Bout, rest_a: Turn, far: Turn, rest_b: Turn | None, *,
             end_s: float | None = None) -> Rep:
        """A rep from its turning points; ``end_s`` when it was decided on its return
        into the rest zone, before the next rest turn was known."""
        flags: list[str] = []
        if rest_a.n < self._ring.oldest():
            flags.append("start_outside_window")
        rows = self._ring.since(rest_a.n)
        base = self._ring.count - len(rows)
        t = rows[:, 0]
        s = rows[:, DETRENDED]
        i_far = min(max(far.n - base, 0), len(rows) - 1)
        # Leave the rest zone: last sample before the far turn within 10 % of the swing.
        thr_a = self._zone * abs(far.value - rest_a.value)
        near_a = np.flatnonzero(np.abs(s[: i_far + 1] - rest_a.value) <= thr_a)
        start_s = float(t[near_a[-1]]) if near_a.size else float(t[0])
        if rest_b is not None:
            i_b = min(max(rest_b.n - base, i_far), len(rows) - 1)
            thr_b = self._zone * abs(far.value - rest_b.value)
            near_b = np.flatnonzero(np.abs(s[i_far: i_b + 1] - rest_b.value) <= thr_b)
            end_s = float(t[i_far + near_b[0]]) if near_b.size else rest_b.t_s
            seg_end = i_b
        elif end_s is not None:
            seg_end = min(int(np.searchsorted(t, end_s)), len(rows) - 1)
        else:
            flags.append("return_not_seen")  # the stream or bout ended first
            end_s = float(t[-1])
            seg_end = len(rows) - 1
        # The far point is the extreme of the band-passed component itself between the
        # rep's ends: a trailing detrend that changes within the rep (a rep larger or
        # slower than the one before) shifts the detrended turn off the true extreme.
        i_a = int(np.searchsorted(t, start_s))
        cols = band_columns(bout.signal)
        comp = (rows[i_a: seg_end + 1, cols] @ bout.axis) * far.kind
        far_s = float(t[i_a + int(np.argmax(comp))]) if comp.size else far.t_s
        rot = rows[: seg_end + 1, 1:4] @ bout.rot_axis
        rom_deg = float(np.ptp(rot)) * DEG_PER_RAD if rot.size else 0.0
        if any(g0 < end_s and g1 > start_s for g0, g1 in self._gaps):
            flags.append("gap")
        if bout.signal == ACCELERATION:
            flags.append("acceleration_signal")
        return Rep(
            exercise=self.exercise,
            start_s=start_s,
            end_s=end_s,
            eccentric_s=max(end_s - far_s, 0.0),
            concentric_s=max(far_s - start_s, 0.0),
            phases=[Phase("out", start_s, far_s), Phase("back", far_s, end_s)],
            rom_deg=rom_deg,
            flags=flags,
            diagnostics={"cycle_s": round(end_s - start_s, 3),
                         "period_s": round(bout.period_s, 3),
                         "signal": SIGNAL_NAMES[bout.signal]},
        )
