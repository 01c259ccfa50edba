"""Every exercise eccentric knows, as profile records. Adding an exercise whose
detector kind exists means adding one record here (and to ``CATALOGUE``)."""

from __future__ import annotations

from dataclasses import replace

from eccentric.core.errors import EccentricError
from eccentric.detect.base import PhaseNames
from eccentric.detect.cycles.settings import CycleSettings
from eccentric.detect.excursion.settings import BreakPointRule, ExcursionSettings
from eccentric.detect.hold.settings import HoldSettings
from eccentric.exercises.profile import ExerciseProfile

NORDIC = ExerciseProfile(
    name="nordic_curl",
    description="Nordic hamstring curl; sensor on thigh (knee angle) or trunk",
    placements=("thigh", "trunk"),
    # Leaning forward from upright kneeling lengthens the hamstrings under load.
    eccentric="out",
    phases=PhaseNames(out="eccentric_controlled", fall="eccentric_fall", far="bottom",
                      back="concentric"),
    rep_fields=("controlled_eccentric_s", "break_angle_deg", "break_t_s",
                "bottom_angle_deg", "peak_lowering_dps"),
    detector=ExcursionSettings(
        # Break points lie at ~30–60° lean (anchors §4.2) and the hand catch near
        # 80–95°; an attempt that never passes 55° of lean stopped before any fall or
        # catch: a partial rep or an aborted start.
        onset_deg=10.0,
        min_rom_deg=55.0,
        # Even a fast Nordic (~1 s lowering, ~1 s push back) takes 2 s; kneeling down or
        # standing up moves the thigh as far but quicker.
        min_rep_s=1.5,
        # The hand catch stops the fall at ~80–95° of thigh lean; a trunk sensor adds hip
        # flexion ("piking", up to ~45°, anchors N7). Beyond 150° the start pose is wrong.
        max_angle_deg=150.0,
        break_point=BreakPointRule(),
    ),
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
    placements=("shank", "ankle"),
    # Curling the ball in shortens the hamstrings (concentric); rolling out lengthens them.
    eccentric="back",
    phases=PhaseNames(out="concentric", far="hold", back="eccentric"),
    rep_fields=("hold_s",),
    detector=ExcursionSettings(
        # A full curl (knee from ~0–10° to ~90–110° flexion) rotates the shank ~50–90°;
        # under 35° is a partial (half) curl, beyond 110° the leg is off the ball.
        onset_deg=8.0,
        min_rom_deg=35.0,
        max_angle_deg=110.0,
    ),
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
    placements=(),
    # Nobody knows which half of an unknown movement loads the muscle eccentrically: by
    # convention the way out is reported as concentric, the return as eccentric.
    phases=PhaseNames(out="out", back="back"),
    detector=CycleSettings(),
    needs_still_start=False,
)

SIDE_PLANK = ExerciseProfile(
    name="side_plank",
    description="Side plank (timed hold); sensor on the trunk or the top thigh",
    placements=("trunk", "thigh"),
    # Start pose: side-lying on the forearm, hips on the mat, still for a second (the
    # pose a coach sets up before "lift the hips"). Lifting the hips into the plank
    # tilts the trunk ~12–30° and the thigh ~8–20° from it, whichever way the sensor
    # sits on the segment; lowering them back ends the hold. Between holds the athlete
    # lies on the mat again (or rolls to the other side), which re-learns the pose.
    phases=PhaseNames(out="lift", far="hold", back="lower"),
    detector=HoldSettings(),
    sided=True,
    # Holds of one set are 5–15 s apart (hips down, breathe, lift again); rests between
    # sets (and sides) are 30 s or more.
    set_end_rest_s=20.0,
)

CATALOGUE: tuple[ExerciseProfile, ...] = (
    NORDIC, NORDIC_BAND, BALL_LEG_CURL, BALL_LEG_CURL_SINGLE, SIDE_PLANK, AUTO,
)
PROFILES: dict[str, ExerciseProfile] = {p.name: p for p in CATALOGUE}


def get_profile(name: str) -> ExerciseProfile:
    try:
        return PROFILES[name]
    except KeyError:
        raise EccentricError(
            f"unknown exercise {name!r}; choose one of {', '.join(sorted(PROFILES))}"
        ) from None
