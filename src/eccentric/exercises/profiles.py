"""Declarative exercise profiles and the registry that maps a name to a detector.

A profile says which segment carries the sensor, which direction of travel (away from
the still start pose, or back to it) is the eccentric phase, and the thresholds, each
with its unit and where the number comes from. Adding an exercise that moves one
segment away from a start pose and back means adding a profile here, not code.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from eccentric.core.errors import EccentricError
from eccentric.detect.base import Detector

Direction = Literal["out", "back"]


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
class ExerciseProfile:
    name: str
    description: str
    detector: Literal["excursion", "generic"]
    placements: tuple[str, ...]
    eccentric: Direction = "out"
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
    # An excursion beyond this is no rep of this exercise (deg; None: no limit).
    max_angle_deg: float | None = None
    # Reps are only looked for once a still start pose has been seen: a live session
    # says "hold still to calibrate", and lead-in movement is never counted.
    needs_still_start: bool = True
    max_rep_s: float = 30.0
    # Still time that re-zeroes the start pose between reps and sets (s).
    calibration_still_s: float = 1.0
    # No rep for this long closes the set (s): longer than any pause coaches prescribe
    # between reps (1–5 s), shorter than the 30 s+ rests between sets.
    set_end_rest_s: float = 15.0
    break_point: BreakPointRule | None = None
    target_tempo: str | None = None
    sided: bool = False


NORDIC = ExerciseProfile(
    name="nordic_curl",
    description="Nordic hamstring curl; sensor on thigh (knee angle) or trunk",
    detector="excursion",
    placements=("thigh", "trunk"),
    eccentric="out",
    # Break points lie at ~30–60° lean (anchors §4.2) and the hand catch near 80–95°;
    # an attempt that never passes 55° of lean stopped before any fall or catch: a
    # partial rep or an aborted start.
    onset_deg=10.0,
    min_rom_deg=55.0,
    # Even a fast Nordic (~1 s lowering, ~1 s push back) takes 2 s; kneeling down or
    # standing up moves the thigh as far but quicker.
    min_rep_s=1.5,
    # The hand catch stops the fall at ~80–95° of thigh lean; a trunk sensor adds hip
    # flexion ("piking", up to ~45°, anchors N7). Beyond 150° the start pose is wrong.
    max_angle_deg=150.0,
    break_point=BreakPointRule(),
)

# Same geometry and rules; the band takes part of the load, so the fall is slower or
# absent (then no break is reported and the whole lowering counts as controlled).
NORDIC_BAND = replace(
    NORDIC, name="nordic_curl_band",
    description="Band-assisted Nordic curl: slower or no fall, same geometry",
)

BALL_LEG_CURL = ExerciseProfile(
    name="ball_leg_curl",
    description="Double-leg Swiss-ball leg curl; sensor on shank or ankle",
    detector="excursion",
    placements=("shank", "ankle"),
    # Curling the ball in shortens the hamstrings (concentric); rolling out lengthens them.
    eccentric="back",
    # A full curl (knee from ~0–10° to ~90–110° flexion) rotates the shank ~50–90°;
    # under 35° is a partial (half) curl, beyond 110° the leg is off the ball.
    onset_deg=8.0,
    min_rom_deg=35.0,
    max_angle_deg=110.0,
    # No default target: "Tempo 311" (anchors §5) is one prescription among many; pass
    # --target-tempo to flag reps.
)

BALL_LEG_CURL_SINGLE = replace(
    BALL_LEG_CURL, name="ball_leg_curl_single",
    description="Single-leg Swiss-ball leg curl; report the side", sided=True,
)

AUTO = ExerciseProfile(
    name="auto",
    description="Unknown movement and placement: count cycles and time them",
    detector="generic",
    placements=(),
    needs_still_start=False,
)

PROFILES: dict[str, ExerciseProfile] = {
    p.name: p for p in (NORDIC, NORDIC_BAND, BALL_LEG_CURL, BALL_LEG_CURL_SINGLE, AUTO)
}


def get_profile(name: str) -> ExerciseProfile:
    try:
        return PROFILES[name]
    except KeyError:
        raise EccentricError(
            f"unknown exercise {name!r}; choose one of {', '.join(sorted(PROFILES))}"
        ) from None


def make_detector(profile: ExerciseProfile, rate_hz: float) -> Detector:
    if profile.detector == "generic":
        from eccentric.detect.cycles.counter import GenericRepCounter

        return GenericRepCounter(rate_hz)
    from eccentric.detect.excursion.detector import ExcursionDetector

    return ExcursionDetector(profile, rate_hz)
