"""The online bout detector: rest → bout (strokes, short pauses) → rest.

It runs on block means (``decimate_hz``) of the gyro with its slow bias removed (an
average followed only at rest). Activity is the RMS of that rate over a centred window
of ``smooth_s``, stamped at the window's mean time. Activity above ``on_dps`` opens a
bout; below ``off_dps`` for longer than ``max_pause_s`` closes it. The bout's blocks are
kept (bounded by ``max_bout_s``): on closing, the stroke axis is their principal axis,
strokes are the lobes of the rate along it, and the edges are where the rate first and
last reaches ``edge_fraction`` of its typical peak, corrected by the time a sinusoidal
stroke needs to get there. The gyro alone is used: it does not care how the sensor sits
on the segment or which way the segment points.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from eccentric.core.events import Bout, Hold, Rep
from eccentric.detect.base import MotionFrame, NonRep, RepSpec
from eccentric.detect.bout.settings import BoutSettings
from eccentric.detect.bout.signal import (
    block_means,
    count_lobes,
    count_stops,
    cycle_count,
    first_last_above,
    moving_mean,
    principal_axis,
    sine_lead_s,
)

Output = Rep | NonRep | Hold | Bout
# Rate smoothing (s) before the activity, the edges and the lobes: cuts the gyro's white
# noise by ~√(rate × 0.2 s) (a 100 Hz unit's 1.4 °/s RMS to ~0.3) and tremor (5–12 Hz),
# keeps the fastest strokes and steps (≤ 2.5 Hz).
RATE_SMOOTH_S = 0.2
# Blocks kept before a bout opens (s, beyond the activity window): its true start lies
# in them.
LEAD_S = 1.0


@dataclass(slots=True)
class _Open:
    """The bout being timed: its blocks (time, bias-free rate) since before it began."""

    on_s: float
    t_s: list[float]
    rates: list[tuple[float, float, float]]
    quiet_since: float | None = None
    gap: bool = False
    last_active_s: float = 0.0


@dataclass(slots=True)
class _Window:
    """Centred activity window: blocks (time, squared rate in (°/s)²) and their sum."""

    items: deque[tuple[float, float]]
    total: float = 0.0


class BoutDetector:
    """Streaming detector of bouts (Detector protocol; outputs are Bout/NonRep)."""

    def __init__(self, settings: BoutSettings, spec: RepSpec, rate_hz: float) -> None:
        self.settings = settings
        self.exercise = spec.exercise
        self._k = max(1, round(rate_hz / settings.decimate_hz))
        self._dt = self._k / rate_hz
        self._carry: tuple[np.ndarray, np.ndarray] | None = None
        n = max(1, round(settings.smooth_s / self._dt))
        self._win = _Window(deque(maxlen=n))
        self._raw: deque[tuple[float, tuple[float, float, float]]] = deque(
            maxlen=n + max(1, round(LEAD_S / self._dt)))
        self._bias: tuple[float, float, float] | None = None
        # Raw rates of the last bias_window_s and activities of as long at rest: the gyro
        # bias is the rates' per-axis median and the noise floor the activities' median,
        # so a shift or a lie-down (a few seconds) moves neither.
        n_idle = max(2, round(settings.bias_window_s / self._dt))
        self._idle_g: deque[tuple[float, float, float]] = deque(maxlen=n_idle)
        self._idle_a: deque[float] = deque(maxlen=n_idle)
        self._every = max(1, round(1.0 / self._dt))  # re-estimated once a second
        self._n = 0
        # Recent bias-free rates, for the short smoothing of the activity.
        self._lp: deque[tuple[float, float, float]] = deque(
            maxlen=max(1, round(RATE_SMOOTH_S / self._dt)))
        # Activity at rest (°/s): the device's noise after smoothing, followed slowly.
        self._floor_dps: float | None = None
        self._open: _Open | None = None
        self._last_t: float | None = None

    # --- protocol --------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._open is not None

    @property
    def phase(self) -> str:
        if self._open is None:
            return "rest"
        return "pause" if self._open.quiet_since is not None else "bout"

    def settle(self, t_s: float, still_s: float) -> list[Rep | NonRep]:
        return []  # a pause on the spot is part of the bout until max_pause_s has passed

    def on_recalibrated(self, t_s: float) -> None:
        return None  # the gyro needs no start pose

    def update(self, frame: MotionFrame) -> Sequence[Output]:
        if len(frame) == 0:
            return []
        if frame.gaps and self._open is not None:
            self._open.gap = True
        t_b, g_b, self._carry = block_means(frame.t_s, frame.gyro_rads, self._k, self._carry)
        out: list[Output] = []
        for t, g in zip(t_b.tolist(), g_b.tolist(), strict=True):
            out.extend(self._step(t, (g[0], g[1], g[2])))
        return out

    def finish(self) -> Sequence[Output]:
        if self._open is None or self._last_t is None:
            return []
        end = self._open.quiet_since if self._open.quiet_since is not None else self._last_t
        return self._close(end, self._last_t, flag="stream_end")

    # --- one block ---------------------------------------------------------------------

    def _step(self, t: float, g: tuple[float, float, float]) -> list[Output]:
        s = self.settings
        self._last_t = t
        self._n += 1
        # The bias is learnt in bouts too: strokes and steps turn as far each way, so
        # their median rate is zero, and the pipeline's own bias estimate may step at
        # any time (its rates come bias-corrected).
        self._idle_g.append(g)
        if self._bias is None or self._n % self._every == 0:
            med = np.median(np.asarray(self._idle_g), axis=0)
            self._bias = (float(med[0]), float(med[1]), float(med[2]))
        b = self._bias
        assert b is not None
        hp = (g[0] - b[0], g[1] - b[1], g[2] - b[2])
        self._raw.append((t, hp))
        if self._open is not None:
            self._open.t_s.append(t)
            self._open.rates.append(hp)
        self._lp.append(hp)
        m = len(self._lp)
        lx = sum(v[0] for v in self._lp) / m
        ly = sum(v[1] for v in self._lp) / m
        lz = sum(v[2] for v in self._lp) / m
        w = self._win
        if len(w.items) == w.items.maxlen:
            w.total -= w.items[0][1]
        sq = math.degrees(1.0) ** 2 * (lx * lx + ly * ly + lz * lz)
        w.items.append((t, sq))
        w.total += sq
        if len(w.items) < (w.items.maxlen or 1):
            return []
        centre = (w.items[0][0] + w.items[-1][0]) / 2.0
        activity = math.sqrt(max(w.total, 0.0) / len(w.items))
        bout = self._open
        if bout is None:
            self._idle_a.append(activity)
            if self._floor_dps is None or self._n % self._every == 0:
                self._floor_dps = float(np.median(np.asarray(self._idle_a)))
        floor = self._floor_dps if self._floor_dps is not None else 0.0
        # Thresholds sit well above the noise floor of the unit at hand.
        on, off = max(s.on_dps, 3.0 * floor), max(s.off_dps, 2.0 * floor)
        if bout is None:
            if activity > on:
                self._open = _Open(centre, [x[0] for x in self._raw],
                                   [x[1] for x in self._raw], last_active_s=centre)
            return []
        if activity >= off:
            if bout.quiet_since is not None:
                bout.quiet_since = None
            bout.last_active_s = centre
        elif bout.quiet_since is None:
            bout.quiet_since = centre
        if bout.quiet_since is not None and centre - bout.quiet_since > s.max_pause_s:
            return self._close(bout.quiet_since, t)
        if t - bout.on_s > s.max_bout_s:
            return self._close(centre, t, flag="max_bout")
        return []

    def _close(self, coarse_end_s: float, decided_s: float, flag: str | None = None
               ) -> list[Output]:
        s = self.settings
        bout = self._open
        assert bout is not None
        self._open = None
        t = np.asarray(bout.t_s)
        rates = np.asarray(bout.rates)
        # The motion ended inside the activity window before its quiet centre.
        keep = t <= coarse_end_s + 0.5
        t, rates = t[keep], rates[keep]
        if len(t) < 4:
            return []
        rates = np.stack([moving_mean(rates[:, i], max(1, round(RATE_SMOOTH_S / self._dt)))
                          for i in range(3)], axis=1)
        reach = np.linalg.norm(rates, axis=1)
        # Typical stroke peak: the 75th percentile (|sin| there is 0.92), not swayed by a
        # stop or one bigger move inside the bout.
        peak = float(np.percentile(reach, 75))
        # Never below 3× the noise floor: a short move in a quiet stretch has a low
        # typical peak, and noise would stretch its edges and count as strokes.
        noise = 3.0 * math.radians(self._floor_dps or 0.0)
        level = max(s.edge_fraction * peak, noise)
        edges = first_last_above(reach, level)
        if edges is None:
            return []
        i0, i1 = edges
        p = rates[i0:i1 + 1] @ principal_axis(rates[i0:i1 + 1])
        if s.detrend_s is not None:
            p = p - moving_mean(p, max(1, round(s.detrend_s / self._dt)))
        thr = max(s.lobe_fraction * float(np.percentile(np.abs(p), 75)), noise)
        cycles = cycle_count(p, thr)
        _, starts = count_lobes(p if np.sum(p > thr) >= np.sum(-p > thr) else -p, thr)
        if len(starts) >= 2:
            freq = 1.0 / float(np.median(np.diff(t[i0:i1 + 1][starts])))
        else:
            freq = cycles / max(float(t[i1] - t[i0]), self._dt)
        lead = sine_lead_s(level / peak if peak > 0 else 0.0, freq)
        start, end = float(t[i0]) - lead, float(t[i1]) + lead
        units = cycles / s.cycles_per_unit
        count = round(units)
        duration = end - start
        if duration < s.min_bout_s or cycles < s.min_cycles:
            # No angle to report: the bout kind works on rates alone.
            return [NonRep("short_bout", start, end, 0.0, decided_s=decided_s)]
        flags = [f for f in (flag, "gap" if bout.gap else None) if f]
        stops = count_stops(reach[i0:i1 + 1] < level, round(s.min_stop_s / self._dt))
        return [Bout(self.exercise, start, end, count, count / duration * s.rate_scale,
                     stops, count_field=s.count_field, rate_field=s.rate_field,
                     flags=flags, decided_s=decided_s)]


__all__ = ["BoutDetector"]
