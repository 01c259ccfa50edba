"""Every exercise eccentric knows, as profile records. Adding an exercise whose
detector kind exists means adding one record here (and to ``CATALOGUE``)."""

from __future__ import annotations

from dataclasses import replace

from eccentric.attitude.settings import FusionSettings
from eccentric.core.errors import EccentricError
from eccentric.detect.base import PhaseNames
from eccentric.detect.bout.settings import BoutSettings
from eccentric.detect.cycles.settings import CycleSettings
from eccentric.detect.excursion.settings import (
    BreakPointRule,
    ExcursionSettings,
    LeadingLegRule,
    SwingRule,
)
from eccentric.detect.hold.settings import HoldSettings
from eccentric.detect.rotation.settings import RotationSettings
from eccentric.exercises.profile import ExerciseProfile

# Single-leg movements sway at rest (a few °/s), so the sensor is never still long
# enough for Fusion to learn the gyro offset, and with the default 10° rejection the
# accelerometer, once the attitude has drifted past 10°, kept being rejected: the
# attitude ran 8–30° off within a set (simulated sessions). These movements are slow (body
# accelerations ~0.1–0.5 m/s², a few degrees of tilt error at most), so the
# accelerometer is trusted up to 60° (tuning draws, docs/accuracy.md "Attitude drift
# under sway": 30° keeps some drift, 60–90° and no rejection at all are alike).
_SWAY_ATTITUDE = FusionSettings(acceleration_rejection_deg=60.0)

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
        # The lowering starts when the lean begins (the eccentric time is the headline
        # figure, and a coach times it from there), not at 3 °/s.
        onsets=("out",),
    ),
    # A kneeling thigh that sways between reps (a wobbly kneel, ~10 °/s) is never still
    # long enough for Fusion to learn the gyro offset, and with the default 10°
    # rejection the attitude drifted 10–18° off the pose within a set: the angle never
    # came back near the start pose and the detector stayed locked (onset_sway.py tuning
    # draw: Nordic sway sets 67 % exact). The lean and the fall are slow against gravity
    # except at the catch, so the accelerometer is trusted up to 60° (sway sets 100 %
    # exact; library break-angle MAE 2.49° → 2.23°, eccentric MAE +14 ms).
    attitude=_SWAY_ATTITUDE,
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
        # The curl and the roll-out (the eccentric phase) start when the shank leaves
        # the rest pose and the top hold.
        onsets=("out", "back"),
        # A roll-out's slow tail on the ball reads under the threshold in single
        # samples before it stops (balance corrections): the end is decided on 0.25 s.
        return_end_smooth_s=0.25,
    ),
    # No default target: "Tempo 311" (anchors §5) is one prescription among many; pass
    # --target-tempo to flag reps.
)


# One leg on the ball sways between reps like the single-leg movements below (the
# tuning draw of benchmarks/onset_sway.py: sway sets 33 % → 83 % exact).
BALL_LEG_CURL_SINGLE = replace(
    BALL_LEG_CURL, name="ball_leg_curl_single",
    description="Single-leg Swiss-ball leg curl; report the side", sided=True,
    attitude=_SWAY_ATTITUDE,
)

# Hinge and lift exercises: one segment swings out from a still start pose, holds at the
# far position and comes back. Where coaches cue a hold there ("hold 1–2 s"), a rep may
# stay still for up to 4 s (twice the longest cue) before the attempt counts as settling
# into a new pose. Exercises without a cued hold turn round within ~1 s, and give up
# after 2 s: lying down from standing and then sitting up looks exactly like a sit-up
# with a long hold, and the sooner the attempt is dropped, the more of the still lying
# time is left to learn the new start pose from.
_HOLD_OK_S = 4.0
_NO_HOLD_S = 2.0


SINGLE_LEG_DEADLIFT = ExerciseProfile(
    name="single_leg_deadlift",
    description="Single-leg Romanian deadlift; sensor on the trunk (upper back) or the free "
                "leg's thigh; report hinge angle, bottom hold and the side",
    placements=("trunk", "thigh"),
    # Hinging forward over the standing leg lengthens its hamstrings under load.
    eccentric="out",
    phases=PhaseNames(out="eccentric", far="bottom", back="concentric"),
    rep_fields=("hold_s", "bottom_angle_deg"),
    detector=ExcursionSettings(
        # Cue "hinge to about 45°"; beginners stop nearer 30°, flexible athletes reach
        # 90°. Under 25° is a bob, not a hinge; beyond 120° the start pose was wrong.
        onset_deg=8.0, min_rom_deg=25.0, min_rep_s=1.5, max_angle_deg=120.0,
        max_still_in_rep_s=_HOLD_OK_S, held_far=True,
    ),
    sided=True,
    attitude=_SWAY_ATTITUDE,
)

