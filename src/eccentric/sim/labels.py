"""Ground truth from the true, noise-free segment motion, by the project's conventions.

Boundary convention (shared with the detectors): a movement phase starts/ends where the
segment's angular speed crosses max(3 °/s, 5 % of that movement's peak speed) — a rep
where the outward rate last rose through it before the outward peak; the
return (and so the rep) ends at the first such crossing once the segment is back within
25 % of its excursion from the start pose. The
Nordic lean onset uses 3 °/s alone, because the controlled lean is far slower than the
fall that follows. Exception, for the exercises whose script marks them (the Nordic and
ball curls, ``Motion.marks``): a rep starts at the *kinematic onset* of its commanded
movement — the instant the lean or curl begins (for a hesitant Nordic start, after the
pause) — and a ball curl's roll-out at the instant it leaves the top hold; a speed that
rises from zero (a power-law lean) passes 3 °/s up to ~2 s later. Break point (Eur J
Sport Sci 2021, doi 10.1080/17461391.2021.2014984; anchors N9): the first instant of
the lowering where the lowering angular velocity exceeds 20 °/s AND the angular
acceleration exceeds 150 °/s².

All functions take grid arrays (true time) and return times on the true clock; the
session maps them onto the recording's ``t_s`` axis.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from eccentric.core.chunk import FloatArray

MIN_BOUNDARY_DPS = 3.0
RETURNED_FRACTION = 0.25
PEAK_FRACTION = 0.05
BREAK_RATE_DPS = 20.0
BREAK_ACCEL_DPS2 = 150.0


def threshold_dps(peak_dps: float) -> float:
    return max(MIN_BOUNDARY_DPS, PEAK_FRACTION * peak_dps)


def _first_above(x: FloatArray, thr: float, i0: int, i1: int) -> int:
    """First index k in [i0, i1) with x[k] > thr, or -1."""
    hits = np.flatnonzero(x[i0:i1] > thr)
    return i0 + int(hits[0]) if len(hits) else -1


def _last_rise(x: FloatArray, thr: float, i0: int, k: int) -> int:
    """Where x last rose above thr before (or at) index k: the first sample of the run
    above thr that contains k; -1 if x[k] is not above thr.

    For an onset that only speeds up this is the first crossing after i0; a hesitation
    before the movement proper (a creep that stops, a dip back) is not part of it.
    """
    if not x[k] > thr:
        return -1
    below = np.flatnonzero(~(x[i0:k + 1] > thr))
    return i0 + int(below[-1]) + 1 if len(below) else i0


def _first_below(x: FloatArray, thr: float, i0: int, i1: int) -> int:
    hits = np.flatnonzero(x[i0:i1] < thr)
    return i0 + int(hits[0]) if len(hits) else -1


def _crossing_s(t: FloatArray, x: FloatArray, thr: float, k: int) -> float:
    """Time where x crosses thr between samples k−1 and k (linear interpolation)."""
    if k <= 0:
        return float(t[max(k, 0)])
    x0, x1 = float(x[k - 1]), float(x[k])
    frac = 0.0 if x1 == x0 else (thr - x0) / (x1 - x0)
    return float(t[k - 1] + np.clip(frac, 0.0, 1.0) * (t[k] - t[k - 1]))


@dataclass(frozen=True)
class Motion:
    """True motion on the physics grid, for labelling."""

    t_s: FloatArray
    rate_dps: FloatArray  # signed sagittal rate of the sensor's segment (+ = away from start)
    accel_dps2: FloatArray  # its derivative
    angle_deg: FloatArray  # label angle: thigh lean (Nordic) or shank pitch (ball curl)
    speed_dps: FloatArray  # |ω| of the segment, any axis (for fidgets)
    # Design marks of reps by their first grid sample (storyboard.Script.marks): where
    # the commanded movement ("onset") and its way back ("back_onset") begin.
    marks: dict[int, dict[str, int]] = field(default_factory=dict)


class LabelError(RuntimeError):
    """A designed movement did not produce the expected crossings (a simulator bug)."""


def _phases_out_back(m: Motion, i0: int, i1: int, onset_thr: float | None
                     ) -> dict[str, int | float]:
    """Indices of: out start, out end, back start, back end, and the two thresholds."""
    w = m.rate_dps
    k_peak_out = i0 + int(np.argmax(w[i0:i1]))
    thr_out = threshold_dps(float(w[k_peak_out]))
    start = _last_rise(w, onset_thr if onset_thr is not None else thr_out, i0, k_peak_out)
    out_end = _first_below(w, thr_out, k_peak_out, i1)
    if start < 0 or out_end < 0:
        raise LabelError("outward movement has no clear start or end")
    k_peak_back = out_end + int(np.argmax(-w[out_end:i1]))
    thr_back = threshold_dps(float(-w[k_peak_back]))
    back_start = _first_above(-w, thr_back, out_end, k_peak_back + 1)
    # The rep ends where the return fades *near the start pose*: a return that stalls
    # part-way (a hands push-up that hands over to a slow hamstring finish) has not
    # ended until the segment is back within RETURNED_FRACTION of its excursion.
    a0 = float(m.angle_deg[start]) if start >= 0 else 0.0
    excursion = float(np.max(m.angle_deg[i0:i1])) - a0
    near = np.abs(m.angle_deg - a0) <= RETURNED_FRACTION * excursion
    slow = -w < thr_back
    hits = np.flatnonzero(slow[k_peak_back:i1] & near[k_peak_back:i1])
    back_end = k_peak_back + int(hits[0]) if len(hits) else _first_below(-w, thr_back,
                                                                          k_peak_back, i1)
    if back_start < 0:
        raise LabelError("return movement has no clear start")
    if back_end < 0:
        back_end = i1 - 1
    return {"start": start, "out_end": out_end, "back_start": back_start,
            "back_end": back_end, "thr_out": thr_out, "thr_back": thr_back,
            "onset_thr": onset_thr if onset_thr is not None else thr_out}


def _onset(m: Motion, i0: int, key: str, crossing_i: int) -> int | None:
    """The design's kinematic onset ``key`` of the rep starting at ``i0``, if the script
    marked one at or before the rate crossing ``crossing_i`` (else None)."""
    k = m.marks.get(i0, {}).get(key)
    return k if k is not None and k <= crossing_i else None


def nordic_rep_label(m: Motion, i0: int, i1: int, to_file: Callable[[float], float],
                     ) -> dict[str, Any]:
    """Label one Nordic rep designed in grid samples [i0, i1).

    The rep (and its eccentric phase) starts at the kinematic onset of the commanded
    lowering — the instant the lean begins, after any hesitation and its pause — where
    the script marked it; otherwise where the lean rate last rose through 3 °/s.
    """
    p = _phases_out_back(m, i0, i1, MIN_BOUNDARY_DPS)
    t, w = m.t_s, m.rate_dps
    start, catch = int(p["start"]), int(p["out_end"])
    ret0, ret1 = int(p["back_start"]), int(p["back_end"])
    onset = _onset(m, i0, "onset", start)
    t_start = _crossing_s(t, w, float(p["onset_thr"]), start) if onset is None \
        else float(t[onset])
    if onset is not None:
        start = onset
    t_catch = _crossing_s(t, w, float(p["thr_out"]), catch)
    t_ret0 = _crossing_s(t, -w, float(p["thr_back"]), ret0)
    t_ret1 = _crossing_s(t, -w, float(p["thr_back"]), ret1)
    brk_hits = np.flatnonzero((w[start:catch] > BREAK_RATE_DPS)
                              & (m.accel_dps2[start:catch] > BREAK_ACCEL_DPS2))
    brk = start + int(brk_hits[0]) if len(brk_hits) else -1
    f = to_file
    phases: list[dict[str, Any]] = []
    if brk >= 0:
        t_brk = float(t[brk])
        phases.append(_phase("eccentric_controlled", f(t_start), f(t_brk)))
        phases.append(_phase("eccentric_fall", f(t_brk), f(t_catch)))
    else:
        phases.append(_phase("eccentric_controlled", f(t_start), f(t_catch)))
    phases.append(_phase("bottom", f(t_catch), f(t_ret0)))
    phases.append(_phase("concentric", f(t_ret0), f(t_ret1)))
    lean0 = float(m.angle_deg[start])
    bottom = float(np.max(m.angle_deg[start:ret1 + 1]))
    ecc = f(t_catch) - f(t_start)
    return {
        "start_s": _r(f(t_start)), "end_s": _r(f(t_ret1)), "phases": phases,
        "eccentric_s": _r(ecc), "concentric_s": _r(f(t_ret1) - f(t_ret0)),
        "rom_deg": round(bottom - lean0, 2),
        "controlled_eccentric_s": _r(f(float(t[brk])) - f(t_start)) if brk >= 0 else _r(ecc),
        "break_t_s": _r(f(float(t[brk]))) if brk >= 0 else None,
        "break_angle_deg": round(float(m.angle_deg[brk]), 2) if brk >= 0 else None,
        "bottom_angle_deg": round(bottom, 2),
        "bottom_pause_s": _r(f(t_ret0) - f(t_catch)),
        "peak_lowering_dps": round(float(np.max(w[start:catch + 1])), 1),
    }


def ball_rep_label(m: Motion, i0: int, i1: int, to_file: Callable[[float], float],
                   ) -> dict[str, Any]:
    """Label one ball-curl rep: concentric (curl in), hold, eccentric (roll out)."""
    return excursion_rep_label(m, i0, i1, to_file, ("concentric", "hold", "eccentric"), "back")


def excursion_rep_label(m: Motion, i0: int, i1: int, to_file: Callable[[float], float],
                        names: tuple[str, str, str], eccentric: str) -> dict[str, Any]:
    """Label one out–hold–back rep; ``names`` are the three phases, ``eccentric`` says
    which way ("out" or "back") lengthens the working muscle."""
    p = _phases_out_back(m, i0, i1, None)
    t, w = m.t_s, m.rate_dps
    start, top = int(p["start"]), int(p["out_end"])
    out0, out1 = int(p["back_start"]), int(p["back_end"])
    thr_in, thr_out = float(p["thr_out"]), float(p["thr_back"])
    f = to_file
    t0, t_top = f(_crossing_s(t, w, thr_in, start)), f(_crossing_s(t, w, thr_in, top))
    t_ex0, t_ex1 = f(_crossing_s(t, -w, thr_out, out0)), f(_crossing_s(t, -w, thr_out, out1))
    # Where the script marked them, the way out and the way back start at their
    # kinematic onsets (the last still sample before each), not at the rate crossings.
    onset = _onset(m, i0, "onset", start)
    if onset is not None:
        start, t0 = onset, f(float(t[onset]))
    back_onset = _onset(m, i0, "back_onset", out0)
    if back_onset is not None and back_onset >= top:
        t_ex0 = f(float(t[back_onset]))
    a0 = float(m.angle_deg[start])
    rom = float(np.max(np.abs(m.angle_deg[start:out1 + 1] - a0)))
    out_s, back_s = t_top - t0, t_ex1 - t_ex0
    ecc, con = (out_s, back_s) if eccentric == "out" else (back_s, out_s)
    return {
        "start_s": _r(t0), "end_s": _r(t_ex1),
        "phases": [_phase(names[0], t0, t_top), _phase(names[1], t_top, t_ex0),
                   _phase(names[2], t_ex0, t_ex1)],
        "eccentric_s": _r(ecc), "concentric_s": _r(con),
        "hold_s": _r(t_ex0 - t_top), "rom_deg": round(rom, 2),
    }


def movement_window(m: Motion, i0: int, i1: int, to_file: Callable[[float], float]
                    ) -> tuple[float, float]:
    """Start/end of a non-rep movement: where |ω| exceeds max(3 °/s, 5 % of its peak)."""
    s = m.speed_dps
    thr = threshold_dps(float(np.max(s[i0:i1])))
    hits = np.flatnonzero(s[i0:i1] > thr)
    if len(hits) == 0:
        return _r(to_file(float(m.t_s[i0]))), _r(to_file(float(m.t_s[i1 - 1])))
    a, b = i0 + int(hits[0]), i0 + int(hits[-1])
    t_a = _crossing_s(m.t_s, s, thr, a)
    t_b = _crossing_s(m.t_s, -s, -thr, b + 1) if b + 1 < len(s) else float(m.t_s[b])
    return _r(to_file(t_a)), _r(to_file(t_b))


def _phase(name: str, a: float, b: float) -> dict[str, Any]:
    return {"name": name, "start_s": _r(a), "end_s": _r(b)}


def _r(x: float) -> float:
    """Times are kept to 0.1 ms: finer than any sample period, and stable in JSON."""
    return round(float(x), 4)


def lunge_rep_label(m: Motion, i0: int, i1: int, to_file: Callable[[float], float],
                    names: tuple[str, str, str]) -> dict[str, Any]:
    """Label one lunge rep on the sensor's thigh, which swings either way: forward
    (flexion, the sensor's leg leads) or back (extension, the other leg leads); the
    larger swing says which. Start and end follow the boundary convention; the way out
    may have a knee lift before the descent (a forward step), so the far position is
    where the thigh is near its deepest angle. A trailing thigh swings back twice (as
    the other leg steps out and as it pushes back) and comes near vertical at the
    bottom in between: its swings do not mark the lunge's phases, so its label has
    start and end only.
    """
    seg_angle = m.angle_deg[i0:i1]
    sign = -1.0 if -float(seg_angle.min()) > float(seg_angle.max()) else 1.0
    lead = sign < 0  # flexion: the thigh's pitch goes negative (knee forward)
    w, a = sign * m.rate_dps, sign * m.angle_deg
    t, f = m.t_s, to_file
    a0 = float(a[i0])
    peak_k = i0 + int(np.argmax(a[i0:i1]))
    exc = float(a[peak_k]) - a0
    thr_out = threshold_dps(float(np.max(w[i0:peak_k + 1])))
    # Start: walk back from where the thigh is first 20 % out to where it was slow.
    first_out = i0 + int(np.flatnonzero(a[i0:i1] - a0 > 0.2 * exc)[0])
    slow = np.flatnonzero(w[i0:first_out + 1] <= thr_out)
    start = i0 + int(slow[-1]) + 1 if len(slow) else i0
    # End: after the last return from over half way, where the return fades near the
    # start pose (within RETURNED_FRACTION of the excursion).
    last_half = i0 + int(np.flatnonzero(a[i0:i1] - a0 > 0.5 * exc)[-1])
    k_back = last_half + int(np.argmax(-w[last_half:i1]))
    thr_back = threshold_dps(float(-w[k_back]))
    done = np.flatnonzero((-w[k_back:i1] < thr_back)
                          & (np.abs(a[k_back:i1] - a0) <= RETURNED_FRACTION * exc))
    end = k_back + int(done[0]) if len(done) else i1 - 1
    t0 = f(_crossing_s(t, w, thr_out, start))
    t1 = f(_crossing_s(t, -w, thr_back, end))
    label: dict[str, Any] = {"start_s": _r(t0), "end_s": _r(t1), "rom_deg": round(exc, 2),
                             "depth_deg": round(float(a[peak_k]), 2)}
    if not lead:
        return label
    near = float(a[peak_k]) - max(3.0, 0.1 * exc)
    close = np.flatnonzero(a[i0:i1] >= near)
    fn, ln = i0 + int(close[0]), i0 + int(close[-1])
    below = np.flatnonzero(w[fn:ln + 1] < thr_out)
    far0 = fn + int(below[0]) if len(below) else fn
    still_back = np.flatnonzero(-w[far0:ln + 1] < thr_back)
    far1 = far0 + int(still_back[-1]) + 1 if len(still_back) else ln
    t_far0 = f(_crossing_s(t, w, thr_out, far0))
    t_far1 = f(_crossing_s(t, -w, thr_back, far1))
    label.update({
        "phases": [_phase(names[0], t0, t_far0), _phase(names[1], t_far0, t_far1),
                   _phase(names[2], t_far1, t1)],
        "eccentric_s": _r(t_far0 - t0), "concentric_s": _r(t1 - t_far1),
        "hold_s": _r(t_far1 - t_far0),
    })
    return label
