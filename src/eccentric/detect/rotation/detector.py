"""Streaming detector for rotations about the vertical axis (band rotations).

The yaw rate is the bias-corrected gyro projected on the gravity direction (both in the
sensor frame, so how the sensor sits on the trunk does not matter, and its sign says
which way the trunk turned: positive is anticlockwise seen from above, a turn to the
left). Integrated, it gives the heading, which drifts with any gyro offset left: the
heading is re-zeroed wherever the yaw rate stays quiet between reps, so each rep is
measured from the facing pose just before it. A small state machine on that relative
heading decides that a rep happened (idle → out → returning → decided); its buffered
samples are then segmented by the boundary convention (a movement starts or ends where
the yaw rate crosses max(3 °/s, 5 % of its peak)). State is bounded by LOOKBACK_S plus
``max_rep_s``.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Literal

import numpy as np
from scipy.signal import lfilter

from eccentric.core.chunk import FloatArray
from eccentric.core.events import Phase, Rep
from eccentric.detect.base import MotionFrame, NonRep, RepSpec
from eccentric.detect.rotation.settings import RotationSettings

State = Literal["idle", "out", "returning"]
# How far before the onset trigger a rep's start may lie (s).
LOOKBACK_S = 4.0
# Rate smoothing before the boundary search (s): tremor and sway out, turns kept.
SMOOTH_S = 0.1
# Across a data gap up to this long the heading is carried on with the mean of the
# rates on either side (s); across a longer one it is unknown and not integrated.
MAX_STEP_S = 1.0


def yaw_rate_dps(gyro_rads: FloatArray, gravity: FloatArray) -> FloatArray:
    """Angular rate about the vertical (°/s, + = anticlockwise from above)."""
    g = gravity / np.maximum(np.linalg.norm(gravity, axis=1, keepdims=True), 1e-9)
    out: FloatArray = np.degrees(np.einsum("ij,ij->i", gyro_rads, g))
    return out


def accel_gravity(acc_mps2: FloatArray, rate_hz: float, tau_s: float, state: FloatArray | None,
                  gate_g: tuple[float, float]) -> tuple[FloatArray, FloatArray | None]:
    """Gravity direction in the sensor frame as the accelerometer's low-pass (first
    order, time constant ``tau_s``), and the filter state to carry on. Samples whose
    magnitude is outside ``gate_g`` (g; a zero first packet, a knock) are replaced by the
    estimate so far; before any plausible sample the state is None and rows are NaN."""
    norm_g = np.linalg.norm(acc_mps2, axis=1) / 9.80665
    ok = (norm_g > gate_g[0]) & (norm_g < gate_g[1])
    out = np.full(acc_mps2.shape, np.nan)
    if state is None:
        first = np.flatnonzero(ok)
        if first.size == 0:
            return out, None
        state = acc_mps2[int(first[0])].copy()
    # Rejected rows take the last accepted one (or the state), so they hold the filter.
    idx = np.maximum.accumulate(np.where(ok, np.arange(len(ok)), -1))
    x = np.where((idx >= 0)[:, None], acc_mps2[np.maximum(idx, 0)], state)
    a = 1.0 - np.exp(-1.0 / (tau_s * rate_hz))
    y, _ = lfilter([a], [1.0, a - 1.0], x, axis=0, zi=((1.0 - a) * state)[None, :])
    out = np.asarray(y, dtype=np.float64)
    return out, out[-1].copy()


def _smooth(x: FloatArray, n: int) -> FloatArray:
    if n <= 1 or len(x) < n:
        return x.copy()
    pad = np.concatenate((x[:1].repeat(n // 2), x, x[-1:].repeat(n - 1 - n // 2)))
    out: FloatArray = np.convolve(pad, np.ones(n) / n, mode="valid")
    return out


def _walk(x: FloatArray, frm: int, to: int, thr: float) -> int:
    """From ``frm`` towards ``to`` while x ≥ thr: the last index of that run."""
    step = 1 if to >= frm else -1
    seg = x[frm:to + 1] if step > 0 else x[to:frm + 1][::-1]
    below = np.flatnonzero(seg < thr)
    k = len(seg) - 1 if below.size == 0 else max(int(below[0]) - 1, 0)
    return frm + step * k


class RotationDetector:
    def __init__(self, settings: RotationSettings, spec: RepSpec, rate_hz: float) -> None:
        self.settings = settings
        self.spec = spec
        self.exercise = spec.exercise
        self.rate_hz = rate_hz
        self._t: FloatArray = np.zeros(0)
        self._yaw: FloatArray = np.zeros(0)  # integrated heading (deg, drifting)
        self._rate: FloatArray = np.zeros(0)
        self._still = np.zeros(0, dtype=bool)
        self._heading = 0.0
        self._prev_rate = 0.0
        self._last_t: float | None = None
        self._zero = 0.0  # heading of the facing pose (deg)
        self._state: State = "idle"
        self._sign = 1.0
        self._peak = 0.0
        self._back_peak = 0.0
        self._trigger_t = 0.0
        self._prev_end_t = -np.inf
        self._still_since: float | None = None
        self._g_state: FloatArray | None = None
        # Index of the first sample after a long gap that the current attempt spans.
        self._gap_i: int | None = None

    @property
    def busy(self) -> bool:
        return self._state != "idle"

    @property
    def phase(self) -> str:
        if self._state == "idle":
            return "idle"
        return self.spec.phases.out if self._state == "out" else self.spec.phases.back

    def on_recalibrated(self, t_s: float) -> None:
        """The tilt start pose does not enter the heading: nothing to do."""

    def settle(self, t_s: float, still_s: float) -> list[Rep | NonRep]:
        if not self.busy or still_s < self.settings.max_still_in_rep_s:
            return []
        return [self._give_up(len(self._t) - 1, "repositioned")]

    def update(self, frame: MotionFrame) -> list[Rep | NonRep]:
        if len(frame) == 0:
            return []
        p = self.settings
        gravity, self._g_state = accel_gravity(frame.acc_mps2, self.rate_hz, p.gravity_tau_s,
                                               self._g_state, p.gravity_gate_g)
        # Before the first plausible accelerometer sample: the attitude filter's.
        gravity = np.where(np.isnan(gravity), frame.gravity, gravity)
        rate = yaw_rate_dps(frame.gyro_rads, gravity)
        t = frame.t_s
        prev = self._last_t if self._last_t is not None else float(t[0])
        dt = np.diff(np.concatenate(([prev], t)))
        long_gap = dt > MAX_STEP_S
        dt = np.where(long_gap, 0.0, dt)
        # Trapezoids: a packet lost mid-turn is bridged by the rates around it.
        before = np.concatenate(([self._prev_rate], rate[:-1]))
        heading = self._heading + np.cumsum(0.5 * (rate + before) * dt)
        self._heading, self._last_t = float(heading[-1]), float(t[-1])
        self._prev_rate = float(rate[-1])
        out: list[Rep | NonRep] = []
        # A gap too long to bridge hides part of the turn. An attempt that had turned a
        # rep's worth before it is judged from what follows (see _scan); a smaller one
        # is lost.
        cuts = sorted({0, *np.flatnonzero(long_gap).tolist(), len(t)})
        for a, b in pairwise(cuts):
            if long_gap[a] and self.busy and len(self._t):
                if self._peak >= self.settings.min_rom_deg and self._gap_i is None:
                    self._gap_i = len(self._t)
                else:
                    out.append(self._give_up(len(self._t) - 1, "gap"))
            first = len(self._t)
            self._t = np.concatenate((self._t, t[a:b]))
            self._yaw = np.concatenate((self._yaw, heading[a:b]))
            self._rate = np.concatenate((self._rate, rate[a:b]))
            self._still = np.concatenate((self._still, frame.still[a:b]))
            out.extend(self._scan(first))
        self._trim()
        return out

    def finish(self) -> list[Rep | NonRep]:
        if self._state == "returning" and len(self._t):
            return self._decide(len(self._t) - 1)
        return []

    # -- online state machine --------------------------------------------------------

    def _scan(self, i: int) -> list[Rep | NonRep]:
        p = self.settings
        t, yaw, rate = self._t, self._yaw, self._rate
        n = len(t)
        out: list[Rep | NonRep] = []
        while i < n:
            if self._state == "idle":
                # The facing pose follows the heading wherever the turn rate is quiet.
                quiet = np.abs(rate[i:]) < p.quiet_dps
                idx = np.where(quiet, np.arange(i, n), -1)
                last_q = np.maximum.accumulate(idx)
                zero = np.where(last_q >= 0, yaw[np.maximum(last_q, 0)], self._zero)
                rel = yaw[i:] - zero
                hits = (np.abs(rel) > p.onset_deg).nonzero()[0]
                if hits.size == 0:
                    self._zero = float(zero[-1])
                    return out
                k = i + int(hits[0])
                self._zero = float(zero[k - i])
                self._sign = 1.0 if rel[k - i] > 0 else -1.0
                self._state = "out"
                self._trigger_t = float(t[k])
                self._peak = abs(float(rel[k - i]))
                self._still_since = None
                i = k
                continue
            rel = self._sign * (yaw[i:] - self._zero)
            if self._state == "out" and self._gap_i is not None:
                resume = self._gap_ended_at(i)
                if resume is not None:
                    out.extend(self._decide_across_gap())
                    i = resume
                    continue
            if self._state == "out":
                run_peak = np.maximum.accumulate(np.maximum(rel, self._peak))
                back = (rel < np.maximum(0.5 * p.onset_deg, p.return_fraction * run_peak)
                        ).nonzero()[0]
                over = (rel > p.max_angle_deg).nonzero()[0]
                if over.size and (back.size == 0 or over[0] < back[0]):
                    self._peak = float(run_peak[over[0]])
                    out.append(self._give_up(i + int(over[0]), "out_of_range"))
                    i += int(over[0]) + 1
                    continue
                if back.size == 0:
                    self._peak = float(run_peak[-1])
                    if float(t[-1]) - self._trigger_t > p.max_rep_s:
                        out.append(self._give_up(n - 1, "timeout"))
                    return out
                k = i + int(back[0])
                self._peak = float(run_peak[back[0]])
                self._back_peak = float((-self._sign * rate[i:k + 1]).max(initial=0.0))
                self._state = "returning"
                i = k
                continue
            # returning: the rep ends where the return speed fades (over the last
            # SMOOTH_S, so noise on a slow tail does not end it early)
            w = max(1, round(SMOOTH_S * self.rate_hz))
            lo = max(i - w + 1, 0)
            c = np.cumsum(np.concatenate(([0.0], -self._sign * rate[lo:])))
            k0 = np.arange(i - lo, n - lo)
            back_rate = (c[k0 + 1] - c[np.maximum(k0 + 1 - w, 0)]) / np.minimum(k0 + 1, w)
            vb = np.maximum.accumulate(np.maximum(back_rate, self._back_peak))
            thr = np.maximum(p.boundary_min_dps, p.boundary_peak_fraction * vb)
            hits = (back_rate < thr).nonzero()[0]
            if hits.size == 0:
                self._back_peak = float(vb[-1])
                if float(t[-1]) - self._trigger_t > p.max_rep_s:
                    out.append(self._give_up(n - 1, "timeout"))
                return out
            end_i = i + int(hits[0])
            out.extend(self._decide(end_i))
            i = end_i + 1
        return out

    def _gap_ended_at(self, i: int) -> int | None:
        """The attempt was out when a long gap began: the return is in the gap if,
        after it, the trunk turns further out (the next rep, from the facing pose) or
        stays quiet for ``gap_settle_s``. Returns where that shows, or None (the
        return may still follow: the state machine goes on as without the gap)."""
        p = self.settings
        g = self._gap_i
        assert g is not None
        lo = max(i, g)
        if lo >= len(self._t):
            return None
        rel = self._sign * (self._yaw[lo:] - self._yaw[g])
        further = np.flatnonzero(rel > p.onset_deg)
        back = np.flatnonzero(rel < -p.onset_deg)
        moving = np.flatnonzero(np.abs(self._rate[g:]) >= p.quiet_dps)
        settled_t = self._t[g] + p.gap_settle_s
        if moving.size and self._t[g + int(moving[0])] < settled_t:
            settled_t = np.inf  # it moved soon after the gap: which way decides
        first_back = int(back[0]) if back.size else len(rel)
        if further.size and int(further[0]) < first_back:
            return g
        if back.size == 0 and np.isfinite(settled_t) and self._t[-1] >= settled_t:
            return g
        return None

    def _decide_across_gap(self) -> list[Rep | NonRep]:
        """A rep whose return fell in a gap: out as measured, the hold up to the gap,
        the return across it (ending with the first sample after it)."""
        p = self.settings
        g = self._gap_i
        assert g is not None
        t = self._t
        self._state, self._gap_i = "idle", None
        lo = int(t.searchsorted(max(self._prev_end_t, self._trigger_t - LOOKBACK_S)))
        s = self._sign
        rel = s * (self._yaw[lo:g] - self._zero)
        width = max(1, round(SMOOTH_S * self.rate_hz)) | 1
        r = _smooth(s * self._rate[lo:g], width)
        peak = int(rel.argmax())
        vout = int(r[:peak + 1].argmax())
        thr_out = max(p.boundary_min_dps, p.boundary_peak_fraction * float(r[vout]))
        start = _walk(r, vout, 0, thr_out)
        far0 = _walk(r, vout, peak, thr_out)
        t0, ta, tb = float(t[lo + start]), float(t[lo + far0]), float(t[g - 1])
        # Where in the gap the return ended is unknown: about as long as the way out
        # after the gap began (returns are cued as slow as the turn out or slower),
        # never after the data resumed.
        t1 = min(float(t[g]), tb + p.gap_return_per_out * (ta - t0))
        rom = float(rel[peak] - rel[start])
        self._prev_end_t = t1
        self._zero = float(self._yaw[g])
        return [self._rep(t0, ta, tb, t1, rom, s, float(t[-1]),
                          flags=[f"gap:{tb:.2f}-{t1:.2f}"])]

    def _give_up(self, at: int, reason: str) -> NonRep:
        nr = NonRep(reason, self._trigger_t, float(self._t[at]), self._peak)
        self._state, self._gap_i = "idle", None
        self._prev_end_t = float(self._t[at])
        self._zero = float(self._yaw[at])
        return nr

    # -- decision and segmentation ------------------------------------------------------

    def _decide(self, end_i: int) -> list[Rep | NonRep]:
        p = self.settings
        t = self._t
        self._state, self._gap_i = "idle", None
        lo = int(t.searchsorted(max(self._prev_end_t, self._trigger_t - LOOKBACK_S)))
        self._prev_end_t = float(t[end_i])
        s = self._sign
        rel = s * (self._yaw[lo:end_i + 1] - self._zero)
        width = max(1, round(SMOOTH_S * self.rate_hz)) | 1
        r = _smooth(s * self._rate[lo:end_i + 1], width)
        peak = int(rel.argmax())
        vout = int(r[:peak + 1].argmax())
        thr_out = max(p.boundary_min_dps, p.boundary_peak_fraction * float(r[vout]))
        start = _walk(r, vout, 0, thr_out)
        far0 = _walk(r, vout, peak, thr_out)
        vback = far0 + int((-r[far0:]).argmax())
        thr_back = max(p.boundary_min_dps, p.boundary_peak_fraction * float(-r[vback]))
        far1 = _walk(-r, vback, far0, thr_back)
        end = _walk(-r, vback, len(r) - 1, thr_back)
        rom = float(rel[peak] - rel[start])
        t0, ta, tb, t1 = (float(t[lo + k]) for k in (start, far0, far1, end))
        decided = float(t[end_i])
        if rom < p.min_rom_deg:
            return [NonRep("partial", t0, t1, rom, decided_s=decided)]
        if t1 - t0 < p.min_rep_s:
            return [NonRep("too_fast", t0, t1, rom, decided_s=decided)]
        return [self._rep(t0, ta, tb, t1, rom, s, decided)]

    def _rep(self, t0: float, ta: float, tb: float, t1: float, rom: float, sign: float,
             decided: float, flags: list[str] | None = None) -> Rep:
        """A turn out (t0..ta, s), a pause at the far side (..tb) and back (..t1); ``rom``
        in degrees; ``sign`` > 0 is a turn to the left."""
        names = self.spec.phases
        out_s, back_s = ta - t0, t1 - tb
        ecc, con = (out_s, back_s) if self.spec.eccentric == "out" else (back_s, out_s)
        return Rep(exercise=self.exercise, start_s=t0, end_s=t1, eccentric_s=ecc,
                   concentric_s=con,
                   phases=[Phase(names.out, t0, ta), Phase(names.far, ta, tb),
                           Phase(names.back, tb, t1)],
                   rom_deg=rom, far_hold_s=tb - ta,
                   measures={k: v for k, v in (("hold_s", tb - ta), ("yaw_rom_deg", rom))
                             if k in self.spec.fields},
                   side="left" if sign > 0 else "right", flags=flags or [],
                   decided_s=decided)

    def _trim(self) -> None:
        keep_t = (self._trigger_t - LOOKBACK_S if self.busy
                  else float(self._t[-1]) - LOOKBACK_S) if len(self._t) else 0.0
        keep_t = max(keep_t, self._prev_end_t) if np.isfinite(self._prev_end_t) else keep_t
        k = int(self._t.searchsorted(keep_t))
        if k > 0:
            self._t, self._yaw = self._t[k:], self._yaw[k:]
            self._rate, self._still = self._rate[k:], self._still[k:]
            if self._gap_i is not None:
                self._gap_i = max(self._gap_i - k, 0)


__all__ = ["RotationDetector", "yaw_rate_dps"]