SINGLE_LEG_BRIDGE = ExerciseProfile(
    name="single_leg_bridge",
    description="Single-leg glute bridge; sensor on the working thigh; report lift ROM, "
                "top hold, lowering time and the side",
    placements=("thigh",),
    # Lifting the hips shortens the hip extensors; lowering back down lengthens them.
    eccentric="back",
    phases=PhaseNames(out="concentric", far="top", back="eccentric"),
    rep_fields=("hold_s",),
    detector=ExcursionSettings(
        # The thigh turns ~25–45° about the planted foot's knee from floor to the top
        # (hip from ~45° flexion to neutral); under 15° is a hip wiggle.
        onset_deg=6.0, min_rom_deg=15.0, min_rep_s=1.2, max_angle_deg=80.0,
        max_still_in_rep_s=_HOLD_OK_S, held_far=True,
        # Strides counted while walking up (standing) had turned the thigh the other
        # way round in the sensor frame, and every bridge after lying down was refused
        # as reversed (tune_wide draw 72.7 → 86.4 % exact). Standing → lying is ~135°
        # on the simulated thigh; 50° is beyond a bridge's top (25–45° from lying), so
        # a start pose wrongly learnt at the top still meets the test.
        posture_change_deg=50.0,
    ),
    sided=True,
    attitude=_SWAY_ATTITUDE,
    # Lying on the floor with the other leg up, the thigh sways enough to break every
    # still streak before the 1 s a still pose needs, so the lying pose after getting
    # down went unlearnt and a rep's top hold was learnt instead (tuning draw 84.2 →
    # 92.1 % exact; single_leg_deadlift lost a set with it and keeps the default).
    sway_still_by_run=True,
)

ROMAN_CHAIR_HINGE = ExerciseProfile(
    name="roman_chair_hinge",
    description="45° Roman-chair (back extension) hip hinge; sensor on the trunk",
    placements=("trunk",),
    # Lowering the trunk over the pad lengthens the hamstrings and glutes.
    eccentric="out",
    phases=PhaseNames(out="eccentric", far="bottom", back="concentric"),
    rep_fields=("hold_s", "bottom_angle_deg"),
    detector=ExcursionSettings(
        # From the body line (45° bench) down towards hanging: 50–90° of hinge; a top
        # pause between reps is the start pose, so it is timed as rest, not rep.
        onset_deg=8.0, min_rom_deg=30.0, min_rep_s=1.5, max_angle_deg=130.0,
        max_still_in_rep_s=_NO_HOLD_S, held_far=True,
    ),
)

SITUP = ExerciseProfile(
    name="situp",
    description="Ankle-anchored sit-up; sensor on the trunk; report ROM and up/down times",
    placements=("trunk",),
    # Curling up shortens the trunk and hip flexors; lowering back lengthens them.
    eccentric="back",
    phases=PhaseNames(out="concentric", far="top", back="eccentric"),
    rep_fields=("hold_s",),
    detector=ExcursionSettings(
        # Lying to upright is 65–95° of trunk pitch; a crunch that stops under 40° is a
        # partial rep.
        onset_deg=8.0, min_rom_deg=40.0, min_rep_s=1.2, max_angle_deg=130.0,
        max_still_in_rep_s=_NO_HOLD_S, held_far=True,
    ),
)

