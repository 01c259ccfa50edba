"""Pure phase segmentation of one excursion (start pose → far position → start pose).

Arrays in, indices and durations out. The boundary convention is the kinematic one
used throughout (docs/accuracy.md): a movement starts/ends where the segment's angular
speed crosses max(``min_dps``, ``fraction`` × that movement's peak speed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eccentric.core.chunk import FloatArray
from eccentric.detect.excursion.onset import kinematic_onset


def _mean_dt(t_s: FloatArray) -> float:
    """Mean sample spacing (s); robust enough for window sizes, cheap for every rep."""
    return float(t_s[-1] - t_s[0]) / (len(t_s) - 1) if len(t_s) > 1 else 0.01


def smooth_centered(values: FloatArray, width: int) -> FloatArray:
    """Centered moving average (odd ``width`` samples; edges use the shorter window)."""
    if width <= 1 or len(values) < width:
        return values.copy()
    kernel = np.ones(width) / width
    half = width // 2
    # np.pad(values, half, mode="edge") without its general machinery (~40 µs a call).
    padded = np.concatenate((values[:1].repeat(half), values, values[-1:].repeat(half)))
    out: FloatArray = np.convolve(padded, kernel, mode="valid")
    return out


@dataclass(frozen=True)
class ExcursionBoundaries:
    """Sample indices into the rep buffer; ``break_i`` is None when no break was found."""

    start_i: int
    far_start_i: int
    far_end_i: int
    end_i: int
    peak_i: int
    out_peak_dps: float
    back_peak_dps: float
    break_i: int | None


def _last_below(x: FloatArray, lo: int, hi: int, thr: float) -> int:
    """Index after the last sample in [lo, hi] with x < thr (lo if none is below)."""
    seg = x[lo:hi + 1] < thr
    idx = np.flatnonzero(seg)
    return lo if idx.size == 0 else min(lo + int(idx[-1]) + 1, hi)


def _first_below(x: FloatArray, lo: int, hi: int, thr: float) -> int:
    """First index in [lo, hi] with x < thr (hi if none)."""
    idx = np.flatnonzero(x[lo:hi + 1] < thr)
    return hi if idx.size == 0 else lo + int(idx[0])


def _walk(x: FloatArray, frm: int, to: int, thr: float) -> int:
    """Walk from ``frm`` towards ``to`` while x ≥ thr.

    Backwards (to < frm): the first index of the run of x ≥ thr that ends at ``frm``
    (``to`` if x never drops below thr). Forwards: the first index with x < thr (``to``
    if none). These are the two sides of a movement: where it started, where it ended.
    """
    if to <= frm:
        below = np.flatnonzero(x[to:frm + 1] < thr)
        return to if below.size == 0 else min(to + int(below[-1]) + 1, frm)
    below = np.flatnonzero(x[frm:to + 1] < thr)
    return to if below.size == 0 else frm + int(below[0])


# Boundary search (see ``crossing``): the rate is averaged over BOUNDARY_K × the time it
# takes to rise from the threshold to twice the threshold, within these limits (s).
BOUNDARY_K = 2.0
BOUNDARY_MIN_S = 0.05
BOUNDARY_MAX_S = 0.6
# The first look at that rise, on a rate averaged over this long (s).
BOUNDARY_PROBE_S = 0.15


def crossing(t_s: FloatArray, rate_dps: FloatArray, frm: int, to: int, thr: float) -> int:
    """Where a movement whose rate peaks at ``frm`` crosses ``thr`` on the ``to`` side.

    The rate is smoothed over a window matched to how slowly it passes the threshold
    there: a hand catch (the speed collapses within 0.1 s) keeps a 50 ms window, while the
    slow tail of a roll-out or a gradual lean onset — where tremor and balance
    corrections (1.5–12 Hz, several °/s) would otherwise dip below the threshold long
    before the movement really starts or stops — is averaged over up to 0.6 s. A
    centred average leaves the crossing of a straight ramp where it is; the window
    follows the ramp's own time scale, so the bias on curved ramps stays small.
    """
    a, r = boundary_rate(t_s, rate_dps, frm, to, thr)
    f, g = frm - a, to - a
    return a + _walk(r, _walk(r, f, g, 2.0 * thr), g, thr)


def boundary_rate(t_s: FloatArray, rate_dps: FloatArray, frm: int, to: int, thr: float
                  ) -> tuple[int, FloatArray]:
    """(first index, rate smoothed for the boundary search) over the span of ``crossing``."""
    dt = _mean_dt(t_s)
    lo, hi = min(frm, to), max(frm, to)
    pad = int(BOUNDARY_MAX_S / dt) + 1
    a, b = max(lo - pad, 0), min(hi + pad, len(rate_dps) - 1)
    seg = rate_dps[a:b + 1]
    f, g = frm - a, to - a
    probe = smooth_centered(seg, max(1, round(BOUNDARY_PROBE_S / dt)) | 1)
    j2 = _walk(probe, f, g, 2.0 * thr)
    j1 = _walk(probe, j2, g, thr)
    tau = abs(float(t_s[a + j2] - t_s[a + j1]))
    width_s = min(max(BOUNDARY_K * tau, BOUNDARY_MIN_S), BOUNDARY_MAX_S)
    return a, smooth_centered(seg, max(1, round(width_s / dt)) | 1)


# A rep starts near its start pose: a start found further out than this (deg, or this
# share of the excursion) lies where a slow, steady way out dipped below the threshold
# in balance corrections of several °/s, not where it began.
NEAR_START_MIN_DEG = 3.0
NEAR_START_FRACTION = 0.1


def _start_near_pose(t_s: FloatArray, angle_deg: FloatArray, rate_dps: FloatArray,
                     base_i: int, start_i: int, peak_i: int, thr: float) -> int:
    """``start_i``, or for a start found far from the start pose, the start of the
    movement that left the pose: the crossing searched back from where the angle was
    last near the pose."""
    if start_i <= base_i:
        return start_i
    # The pose's level: a low percentile, as sway at rest dips below the pose and back.
    floor = float(np.percentile(angle_deg[base_i:start_i + 1], 25))
    near = floor + max(NEAR_START_MIN_DEG,
                       NEAR_START_FRACTION * (float(angle_deg[peak_i]) - floor))
    if angle_deg[start_i] <= near:
        return start_i
    close = np.flatnonzero(angle_deg[base_i:start_i] <= near)
    if close.size == 0:
        return start_i
    last = base_i + int(close[-1])
    return max(crossing(t_s, rate_dps, last, base_i, thr), base_i)


def _hold_near_far(t_s: FloatArray, angle_deg: FloatArray, rate_dps: FloatArray,
                   start_i: int, peak_i: int, far_start_i: int, far_end_i: int,
                   out_thr: float, back_thr: float) -> tuple[int, int]:
    """The far position's ends, moved to where the segment is near its far angle when
    found short of it (the same slow-movement failure as ``_start_near_pose``)."""
    a0, peak = float(angle_deg[start_i]), float(angle_deg[peak_i])
    near = peak - max(NEAR_START_MIN_DEG, NEAR_START_FRACTION * (peak - a0))
    dt = _mean_dt(t_s)
    w = max(1, round(BOUNDARY_MAX_S / dt)) | 1
    pad = int(BOUNDARY_MAX_S / dt) + 1
    hi = len(angle_deg) - 1
    if far_start_i < peak_i and angle_deg[far_start_i] < near:
        close = np.flatnonzero(angle_deg[far_start_i:peak_i + 1] >= near)
        first = far_start_i + int(close[0])
        b = min(peak_i + pad, hi)
        r = smooth_centered(rate_dps[far_start_i:b + 1], w)
        far_start_i = min(far_start_i + _walk(r, first - far_start_i, peak_i - far_start_i,
                                              out_thr), peak_i)
    if far_end_i > peak_i and angle_deg[far_end_i] < near:
        close = np.flatnonzero(angle_deg[peak_i:far_end_i + 1] >= near)
        last = peak_i + int(close[-1])
        lo = max(peak_i - pad, 0)
        r = smooth_centered(-rate_dps[lo:far_end_i + 1], w)
        far_end_i = max(lo + _walk(r, last - lo, peak_i - lo, back_thr), peak_i)
    return far_start_i, max(far_end_i, far_start_i)


# The speed, averaged over this long (s), says whether the segment was moving before an
# onset: tremor (8–12 Hz) averages out, a hesitation's creep or a sway does not.
MOVE_SMOOTH_S = 0.25
# ...at or above the threshold for at least this long (s): a hesitation's creep or a
# sway's half-cycle lasts 0.3 s or more; balance corrections on a wobbly support
# (1.5–5 Hz, several °/s) pass the average for under ~0.1 s.
MOVE_MIN_S = 0.1


def _after_last_move(t_s: FloatArray, rate_dps: FloatArray, lo: int, cross_i: int,
                     thr: float) -> int:
    """The earliest index the onset of the movement that crossed ``thr`` at ``cross_i``
    may have: after the last earlier movement that came to a stop (a hesitation, a dip,
    a sway, the previous phase), and not before ``lo``.

    Moving: the averaged speed at or above ``thr`` either way for MOVE_MIN_S; stopped:
    under thr/2 after it. A slow lean's own speed, rising from zero, may reach ``thr`` in noise
    before it crosses for good, but it does not drop back to half of it.
    """
    if cross_i <= lo:
        return lo
    dt = _mean_dt(t_s)
    w = max(1, round(MOVE_SMOOTH_S / dt)) | 1
    a = max(lo - w, 0)
    r = np.abs(smooth_centered(rate_dps[a:cross_i + 1], w))[lo - a:]
    j = max(len(r) - 1 - w // 2 - 1, 0)  # averages that do not reach past the crossing
    slow = np.flatnonzero(r[:j] < 0.5 * thr)
    if slow.size == 0:
        return lo
    fast = np.concatenate(([False], r[:int(slow[-1])] >= thr, [False]))
    edges = np.flatnonzero(np.diff(fast.astype(np.int8)))
    starts, ends = edges[0::2], edges[1::2]
    moved = np.flatnonzero(ends - starts >= max(1, round(MOVE_MIN_S / dt)))
    return lo if moved.size == 0 else lo + int(ends[moved[-1]])


def find_break(t_s: FloatArray, rate_dps: FloatArray, lo: int, hi: int, *,
               rate_thr_dps: float, accel_thr_dps2: float, accel_window_s: float,
               hold_s: float = 0.0) -> int | None:
    """First index in [lo, hi] lowering faster than ``rate_thr_dps`` while accelerating
    faster than ``accel_thr_dps2`` (rate smoothed and differentiated over
    ``accel_window_s``), with both holding for at least ``hold_s``."""
    if hi <= lo:
        return None
    dt = _mean_dt(t_s)
    width = max(1, round(accel_window_s / dt)) | 1
    r = smooth_centered(rate_dps, width)
    half = max(1, width // 2)
    n = len(r)
    i = np.arange(lo, hi + 1)
    a = np.clip(i + half, 0, n - 1)
    b = np.clip(i - half, 0, n - 1)
    accel = (r[a] - r[b]) / np.maximum(t_s[a] - t_s[b], 1e-6)
    ok = (r[i] > rate_thr_dps) & (accel > accel_thr_dps2)
    need = max(1, round(hold_s / dt))
    if need > 1:
        # Runs of consecutive hits; the break is the first sample of the first long run.
        run = np.convolve(ok.astype(np.int32), np.ones(need, dtype=np.int32), mode="valid")
        starts = np.flatnonzero(run == need)
        return None if starts.size == 0 else int(i[starts[0]])
    hit = np.flatnonzero(ok)
    return None if hit.size == 0 else int(i[hit[0]])


def segment_excursion(t_s: FloatArray, angle_deg: FloatArray, rate_dps: FloatArray, *,
                      base_i: int, end_search_i: int, start_min_dps: float, min_dps: float,
                      fraction: float, smooth_s: float = 0.05,
                      returned_fraction: float = 0.25,
                      break_rule: tuple[float, float, float, float] | None = None,
                      held_far: bool = False,
                      onsets: tuple[str, ...] = (),
                      ) -> ExcursionBoundaries:
    """Segment one rep inside ``[base_i, end_search_i]`` of the buffers.

    ``base_i`` is where the segment was last at rest in the start pose (or the end of
    the previous rep); ``start_min_dps`` is the onset threshold for the outward movement
    (Nordic leans use a fixed 3 °/s because the lean is much slower than the fall).
    ``break_rule`` is (rate °/s, accel °/s², smoothing window s, hold s) for the Nordic
    break point. ``held_far``: the far position is held at one angle, so its ends lie
    near that angle (not so a Nordic catch, after which the athlete may sink further).
    ``onsets``: which movements ("out", "back") start at their kinematic onset (the
    instant the angle left its pose, ``onset.kinematic_onset``) rather than at the
    rate crossing.
    """
    hi = end_search_i
    # Nothing after the search end: what the buffer holds beyond it depends on how the
    # stream was chunked, and the rep must not.
    t_s, angle_deg, rate_dps = t_s[:hi + 1], angle_deg[:hi + 1], rate_dps[:hi + 1]
    dt = _mean_dt(t_s)
    width = max(1, round(smooth_s / dt)) | 1
    r = smooth_centered(rate_dps, width)
    peak_i = base_i + int(np.argmax(angle_deg[base_i:hi + 1]))
    # Outward movement: fastest point before the peak angle.
    vout_i = base_i + int(np.argmax(r[base_i:peak_i + 1]))
    out_peak = float(max(r[vout_i], 0.0))
    out_thr = max(min_dps, fraction * out_peak)
    start_thr = start_min_dps if start_min_dps > 0 else out_thr
    # The rep starts where the outward rate last rose through its threshold before the
    # outward peak: a hesitation that stopped (or a dip back) before it is not part of it.
    start_i = crossing(t_s, rate_dps, vout_i, base_i, start_thr)
    start_i = _start_near_pose(t_s, angle_deg, rate_dps, base_i, start_i, peak_i, start_thr)
    if "out" in onsets:
        lo = _after_last_move(t_s, rate_dps, base_i, start_i, start_thr)
        start_i = kinematic_onset(t_s, rate_dps, start_i, lo, vout_i)
    far_start_i = crossing(t_s, rate_dps, vout_i, hi, out_thr)
    # Return movement: fastest point (most negative rate) after the far position.
    back_part = -r[far_start_i:hi + 1]
    vback_i = far_start_i + int(np.argmax(back_part)) if back_part.size else far_start_i
    back_peak = float(max(-r[vback_i], 0.0))
    back_thr = max(min_dps, fraction * back_peak)
    far_end_i = crossing(t_s, -rate_dps, vback_i, far_start_i, back_thr)
    if held_far:
        far_start_i, far_end_i = _hold_near_far(t_s, angle_deg, rate_dps, start_i, peak_i,
                                                far_start_i, far_end_i, out_thr, back_thr)
    if "back" in onsets:
        lo = _after_last_move(t_s, -rate_dps, far_start_i, far_end_i, back_thr)
        far_end_i = kinematic_onset(t_s, -rate_dps, far_end_i, lo, vback_i)
    # The rep ends where the return fades once back near the start pose (within
    # ``returned_fraction`` of the excursion), not where a stalled return pauses.
    start_angle = float(angle_deg[start_i])
    excursion = float(angle_deg[peak_i]) - start_angle
    back_home = angle_deg[vback_i:hi + 1] - start_angle <= returned_fraction * excursion
    a, rb = boundary_rate(t_s, -rate_dps, vback_i, hi, back_thr)
    slow = rb[vback_i - a:hi + 1 - a] < back_thr
    hits = np.flatnonzero(back_home & slow)
    # No such sample before the search end means the smoothed rate still reads just
    # above threshold where the raw one dropped below it: end at the search end.
    end_i = vback_i + int(hits[0]) if hits.size else hi
    brk: int | None = None
    if break_rule is not None:
        brk = find_break(t_s, rate_dps, start_i, far_start_i, rate_thr_dps=break_rule[0],
                         accel_thr_dps2=break_rule[1], accel_window_s=break_rule[2],
                         hold_s=break_rule[3])
    return ExcursionBoundaries(start_i, far_start_i, max(far_end_i, far_start_i), end_i,
                               peak_i, out_peak, back_peak, brk)
