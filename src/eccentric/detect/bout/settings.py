"""Tuning of the bout detector (a segment makes repeated small back-and-forth rotations
for a while, then rests). Units are in the field names; the reason for each number is
beside it. A profile overrides what differs for its movement."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BoutSettings:
    """What the bout detector needs to find, time and count a bout.

    Defaults are for foam rolling a thigh or shank: the segment slides along the roller
    (±5–15 cm) at 0.3–1.5 strokes/s and turns with each stroke by ~1.5–8° (the hip and
    knee angles change as the body is pushed along), so the gyro oscillates at
    ~2–70 °/s RMS; lying on the roller between spots it is nearly still (< 0.5 °/s).
    """

    # What the counted cycles are called in events ("strokes" or "steps") and the name
    # and scale of their rate field (cycles/s × rate_scale).
    count_field: str = "strokes"
    rate_field: str = "stroke_rate_hz"
    rate_scale: float = 1.0
    # Cycles of the counted signal per counted unit: one stroke is one back-and-forth
    # (one cycle of the rotation); a thigh swings once per two steps (0.5).
    cycles_per_unit: float = 1.0
    # Activity (RMS of the bias-free gyro over ``smooth_s``, °/s) above on_dps starts a
    # bout, below off_dps starts a pause: above the ~0.1–0.4 °/s of a still body on a
    # roller, below the slowest, smallest strokes (1.5° at 0.25 Hz ≈ 1.7 °/s RMS).
    on_dps: float = 1.0
    off_dps: float = 0.6
    # Activity smoothing (s): covers half a stroke of the slowest rolling (0.25 Hz), so
    # the activity does not drop between the two ways of one stroke.
    smooth_s: float = 2.0
    # Activity quiet for longer than this (s) ends the bout. The activity window hides
    # ~smooth_s of any stop, so this is a stop of ~4 s: a coach's "hold on the tender spot"
    # lasts 1–3 s; moving to the next spot takes a rest of 5 s or more.
    max_pause_s: float = 2.3
    # Shorter bouts, or fewer cycles, are not bouts (s, count): shifting on the roller
    # or moving to another spot is one or two turns, not rolling.
    min_bout_s: float = 4.0
    min_cycles: int = 3
    # A stop inside a bout: the rate below the edge level for this long (s). A stroke's
    # turnaround stays below it for < 0.4 s at 0.25 Hz (≤ 0.8 s just above the noise).
    min_stop_s: float = 0.9
    # Boundary convention: a bout starts where the gyro first reaches this fraction of
    # the bout's typical peak rate (and ends where it last does), moved back (forward) by
    # the time a sinusoidal stroke takes to get there from rest.
    edge_fraction: float = 0.3
    # A stroke is a lobe of the projected gyro beyond this fraction of the bout's
    # typical peak: far above noise and tremor, below a stroke shortened by half.
    lobe_fraction: float = 0.3
    # Gyro bias and noise floor: medians over this long (s; the floor at rest), over twice
    # a shift or lie-down (≤ 3 s) so those never move them.
    bias_window_s: float = 10.0
    # Slow turns to take out of the counted rate before its lobes are counted (s; None:
    # none): a moving mean over about one cycle is removed, which leaves a cycle's
    # lobes but not a turn that lasts longer (a walker's 180° turn at the end of the
    # walkway adds ~100 °/s for ~2 s about the vertical).
    detrend_s: float | None = None
    # A bout longer than this is reported and a new one looked for (s); bounds memory.
    max_bout_s: float = 600.0
    # The bout logic runs on block means at this rate (Hz): 10× the fastest stroke.
    decimate_hz: float = 25.0