LUNGE = ExerciseProfile(
    name="lunge",
    description="Lunge, alternating or one side; sensor on ONE thigh (--side: which); "
                "report the leading leg of each rep, depth and tempo, L/R in the set",
    placements=("thigh",),
    # Sinking into the lunge lengthens the front leg's quadriceps and glutes under load;
    # standing back up shortens them.
    eccentric="out",
    phases=PhaseNames(out="eccentric", far="bottom", back="concentric"),
    rep_fields=("depth_deg", "hold_s"),
    detector=ExcursionSettings(
        # The trailing thigh moves least: 10–35° of hip extension at the bottom (CMU
        # SUB22: 19–27°), so a rep leaves the standing pose by 6° and needs 10°; the
        # leading thigh reaches 55–95° (near horizontal) and needs 30° (LeadingLegRule).
        onset_deg=6.0, min_rom_deg=10.0,
        # A lunge, stepping out, sinking, rising and stepping back, takes 1.6–4 s even
        # when quick (CMU SUB22: 3.4–3.8 s); a walking stride swings the thigh for
        # ~0.5 s each way, and the last one before stopping for up to ~1.2 s.
        min_rep_s=1.5,
        # The trailing thigh swings back twice (as the other leg steps out, and again
        # as it pushes back) and comes near vertical in between, at the bottom (CMU
        # SUB22: down to 4° of 16°): the rep is over only once within 15 % of its peak.
        return_fraction=0.15,
        # Beyond 130° of thigh swing the athlete is no longer standing (kneeling down,
        # sitting).
        max_angle_deg=130.0,
        # A bottom pause is cued at most 1–2 s; 4 s as for the other cued holds.
        max_still_in_rep_s=_HOLD_OK_S, held_far=True,
        # Between quick reps the attitude the gyro offset carried away reads the
        # standing thigh at up to ~6° until the offset is learnt; waiting for 3° (half
        # the onset) locked the detector out of whole runs of reps (tuning draw 95.1 →
        # 97.6 % exact at 6°; tune_wide 66–69 % for 3–12°).
        rearm_deg=6.0,
        leading_leg=LeadingLegRule(),
    ),
    sided=True,
    # Alternating lunges often run on without a still second between reps or before
    # the first: the standing pose is taken from the first samples and re-learnt at
    # every still second (standing is the pose of the whole session).
    needs_still_start=False,
    # Not _SWAY_ATTITUDE alone: trusting the accelerometer up to 60° throughout lost 3
    # of 5 real trailing-thigh lunges (CMU SUB22: real lunges accelerate the thigh far
    # more than the simulator does, and the ~20° swing was flattened). Gated to the
    # quasi-static samples (turning under 30 °/s, |acc| within 1.5 m/s² of 1 g: the
    # standing moments between reps and a swaying stance, never the step or the sink
    # of a real lunge, CMU thigh 10–170 °/s throughout), the loose rejection still pulls
    # back the attitude the gyro offset carried away (tuning draw 78.0 → 92.7 % exact,
    # CMU 5/5 on both thighs; 20 °/s and 1.0 m/s²: 85.4 %, 45 °/s: CMU 3/5).
    attitude=FusionSettings(acceleration_rejection_deg=60.0, accel_gate_dps=30.0,
                            accel_gate_mps2=1.5),
)

