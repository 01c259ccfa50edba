"""Detector kinds: which class a settings object builds. The one place that maps a
profile's detector settings to a streaming detector."""

from __future__ import annotations

from eccentric.detect.base import Detector, RepSpec
from eccentric.detect.bout.detector import BoutDetector
from eccentric.detect.bout.settings import BoutSettings
from eccentric.detect.cycles.counter import CycleCounter
from eccentric.detect.cycles.settings import CycleSettings
from eccentric.detect.excursion.detector import ExcursionDetector
from eccentric.detect.excursion.settings import ExcursionSettings
from eccentric.detect.hold.detector import HoldDetector
from eccentric.detect.hold.settings import HoldSettings
from eccentric.detect.rotation.detector import RotationDetector
from eccentric.detect.rotation.settings import RotationSettings

DetectorSettings = (ExcursionSettings | CycleSettings | HoldSettings | BoutSettings
                    | RotationSettings)


def make_detector(settings: DetectorSettings, spec: RepSpec, rate_hz: float) -> Detector:
    """A fresh detector for one stream at ``rate_hz`` (Hz)."""
    if isinstance(settings, CycleSettings):
        return CycleCounter(rate_hz, settings, spec.exercise)
    if isinstance(settings, HoldSettings):
        return HoldDetector(settings, spec, rate_hz)
    if isinstance(settings, BoutSettings):
        return BoutDetector(settings, spec, rate_hz)
    if isinstance(settings, RotationSettings):
        return RotationDetector(settings, spec, rate_hz)
    return ExcursionDetector(settings, spec, rate_hz)
