"""Attitude-filter settings (data only: exercise profiles name them without loading
``imufusion``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FusionSettings:
    """Filter settings; defaults follow the Fusion README's recommendations.

    gain 0.5 and a 10° acceleration-rejection threshold are the README's suggestions
    for most applications; the reference notes (rep_counting_anchors.md §7) measured
    ~0.8° RMSE with them on a synthetic Nordic trajectory. Gyro-bias estimation needs
    still periods (below ``bias_stationary_threshold_dps`` for ``bias_stationary_period_s``),
    which the still time before every set provides. An exercise profile may choose
    its own (``ExerciseProfile.attitude``): movements that sway at rest need a looser
    rejection.
    """

    gain: float = 0.5
    acceleration_rejection_deg: float = 10.0
    # Fusion recovers from rejecting the accelerometer after this long. The README's 5 s
    # lets attitude error from a fast lead-in movement linger for seconds; the longest
    # high-acceleration stretch in our exercises (Nordic fall and catch) is under 1 s.
    rejection_timeout_s: float = 1.5
    gyro_range_dps: float = 2000.0
    # Fusion's default 3 °/s never fires on a sensor whose zero-rate offset is larger
    # than that (±5 °/s is a common MEMS specification); 6 °/s still excludes movement.
    bias_stationary_threshold_dps: float = 6.0
    bias_stationary_period_s: float = 1.0
    # Quasi-static gate (None: off, every sample's accelerometer reaches Fusion): the
    # accelerometer corrects the attitude only on samples turning slower than
    # ``accel_gate_dps`` with |acc| within ``accel_gate_mps2`` of 1 g; elsewhere the
    # attitude follows the gyro alone. A loose rejection then pulls a drifted attitude
    # back during the short still moments between reps without letting the body
    # accelerations of a quick movement tilt it.
    accel_gate_dps: float | None = None
    accel_gate_mps2: float = 1.0