HANGING_PELVIC_TILT = ExerciseProfile(
    name="hanging_pelvic_tilt",
    description="Hanging pelvic tilt / small knee raise from a bar; sensor on a thigh or "
                "the pelvis (sacrum); report tilt ROM, top hold, up/down times",
    placements=("thigh", "pelvis"),
    # Tilting the pelvis back and raising the thighs shortens the abdominals and hip
    # flexors; letting them down lengthens them.
    eccentric="back",
    phases=PhaseNames(out="concentric", far="top", back="eccentric"),
    rep_fields=("hold_s",),
    detector=ExcursionSettings(
        # Tilts of 10–30° (8–35° at the extremes) relative to the body line, which
        # swings as a pendulum meanwhile (SwingRule: the angle without the swing). A
        # tilt under 6° is a twitch of the hips or a re-grip.
        onset_deg=4.0, min_rom_deg=6.0,
        # Slow by cue: even a quick tilt takes ~1.5 s out and back.
        min_rep_s=1.0, max_angle_deg=70.0,
        # What the swing leaves in the tilt rate at rest is 1.5–5 °/s RMS: a 4 °/s
        # boundary floor (not 3) keeps it from moving the ends (tuning draw: 147 → 138
        # ms boundary MAE).
        boundary_min_dps=4.0,
        # Hanging is never still (the swing): a top hold is timed, not a new pose.
        max_still_in_rep_s=_HOLD_OK_S, held_far=True,
        swing=SwingRule(),
    ),
    # The body swings all the time: the rest level is learnt from the tilt itself.
    needs_still_start=False,
    # Sets are apart by a drop off the bar and a rest (30 s and more).
    set_end_rest_s=15.0,
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

FOAM_ROLL = ExerciseProfile(
    name="foam_roll",
    description="Foam rolling (bouts of strokes per spot); sensor on the rolled thigh or "
                "shank",
    placements=("thigh", "shank"),
    # A bout is rolling one spot: repeated back-and-forth strokes (0.3–1.5 Hz), maybe
    # with a short stop on a tender spot, until the athlete rests or moves to the next
    # spot. The gyro alone tells it, so no still start pose is needed.
    phases=PhaseNames(out="stroke", far="pause", back="stroke"),
    detector=BoutSettings(),
    needs_still_start=False,
    # Spots of one session are 5–20 s apart (move the roller, settle); a set is the
    # spots rolled without a longer break.
    set_end_rest_s=60.0,
)

LOADED_CARRY = ExerciseProfile(
    name="loaded_carry",
    description="Loaded carry (farmer's walk, suitcase carry): bouts of walking; sensor on "
                "a thigh or the trunk; report duration, steps and cadence",
    placements=("thigh", "trunk"),
    # A bout is one carry: steps from standing to standing (turns at the end of the
    # walkway included). The gyro alone tells it, so no still start pose is needed.
    phases=PhaseNames(out="step", far="stand", back="step"),
    detector=BoutSettings(
        count_field="steps", rate_field="cadence_spm", rate_scale=60.0,
        # The thigh swings once per stride (two steps), and the trunk turns about the
        # vertical and rolls once per stride too (its per-step pitch is far smaller),
        # so the principal rotation runs at the stride rate on either placement.
        cycles_per_unit=0.5,
        # Walking turns the thigh at ~60–150 °/s RMS and the trunk at ~10–40 °/s;
        # standing with a load sways it by well under 2 °/s.
        on_dps=4.0, off_dps=2.5,
        # Covers half a stride of the slowest carry (~0.6 strides/s).
        smooth_s=1.0,
        # A carry ends when the athlete stands still: quiet for ~2 s beyond the activity
        # window (a pause to re-grip without stopping lasts under a second).
        max_pause_s=1.5,
        # A carry is at least a few strides: shorter walking is stepping about.
        min_bout_s=4.0, min_cycles=3,
        # One stride of a typical carry (0.7–0.95 strides/s).
        detrend_s=1.2,
    ),
    needs_still_start=False,
    # Carries of one set are 6–40 s apart (rest, set the load down, pick it up); a new
    # set follows a longer rest.
    set_end_rest_s=90.0,
)

BAND_ROTATION = ExerciseProfile(
    name="band_rotation",
    description="Band (cable) trunk rotation, standing side-on to the anchor; sensor on "
                "the trunk; report yaw ROM and the side of each rep, out/return times",
    placements=("trunk",),
    # Turning away from the anchor against the band shortens the obliques; letting it
    # pull the trunk back lengthens them under load.
    eccentric="back",
    phases=PhaseNames(out="concentric", far="hold", back="eccentric"),
    rep_fields=("yaw_rom_deg", "hold_s"),
    # Yaw about the vertical: 20–60° a side (thresholds in RotationSettings); the side
    # is the direction of the turn (left = anticlockwise seen from above).
    detector=RotationSettings(),
    sided=True,
    # The tilt start pose plays no part: the heading is re-zeroed between reps.
    needs_still_start=False,
    # The yaw rate is the gyro on the gravity direction, so an unlearnt offset along it
    # turns the heading; a swaying stance (3–8 °/s) never passes Fusion's 6 °/s
    # stationary test, 12 °/s does, and its 0.02 Hz offset filter averages the sway out
    # (tuning draw 73.3 → 80.0 % exact, with the rejection of the other standing
    # movements).
    attitude=FusionSettings(acceleration_rejection_deg=60.0,
                            bias_stationary_threshold_dps=12.0),
)

CATALOGUE: tuple[ExerciseProfile, ...] = (
    NORDIC, NORDIC_BAND, BALL_LEG_CURL, BALL_LEG_CURL_SINGLE,
    SINGLE_LEG_DEADLIFT, SINGLE_LEG_BRIDGE, ROMAN_CHAIR_HINGE, SITUP, LUNGE, SIDE_PLANK,
    FOAM_ROLL, LOADED_CARRY, BAND_ROTATION, HANGING_PELVIC_TILT,
    AUTO,
)
PROFILES: dict[str, ExerciseProfile] = {p.name: p for p in CATALOGUE}


def get_profile(name: str) -> ExerciseProfile:
    try:
        return PROFILES[name]
    except KeyError:
        raise EccentricError(
            f"unknown exercise {name!r}; choose one of {', '.join(sorted(PROFILES))}"
        ) from None
