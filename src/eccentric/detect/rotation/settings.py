"""Tuning of the rotation detector (the trunk turns about the vertical axis from a
facing pose and back, its tilt barely changing). Units in the names, reasons beside."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RotationSettings:
    """What the rotation detector needs to decide and segment a rep."""

    # The vertical is the accelerometer's low-pass over this (s), not the attitude
    # filter's gravity: the trunk tilts by a few degrees only, and its turns accelerate
    # the sensor by < 1 m/s² (a few degrees, and only in the yaw rate's scale, by their
    # cosine), while the filter can start far off (a zero first sample) and take 5–10 s
    # to converge while the athlete sways (tuning draw: the first reps paired wrongly).
    gravity_tau_s: float = 0.5
    # Accelerometer samples outside this magnitude (g) are no measure of the vertical.
    gravity_gate_g: tuple[float, float] = (0.5, 1.5)
    # The yaw rate is re-zeroed while it stays under this (°/s): above a still or
    # swaying stance and a gyro offset left after bias learning (≤ 1–3 °/s), below any
    # deliberate turn (a 20° rotation in 1.5 s peaks near 25 °/s).
    quiet_dps: float = 5.0
    # A rep leaves the facing pose by this much (deg) ...
    onset_deg: float = 8.0
    # ... and turns at least this far to count (deg); less is a twitch or a glance.
    min_rom_deg: float = 15.0
    # Shortest rep (s): turning out and back under load takes a second or more.
    min_rep_s: float = 0.8
    # Longest attempt (s) before it is given up.
    max_rep_s: float = 15.0
    # Beyond this the athlete turned round (walked off), not a rotation rep (deg).
    max_angle_deg: float = 120.0
    # Back within this fraction of the peak, the rep ends where the return speed fades.
    return_fraction: float = 0.25
    # Boundaries: the yaw rate crosses max(boundary_min_dps, fraction × phase peak).
    boundary_min_dps: float = 3.0
    boundary_peak_fraction: float = 0.05
    # A turn out, then a long data gap, then this long quiet (s): the return was in the
    # gap (a hold at the far end is 0–1.5 s; the pause before the next rep as long).
    gap_settle_s: float = 1.5
    # Such a rep ends this many times its way out after the gap began (the hold and the
    # return, 1:1 to 1:2 of the turn out by cue), or with the gap if that is sooner.
    gap_return_per_out: float = 1.5
    # Still this long in mid-rep: the athlete settled elsewhere; the attempt is dropped.
    max_still_in_rep_s: float = 4.0
