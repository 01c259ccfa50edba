"""What an exercise profile says: data only, no code paths per exercise.

A profile names the segment(s) that carry the sensor, which way of travel is
eccentric, what the phases and rep measures are called, the detector kind (by its
settings object) with the thresholds that differ for this movement, and how a set
is framed (still start pose, rest that closes it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from eccentric.attitude.settings import FusionSettings
from eccentric.detect.base import Direction, PhaseNames, RepSpec

if TYPE_CHECKING:  # the registry imports every detector (scipy, imufusion); the catalogue
    # is data, read by the CLI to build its choices, and must stay light
    from eccentric.detect.registry import DetectorSettings


@dataclass(frozen=True)
class ExerciseProfile:
    name: str
    description: str
    placements: tuple[str, ...]
    # Detector kind and its tuning: ExcursionSettings, CycleSettings, HoldSettings,
    # BoutSettings or RotationSettings.
    detector: DetectorSettings
    phases: PhaseNames
    eccentric: Direction = "out"
    # The exercise's own rep measures, in report order (keys of the rep event).
    rep_fields: tuple[str, ...] = ()
    # Reps are only looked for once a still start pose has been seen: a live session
    # says "hold still to calibrate", and lead-in movement is never counted.
    needs_still_start: bool = True
    # Still time that re-zeroes the start pose between reps and sets (s).
    calibration_still_s: float = 1.0
    # No rep for this long closes the set (s): longer than any pause coaches prescribe
    # between reps (1–5 s), shorter than the 30 s+ rests between sets.
    set_end_rest_s: float = 15.0
    target_tempo: str | None = None
    sided: bool = False
    # A swaying start pose (attitude/calibration.py SwayCalibrator) is refused when its
    # window holds SWAY_MAX_STILL_S of strict stillness in total (False) or in one run
    # (True): sway that breaks the stillness every few tenths of a second leaves the
    # still calibrator no chance either, however much of the window is still.
    sway_still_by_run: bool = False
    # The attitude filter's settings (gravity direction for the segment angle).
    attitude: FusionSettings = field(default_factory=FusionSettings)

    @property
    def rep_spec(self) -> RepSpec:
        return RepSpec(self.name, self.eccentric, self.phases, self.rep_fields)
