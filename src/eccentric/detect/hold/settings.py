"""Tuning of the hold detector (a segment leaves a still start pose, is held in a tilted
pose for a while and comes back). Units are in the field names; the reason for each
number is beside it. A profile overrides what differs for its movement."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HoldSettings:
    """What the hold detector needs to find, time and describe a hold.

    Defaults are for a side plank taken from side-lying on the forearm (the start pose):
    lifting the hips tilts the trunk by ~12–30° and the thigh by ~8–20° (body line from
    the feet to a shoulder ~0.3–0.6 m above the floor, see docs/simulator.md).
    """

    # Leaving the start pose by this much (deg) starts looking for a hold: above the
    # ~1–2° a relaxed side-lying athlete shifts, below any hip lift.
    onset_deg: float = 4.0
    # The hold pose is tilted from the start pose by this range (deg): less is a shift
    # on the mat; more is another pose (sitting up, rolling over, standing).
    min_level_deg: float = 8.0
    max_level_deg: float = 45.0
    # A hold is recognised once the smoothed tilt stays within this range (deg) for this
    # long (s): plank sway (0.3–2° at 0.25–2 Hz) stays inside 5°, the lift does not.
    steady_range_deg: float = 5.0
    steady_s: float = 1.0
    # Tilt smoothing (s): half a sway cycle of the fastest sway, well under a hip dip
    # (1–4 s), so dips keep most of their depth.
    smooth_s: float = 0.4
    # Boundary convention: a hold starts when the lift first passes this fraction of the
    # hold's level, and ends when it falls back below it (hips half-way up / down). The
    # mid-way crossing is where the segment moves fastest, so sway barely moves it.
    boundary_fraction: float = 0.5
    # The level used for the start boundary: the mean tilt over this long after the hold
    # is recognised (s); fatigue sag later in the hold does not move the start.
    level_s: float = 3.0
    # Shorter holds are not holds (s): a lift and drop, or a failed attempt.
    min_hold_s: float = 3.0
    # A hip dip: the tilt falls this far (deg) below the hold's running level and comes
    # back (to within half of it) within max_dip_s; a slower drop is fatigue sag.
    hip_dip_deg: float = 3.0
    max_dip_s: float = 4.0
    # The running level follows slow sag with this time constant (s), frozen in a dip.
    level_tau_s: float = 4.0
    # Further than this from the running level (deg, either way) is another pose: the
    # hold has ended (e.g. the athlete rolled onto the back or sat up).
    leave_deg: float = 20.0
    # Steady away from the start pose but outside the hold range for this long (s): the
    # athlete settled in another pose (sat up, rolled over), which becomes the start
    # pose. Shorter than the 2 s an athlete lies still before lifting the hips.
    max_settle_away_s: float = 1.0
    # Steady just off the start pose, below the hold range, for this long (s): a shift
    # on the mat. The detector stops looking for a hold (not busy) until the pipeline
    # learns the start pose again; longer than a slow lift's pause part-way (≤ 1.5 s).
    max_settle_low_s: float = 2.5
    # The detector's own gravity estimate trusts the gyro over this long (s) and the
    # accelerometer beyond: sway and tremor accelerations (2–5° of direction at 1–5 Hz
    # on a trunk strap) average out, a gyro bias of ~1 °/s shifts it by ~1°.
    gravity_tau_s: float = 1.0
    # A hold longer than this is reported and a new one looked for (s).
    max_hold_s: float = 600.0
    # The hold logic runs on block means at this rate (Hz): far above the sway and dip
    # bands, and 4–8× fewer steps than the raw stream.
    decimate_hz: float = 25.0
