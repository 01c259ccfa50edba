"""Tuning of the excursion detector (one segment leaves a still start pose and comes
back). Every number has its unit in its name and its reason beside it; exercise profiles
override what differs for their movement."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BreakPointRule:
    """Nordic break point: lowering faster than ``rate_dps`` AND accelerating faster than
    ``accel_dps2``. Default: trunk lowering > 20 °/s and > 150 °/s² (Eur J Sport Sci 2021,
    doi 10.1080/17461391.2021.2014984; reference/rep_counting_anchors.md N9). Soga 2021
    (N8) used knee velocity > 10 °/s from video, but controlled lowering alone often
    exceeds 10 °/s, so the velocity-only rule would fire before the break.
    """

    rate_dps: float = 20.0
    accel_dps2: float = 150.0
    # The published rule was applied to video kinematics, which are smooth; on a body-worn
    # gyro, muscle tremor (~8–12 Hz) alone exceeds 150 °/s². Smoothing over 0.1 s (a
    # ~5 Hz low-pass) and asking both conditions to hold for 60 ms keeps tremor out while
    # a fall (0.3–0.7 s long) still shows within a few samples.
    accel_window_s: float = 0.1
    hold_s: float = 0.06


@dataclass(frozen=True)
class LeadingLegRule:
    """Lunges on one thigh sensor: which leg led the rep.

    When the sensor's leg leads, its thigh swings forward to near horizontal at the
    bottom (hip flexion ~60–95°); when the other leg leads, the sensor's thigh stays
    behind, extended by only ~10–35° with the knee dropped. So the depth tells the side
    at first; once a rep has been sided, the direction the thigh tilted (the gravity
    direction's shift in the sensor frame, which the strap keeps fixed) tells it for
    later reps, and is kept as a running mean. Angles in degrees.
    """

    # At least this deep is the sensor's leg leading, whatever the direction says: no
    # trailing thigh extends this far (CMU SUB22: 19–27°; hip extension at the bottom of
    # a lunge is 10–30° in gait-lab studies of the lunge).
    lead_sure_deg: float = 50.0
    # Without a known direction: this deep or deeper is the sensor's leg leading.
    lead_min_deg: float = 40.0
    # The tilt direction decides only when it points clearly one way (|cos| at least).
    direction_min_cos: float = 0.5
    # The direction is learnt only from reps this deep (the sensor's leg leading beyond
    # doubt): a shallow rep's side came from the direction learnt so far or from its
    # depth, and one wrong vote, e.g. a first rep measured from a pose taken while
    # walking up, turned every later trailing rep into a "partial" leading one
    # (simulated tuning draw, docs/accuracy.md "Lunges on one thigh").
    learn_min_deg: float = 50.0
    # A rep of the sensor's leg shallower than this is a partial lunge (the trailing
    # thigh's reps count from the profile's min_rom_deg).
    lead_min_rom_deg: float = 30.0


@dataclass(frozen=True)
class SwingRule:
    """Hanging exercises: the angle is the tilt relative to the swinging body line
    (detect/excursion/swing.py), not the inclination the attitude filter tracks."""

    # Fit window (s): several swing periods (1.5–2.6 s) and a few reps.
    window_s: float = 16.0
    # D = θ − α is high-passed over this (s): longer than the slowest swing period, so
    # the swing passes; gyro bias and the slow drift of the integral do not.
    highpass_s: float = 3.0
    # Accelerometer smoothing (s): soft-tissue wobble (10–20 Hz) and noise out, a tilt's
    # onset (≥ 0.5 s) kept.
    smooth_s: float = 0.15
    # Crossover of the complementary blend (s of moving mean): faster than this the
    # angle is the gyro's, slower the accelerometer's.
    blend_s: float = 0.4
    # Where the tilt rate stays under this (°/s, smoothed over 0.3 s) the segment is not
    # tilting: k is refitted there, given at least ``min_rest_s`` of such samples.
    rest_dps: float = 4.0
    min_rest_s: float = 3.0
    # Shrinks k towards 0 when the swing is tiny (deg² per sample): then D is mostly
    # noise, and so is its fit.
    ridge_deg2: float = 0.3
    # Frames come out this late (s): the high-pass's half window and the smoothing.
    lag_s: float = 1.8
    # ...and are recomputed once this much more has arrived (s): each refit costs
    # ~0.7 ms, so 2 s blocks keep the replay over 1000× real time (0.5 s blocks: ~450×);
    # a rep is decided up to lag + block ≈ 4 s after it ends.
    block_s: float = 2.0
    # The rest level: the median of the tilt within ``rest_band_deg`` of this percentile
    # over the window (short pauses between long reps leave the segment at rest for a
    # fifth of the time or less; the band spans the rest noise, ±1–2°).
    rest_percentile: float = 3.0
    rest_band_deg: float = 4.0
    # ...followed at most this fast (°/s): a tenth of the boundary threshold's pace.
    level_dps: float = 0.3
    # A step longer than this many sample periods is a data gap (BLE losses): the
    # gyro's integral across it is replaced by the accelerometer's change.
    gap_periods: float = 2.5
    # The first samples' mean specific force is the reference direction (s).
    ref_s: float = 1.0
    # Which way is "out": the side (from the reference) that reaches ``sign_ratio``
    # times further and at least ``sign_min_deg``.
    sign_ratio: float = 2.0
    sign_min_deg: float = 5.0


@dataclass(frozen=True)
class ExcursionSettings:
    """What the excursion detector needs to decide and segment a rep."""

    # A rep must leave the start pose by this much (deg) before it is a candidate.
    onset_deg: float = 10.0
    # ...and reach at least this far (deg) to count; less is a partial rep.
    min_rom_deg: float = 35.0
    # ...and take at least this long from start to end (s); quicker is a step, a shuffle
    # or a bounce, not a rep performed with the controlled tempo coaches ask for.
    min_rep_s: float = 1.2
    # Back below this fraction of the rep's peak angle, the rep ends where the return
    # speed fades (boundary rule). A return that stalls part-way (a hands push-up handing
    # over to a slow finish) has not ended yet.
    return_fraction: float = 0.25
    # Phase boundaries: angular speed crosses max(boundary_min_dps, fraction × phase peak).
    # 5 % of peak velocity is the usual kinematic onset/offset convention in motor control.
    boundary_min_dps: float = 3.0
    boundary_peak_fraction: float = 0.05
    # Still this long in mid-rep means the athlete settled into another pose (lay down,
    # stood up, moved the sensor): the attempt is dropped and the start pose re-learnt (s).
    # Coaches cue holds of 1–2 s at the top ("hold 1–2 s"), and Nordic athletes push
    # straight back up after the catch, so 2.5 s separates holds from a new pose.
    max_still_in_rep_s: float = 2.5
    # After a rep that ended away from the start pose (or an attempt given up), the next
    # rep may start once the angle is back under this (deg; None: half of onset_deg).
    rearm_deg: float | None = None
    # A rep the other way round than the last one is refused (reverse_direction); with a
    # value (deg), only when it starts within this of the posture that rep started in
    # (None: always). See the profiles for why.
    posture_change_deg: float | None = None
    # An excursion beyond this is no rep of this exercise (deg; None: no limit).
    max_angle_deg: float | None = None
    # An attempt still out after this long is given up (s).
    max_rep_s: float = 30.0
    # The far position is a held pose at one angle (a cued hold): its ends are placed
    # near that angle even where balance corrections dip the speed early (see phases).
    held_far: bool = False
    # Movements that start at their kinematic onset — where the angle left its pose —
    # instead of where their speed crossed the boundary threshold: "out" (the rep's
    # start), "back" (the return's start). A coach's stopwatch starts when the lean or
    # roll-out begins; for a speed rising from zero that is up to ~2 s before 3 °/s.
    onsets: tuple[str, ...] = ()
    # The return has ended once its speed, averaged over the last this long (s), is
    # under the boundary threshold (0: the speed of each sample). A slow tail on a
    # wobbly support (one leg on a ball: balance corrections of several °/s) reads
    # under the threshold in single samples ~0.1–0.4 s before the movement stops, and
    # the decision fixes how far the end search may look.
    return_end_smooth_s: float = 0.0
    # The Nordic break point, for exercises that have one.
    break_point: BreakPointRule | None = None
    # Lunges: the thigh goes out either way (sensor leg leading or trailing); both are
    # reps, and each rep says which leg led.
    leading_leg: LeadingLegRule | None = None
    # Hanging exercises: the segment angle without the body's pendulum swing.
    swing: SwingRule | None = None
