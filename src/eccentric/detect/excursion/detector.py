"""Streaming detector for exercises that move one segment away from a still start pose
and back: Nordic curls (thigh/trunk lean), ball leg curls (shank rotation), and any
exercise of that shape. Its profile supplies every threshold (``ExcursionSettings``)
and names the phases and measures of its reps (``RepSpec``).

Online, a small state machine on the segment angle decides *that* a rep happened
(idle → out → returning → decided). Once decided, the buffered samples of that rep are
segmented by the pure function in ``phases.py``. State is bounded: the buffer holds at
most ``lookback + max_rep_s`` seconds.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import numpy.typing as npt

from eccentric.attitude.fusion import GAP_RESTART_MIN_S
from eccentric.core.chunk import FloatArray
from eccentric.core.events import OTHER_LEG, SENSOR_LEG, Phase, Rep
from eccentric.core.timing import Gap
from eccentric.detect.base import MotionFrame, NonRep, RepSpec
from eccentric.detect.excursion.phases import ExcursionBoundaries, segment_excursion
from eccentric.detect.excursion.settings import ExcursionSettings
from eccentric.detect.excursion.swing import SwingRemover

State = Literal["idle", "out", "returning", "locked"]

def rotation_axis(gyro_dps: FloatArray, tilt_rate_dps: FloatArray, lo: int, hi: int
                  ) -> FloatArray | None:
    """Unit axis (sensor frame) the segment turned about on its way out, or None.

    The mean gyro vector over the clearly-moving outward samples. Projecting the gyro on
    it gives the movement's angular rate without the tilt rate's ill-conditioning near
    the start pose (where the direction of a tiny tilt is mostly noise).
    """
    if hi <= lo:
        return None
    r = tilt_rate_dps[lo:hi + 1]
    peak = float(r.max(initial=0.0))
    sel = r > max(5.0, 0.2 * peak)
    if not sel.any():
        return None
    v = gyro_dps[lo:hi + 1][sel].sum(axis=0)
    norm = float(np.linalg.norm(v))
    if norm < 1e-9:
        return None
    axis: FloatArray = v / norm
    return axis


# Shortest believable way out or back (s): even an explosive curl takes ~0.3 s.
MIN_MOVE_S = 0.2

# Lunges: how far before the last still sample a rep's start may be (s); the stillness
# test flags a sample still until its window has seen the movement start.
START_MARGIN_S = 0.5

# How far before the onset trigger the start search may reach (s). The slowest leans
# (~3 °/s) take ~3.5 s to pass a 10° onset, so 6 s keeps their true start in view.
LOOKBACK_S = 6.0


class ExcursionDetector:
    def __init__(self, settings: ExcursionSettings, spec: RepSpec, rate_hz: float) -> None:
        self.settings = settings
        self.spec = spec
        self.exercise = spec.exercise
        self.rate_hz = rate_hz
        self._t: FloatArray = np.zeros(0)
        self._angle: FloatArray = np.zeros(0)
        self._rate: FloatArray = np.zeros(0)
        self._still: npt.NDArray[np.bool_] = np.zeros(0, dtype=bool)
        self._gyro_dps: FloatArray = np.zeros((0, 3))
        self._gravity: FloatArray = np.zeros((0, 3))
        # Lunges: running sum of the unit tilt directions (sensor frame) of the sensor
        # leg's forward swing, each rep's direction signed by the side it was given.
        self._lead_dir_sum: FloatArray | None = None
        # Rotation axis of the current rep in the sensor frame (unit, outward-positive),
        # and of the last counted rep: the strap holds the sensor, so reps share it.
        self._axis: FloatArray | None = None
        self._rep_axis: FloatArray | None = None
        self._rep_axis_pose: FloatArray | None = None  # gravity at that rep's start
        self._still_since: float | None = None
        self._state: State = "idle"
        self._peak_deg = 0.0
        self._back_peak_dps = 0.0
        self._trigger_t = 0.0
        self._base_t = -np.inf  # the previous rep's end: the next rep cannot start before it
        self._gaps: list[Gap] = []
        self._swing = SwingRemover(settings.swing, rate_hz) if settings.swing else None

    @property
    def busy(self) -> bool:
        return self._state in ("out", "returning")

    def forget_rep_axis(self) -> None:
        """Forget the last counted rep's axis (``--exercise any``: a detector that counted
        a movement of another exercise must not reject this one's reps as reversed)."""
        self._rep_axis = None

    @property
    def phase(self) -> str:
        if self._state == "out":
            return "eccentric" if self.spec.eccentric == "out" else "concentric"
        if self._state == "returning":
            return "concentric" if self.spec.eccentric == "out" else "eccentric"
        return "idle"

    def on_recalibrated(self, t_s: float) -> None:
        if self._swing is not None:
            # The swing-free tilt is measured from its own rest level, not from the
            # start pose; and its frames run lag_s behind the stream clock that t_s is
            # on, so a pose learnt during a held top would cut off that rep's way up.
            return
        self._base_t = max(self._base_t, t_s)

    def settle(self, t_s: float, still_s: float) -> list[Rep | NonRep]:
        # The stillness rule of _settled_at, judged at the calibrator's proposal: both
        # count from the same first still sample, but which of the two samples comes
        # first must not decide whether the new pose is learnt now or 0.5 s later.
        if not self.busy or still_s < self.settings.max_still_in_rep_s or not len(self._t):
            return []
        at = min(int(self._t.searchsorted(t_s)), len(self._t) - 1)
        return [self._give_up(at, "repositioned")]

    def update(self, frame: MotionFrame) -> list[Rep | NonRep]:
        if len(frame) == 0:
            return []
        if self._swing is not None:
            late = self._swing.update(frame)
            if late is None:
                return []
            frame = late
        return self._take(frame)

    def _take(self, frame: MotionFrame) -> list[Rep | NonRep]:
        self._gaps.extend(frame.gaps)
        first_new = len(self._t)
        self._t = np.concatenate((self._t, frame.t_s))
        self._angle = np.concatenate((self._angle, frame.angle_deg))
        self._rate = np.concatenate((self._rate, frame.rate_dps))
        self._still = np.concatenate((self._still, frame.still))
        self._gyro_dps = np.concatenate((self._gyro_dps, np.degrees(frame.gyro_rads)))
        if self.settings.leading_leg is not None or self.settings.posture_change_deg is not None:
            self._gravity = np.concatenate((self._gravity, frame.gravity))
        out = self._scan(first_new)
        self._trim()
        return out

    def finish(self) -> list[Rep | NonRep]:
        out: list[Rep | NonRep] = []
        if self._swing is not None:
            late = self._swing.flush()
            if late is not None:
                out = self._take(late)
        return out + self._finish()

    def _finish(self) -> list[Rep | NonRep]:
        if self._state == "returning" and len(self._t):
            # The stream ended while the segment was coming back: decide with what we have.
            return self._decide(len(self._t) - 1)
        return []

    # -- online state machine -------------------------------------------------------
    # It runs on every frame, several per chunk: array methods (x.nonzero()[0],
    # x.searchsorted()) rather than np.flatnonzero and np.searchsorted give the same
    # results without the function wrappers' overhead.

    def _scan(self, i: int) -> list[Rep | NonRep]:
        p = self.settings
        angle, rate, t = self._angle, self._rate, self._t
        n = len(t)
        out: list[Rep | NonRep] = []
        while i < n:
            if self._state == "idle":
                hits = (angle[i:] > p.onset_deg).nonzero()[0]
                if hits.size == 0:
                    return out
                i += int(hits[0])
                self._state = "out"
                self._still_since = None
                self._trigger_t = float(t[i])
                self._peak_deg = float(angle[i])
                continue
            if self._state == "locked":
                rearm = 0.5 * p.onset_deg if p.rearm_deg is None else p.rearm_deg
                hits = (angle[i:] < rearm).nonzero()[0]
                if hits.size == 0:
                    return out
                i += int(hits[0])
                self._state = "idle"
                continue
            if self._state == "out":
                run_peak = np.maximum.accumulate(np.maximum(angle[i:], self._peak_deg))
                level = np.maximum(0.5 * p.onset_deg,
                                   p.return_fraction * run_peak)
                hits = (angle[i:] < level).nonzero()[0]
                settled = self._settled_at(i)
                if settled is not None and (hits.size == 0 or settled < i + int(hits[0])):
                    out.append(self._give_up(settled, "repositioned"))
                    i = settled + 1
                    continue
                if p.max_angle_deg is not None:
                    over = (angle[i:] > p.max_angle_deg).nonzero()[0]
                    if over.size and (hits.size == 0 or over[0] < hits[0]):
                        self._peak_deg = float(run_peak[over[0]])
                        out.append(self._give_up(i + int(over[0]), "out_of_range"))
                        i += int(over[0]) + 1
                        continue
                if hits.size == 0:
                    self._peak_deg = float(run_peak[-1])
                    if float(t[-1]) - self._trigger_t > p.max_rep_s:
                        out.append(self._give_up(n - 1, "timeout"))
                    return out
                k = i + int(hits[0])
                self._peak_deg = float(run_peak[hits[0]])
                peak_i = self._index_of_peak(k)
                # The swing turns the gyro about the same axis: the swing-free rate only.
                self._axis = None if self._swing is not None else rotation_axis(
                    self._gyro_dps, rate, self._search_base_index(), peak_i)
                ax_rate = self._axis_rate()
                self._back_peak_dps = float((-ax_rate[peak_i:k + 1]).max(initial=0.0))
                self._state = "returning"
                i = k
                continue
            # returning: the rep ends where the return speed falls below its threshold
            ax_rate = self._axis_rate()
            vb = np.maximum.accumulate(np.maximum(-ax_rate[i:], self._back_peak_dps))
            thr = np.maximum(p.boundary_min_dps, p.boundary_peak_fraction * vb)
            hits = (self._trailing_mean(ax_rate, i) > -thr).nonzero()[0]
            if hits.size == 0:
                self._back_peak_dps = float(vb[-1])
                settled = self._settled_at(i)
                if settled is not None:
                    out.append(self._give_up(settled, "repositioned"))
                    i = settled + 1
                    continue
                if float(t[-1]) - self._trigger_t > p.max_rep_s:
                    out.append(self._give_up(n - 1, "timeout"))
                return out
            end_i = i + int(hits[0])
            out.extend(self._decide(end_i))
            i = end_i + 1
        return out

    def _trailing_mean(self, x: FloatArray, i: int) -> FloatArray:
        """x[i:], or with ``return_end_smooth_s`` its mean over that long up to each
        sample (causal: the decision cannot wait for later samples)."""
        width = round(self.settings.return_end_smooth_s * self.rate_hz)
        if width <= 1:
            return x[i:]
        a = max(i - width + 1, 0)
        cs = np.concatenate(([0.0], x[a:].cumsum()))
        k = np.arange(i - a, len(x) - a)  # positions of x[i:] in x[a:]
        lo = np.maximum(k + 1 - width, 0)
        out: FloatArray = (cs[k + 1] - cs[lo]) / (k + 1 - lo)
        return out

    def _index_of_peak(self, upto: int) -> int:
        # A recalibration stamped on the stream's clock can lie past a delayed frame
        # (the swing-free tilt comes out lag_s late): the search starts at the latest
        # with the sample it ends on.
        lo = min(self._search_base_index(), upto)
        return lo + int(self._angle[lo:upto + 1].argmax())

    def _search_base_index(self) -> int:
        lo_t = max(self._base_t, self._trigger_t - LOOKBACK_S)
        return int(self._t.searchsorted(lo_t, side="left"))

    def _axis_rate(self) -> FloatArray:
        """Angular rate about the rep's axis (°/s); the tilt rate when there is none."""
        if self._axis is None:
            return self._rate
        out: FloatArray = self._gyro_dps @ self._axis
        return out

    def _settled_at(self, i: int) -> int | None:
        """First index ≥ i where the segment has been still for max_still_in_rep_s.

        The start of a still run that reaches the end of the buffer is carried over to
        the next frame in ``_still_since``.
        """
        still, t = self._still, self._t
        need = self.settings.max_still_in_rep_s
        n = len(still)
        j = i
        while j < n:
            if not still[j]:
                self._still_since = None
                nxt = still[j:].nonzero()[0]
                if nxt.size == 0:
                    return None
                j += int(nxt[0])
                continue
            if self._still_since is None:
                self._still_since = float(t[j])
            moving = (~still[j:]).nonzero()[0]
            end = j + int(moving[0]) if moving.size else n
            k = j + int(t[j:end].searchsorted(self._still_since + need))
            if k < end:
                self._still_since = None
                return k
            if end == n:
                return None
            j = end
        return None

    def _give_up(self, at: int, reason: str) -> NonRep:
        """Drop an attempt that never came back (timeout) or settled elsewhere."""
        # Locked until the angle is back near the start pose, which the next still
        # calibration (at most a fraction of a second away when settled) brings about.
        self._state = "locked"
        self._still_since = None
        self._axis = None
        nr = NonRep(reason, self._trigger_t, float(self._t[at]), self._peak_deg)
        self._base_t = float(self._t[at])
        return nr

    # -- decision and segmentation --------------------------------------------------

    def _decide(self, end_i: int) -> list[Rep | NonRep]:
        out = self._decide_at(end_i)
        for o in out:
            o.decided_s = float(self._t[end_i])
        return out

    def _decide_at(self, end_i: int) -> list[Rep | NonRep]:
        p = self.settings
        base_i = self._search_base_index()
        t = self._t
        # If the way out vanished into a data gap, the rep starts where the data stopped:
        # searching further back would find older, unrelated movement.
        trigger_i = int(t.searchsorted(self._trigger_t))
        # Only a gap long enough to restart the attitude hides the pose: across a shorter
        # one the angle is integrated on, and a slow lean's start before it is still there.
        hidden = [g for g in self._gaps if t[base_i] < g.end_s <= t[trigger_i]
                  and g.end_s - g.start_s >= GAP_RESTART_MIN_S]
        if hidden:
            base_i = max(base_i, int(t.searchsorted(hidden[-1].start_s)))
        # Ended away from the start pose (e.g. a push-up return that stalls and is then
        # finished slowly): wait to be back before another rep can start.
        self._state = "idle" if self._angle[end_i] < self.settings.onset_deg else "locked"
        self._base_t = float(t[end_i])
        lead = p.leading_leg
        if lead is not None:
            base_i = self._after_last_still(base_i, trigger_i)
        excursion = self._peak_deg
        min_rom = p.min_rom_deg
        leading: bool | None = None
        if lead is not None:
            # Not _index_of_peak: _base_t already points at this rep's end.
            peak_i = base_i + int(self._angle[base_i:end_i + 1].argmax())
            leading = self._sensor_leg_leads(base_i, peak_i, excursion)
            if leading:
                min_rom = max(min_rom, lead.lead_min_rom_deg)
        if excursion < min_rom:
            self._axis = None
            return [NonRep("partial", self._trigger_t, float(t[end_i]), excursion)]
        br = p.break_point
        b = segment_excursion(
            t, self._angle, self._axis_rate(), base_i=base_i, end_search_i=end_i,
            start_min_dps=p.boundary_min_dps if br is not None else 0.0,
            min_dps=p.boundary_min_dps, fraction=p.boundary_peak_fraction,
            returned_fraction=p.return_fraction,
            break_rule=(br.rate_dps, br.accel_dps2, br.accel_window_s, br.hold_s) if br else None,
            held_far=p.held_far, onsets=p.onsets,
        )
        if float(t[b.end_i] - t[b.start_i]) < p.min_rep_s:
            self._axis = None
            return [NonRep("too_fast", float(t[b.start_i]), float(t[b.end_i]), excursion)]
        # A way out hidden in a data gap leaves no trustworthy axis to compare.
        out_gap = bool(hidden) or any(
            g.end_s > float(t[base_i]) and g.start_s < float(t[b.far_start_i])
            for g in self._gaps)
        if lead is None and self._axis is not None and self._rep_axis is not None and \
                not out_gap and float(self._axis @ self._rep_axis) < -0.5 and \
                self._same_posture(b.start_i):
            # Same hinge, opposite way: sitting back on the heels tilts the thigh as far
            # as a Nordic lean does, but backwards.
            self._axis = None
            return [NonRep("reverse_direction", float(t[b.start_i]), float(t[b.end_i]),
                           excursion)]
        if not out_gap and \
                min(t[b.far_start_i] - t[b.start_i], t[b.end_i] - t[b.far_end_i]) < MIN_MOVE_S:
            # No measurable way out or back: the angle jumped (a knock, a re-grip of the
            # sensor), it did not travel.
            self._axis = None
            return [NonRep("no_movement", float(t[b.start_i]), float(t[b.end_i]), excursion)]
        rep = self._make_rep(b)
        if leading is not None:
            rep.side = SENSOR_LEG if leading else OTHER_LEG
            if lead is not None and excursion >= lead.learn_min_deg:
                self._learn_direction(b.start_i, b.peak_i, leading)
        if self._axis is not None and not out_gap:
            self._rep_axis = self._axis
            if len(self._gravity):
                self._rep_axis_pose = self._gravity[b.start_i].copy()
        self._axis = None
        return [rep]

    def _same_posture(self, start_i: int) -> bool:
        """Did this rep start from about the posture the last rep's axis was learnt in?
        The hinge's sense in the sensor frame holds within one posture only: strides
        counted while walking up (standing) told nothing about the lying bridge after."""
        limit = self.settings.posture_change_deg
        if self._rep_axis_pose is None or limit is None:
            return True
        cos = float(self._gravity[start_i] @ self._rep_axis_pose)
        return cos >= math.cos(math.radians(limit))

    def _after_last_still(self, base_i: int, trigger_i: int) -> int:
        """Lunges: the start search begins shortly (START_MARGIN_S) before the last still
        sample ahead of the trigger, when there is one: the previous movement (the last
        stride of a walk up to the spot, rejected as too quick) may end fast just before
        the standing pause, and must not be taken for this rep's way out."""
        still = self._still[base_i:trigger_i].nonzero()[0]
        if still.size == 0:
            return base_i
        t_last = float(self._t[base_i + int(still[-1])]) - START_MARGIN_S
        return max(base_i, int(self._t.searchsorted(t_last)))

    def _tilt_direction(self, start_i: int, peak_i: int) -> FloatArray | None:
        """Unit direction (sensor frame) the gravity direction moved from the rep's start
        to its deepest point, perpendicular to the start's; None if it barely moved."""
        if not len(self._gravity):
            return None
        g0, g1 = self._gravity[start_i], self._gravity[peak_i]
        d = g1 - float(g1 @ g0) * g0
        norm = float(np.linalg.norm(d))
        if norm < 0.05:  # under ~3° of tilt: no direction to speak of
            return None
        out: FloatArray = d / norm
        return out

    def _sensor_leg_leads(self, base_i: int, peak_i: int, excursion_deg: float) -> bool:
        """Did the leg wearing the sensor lead this lunge (see LeadingLegRule)?"""
        rule = self.settings.leading_leg
        assert rule is not None
        if excursion_deg >= rule.lead_sure_deg:
            return True
        if self._lead_dir_sum is not None:
            # The start of the way out is not known yet: the tilt is measured from where
            # the angle was lowest before the peak (the start pose, to within sway).
            lo = base_i + int(self._angle[base_i:peak_i + 1].argmin())
            d = self._tilt_direction(lo, peak_i)
            ref_norm = float(np.linalg.norm(self._lead_dir_sum))
            if d is not None and ref_norm > 1e-9:
                cos = float(d @ self._lead_dir_sum) / ref_norm
                if abs(cos) >= rule.direction_min_cos:
                    return cos > 0
        return excursion_deg >= rule.lead_min_deg

    def _learn_direction(self, start_i: int, peak_i: int, leading: bool) -> None:
        d = self._tilt_direction(start_i, peak_i)
        if d is None:
            return
        signed = d if leading else -d
        self._lead_dir_sum = signed if self._lead_dir_sum is None \
            else self._lead_dir_sum + signed

    def _make_rep(self, b: ExcursionBoundaries) -> Rep:
        spec, names = self.spec, self.spec.phases
        t, angle = self._t, self._angle
        t0, t_far0, t_far1, t1 = (float(t[i]) for i in (b.start_i, b.far_start_i,
                                                        b.far_end_i, b.end_i))
        out_s, far_s, back_s = t_far0 - t0, t_far1 - t_far0, t1 - t_far1
        flags = [f"gap:{g.start_s:.2f}-{g.end_s:.2f}" for g in self._gaps
                 if g.end_s > t0 and g.start_s < t1]
        brk_t: float | None = None
        measured: dict[str, float | None] = {
            "hold_s": far_s,
            "bottom_angle_deg": float(np.max(angle[b.far_start_i:b.far_end_i + 1])),
            "peak_lowering_dps": b.out_peak_dps,
            # Lunge depth: the thigh's deepest angle from standing.
            "depth_deg": float(angle[b.peak_i]),
        }
        phases = [Phase(names.out, t0, t_far0)]
        if self.settings.break_point is not None and names.fall is not None:
            if self._break_may_be_in_gap(b, t0, t_far0):
                # Packets lost on the way out: the break may lie inside the hole, and a
                # guessed angle is worse than none.
                flags.append("break_unknown_gap")
            elif b.break_i is not None:
                brk_t = float(t[b.break_i])
                phases = [Phase(names.out, t0, brk_t), Phase(names.fall, brk_t, t_far0)]
                # Lean from the calibrated upright pose, as published (0 = upright).
                measured["break_angle_deg"] = float(angle[b.break_i])
                measured["break_t_s"] = brk_t
            measured["controlled_eccentric_s"] = (brk_t - t0) if brk_t is not None else out_s
        phases += [Phase(names.far, t_far0, t_far1), Phase(names.back, t_far1, t1)]
        ecc_s, con_s = (out_s, back_s) if spec.eccentric == "out" else (back_s, out_s)
        return Rep(
            exercise=spec.exercise, start_s=t0, end_s=t1, eccentric_s=ecc_s, concentric_s=con_s,
            phases=phases, rom_deg=float(angle[b.peak_i]) - float(angle[b.start_i]),
            far_hold_s=far_s, flags=flags,
            measures={k: v for k in spec.fields if (v := measured.get(k)) is not None},
        )

    def _break_may_be_in_gap(self, b: ExcursionBoundaries, t0: float, t_far0: float) -> bool:
        """Could the break lie in a data gap on the way out?

        Not if the break found comes before the gap (it is the first instant of the
        rule), nor if the segment still lowered slower than the break rate right after
        the gap (a fall, once begun, lasts until the catch): a short loss during a long,
        slow lean hides nothing.
        """
        br = self.settings.break_point
        assert br is not None
        t = self._t
        rate = self._axis_rate()
        brk_t = float(t[b.break_i]) if b.break_i is not None else np.inf
        for g in self._gaps:
            if not (g.end_s > t0 and g.start_s < t_far0) or g.start_s >= brk_t:
                continue
            k = min(int(t.searchsorted(g.end_s)), len(t) - 1)
            after = rate[k:k + max(1, round(br.accel_window_s * self.rate_hz))]
            if float(np.median(after)) >= br.rate_dps:
                return True
        return False

    def _trim(self) -> None:
        """Keep only what a future decision can need (bounded memory)."""
        if self._state in ("out", "returning"):
            keep_from_t = max(self._base_t, self._trigger_t - LOOKBACK_S)
        else:
            keep_from_t = max(self._base_t, float(self._t[-1]) - LOOKBACK_S) \
                if len(self._t) else 0.0
        k = int(self._t.searchsorted(keep_from_t, side="left"))
        if k > 0:
            self._t = self._t[k:]
            self._angle = self._angle[k:]
            self._rate = self._rate[k:]
            self._still = self._still[k:]
            self._gyro_dps = self._gyro_dps[k:]
            if len(self._gravity):
                self._gravity = self._gravity[k:]
        if self._gaps and len(self._t):
            self._gaps = [g for g in self._gaps if g.end_s >= self._t[0]]
