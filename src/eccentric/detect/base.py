"""What every detector sees (a MotionFrame) and what it must offer the pipeline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

from eccentric.core.events import Bout, Hold, Rep

if TYPE_CHECKING:  # annotations only: the catalogue imports this module, numpy-free
    import numpy as np
    import numpy.typing as npt

    from eccentric.core.chunk import FloatArray
    from eccentric.core.timing import Gap


@dataclass(frozen=True, slots=True)
class MotionFrame:
    """One chunk after orientation. Angles in degrees, rates in °/s, gyro in rad/s.

    ``angle_deg`` is the segment inclination from the calibrated start pose and
    ``rate_dps`` its signed time derivative (positive = moving away from the start).
    """

    t_s: FloatArray
    acc_mps2: FloatArray
    gyro_rads: FloatArray
    gravity: FloatArray
    still: npt.NDArray[np.bool_]
    angle_deg: FloatArray
    rate_dps: FloatArray
    gaps: list[Gap] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.t_s.shape[0])


Direction = Literal["out", "back"]


@dataclass(frozen=True)
class PhaseNames:
    """What a rep's phases are called: the way out from the start pose, the optional
    uncontrolled part of it after a break point, the time at the far end, the way back."""

    out: str
    back: str
    far: str = "hold"
    fall: str | None = None


@dataclass(frozen=True)
class RepSpec:
    """How a detector names and reports a rep of one exercise (from its profile).

    ``eccentric`` says which way of travel lengthens the working muscle; ``fields`` are
    the exercise's own rep measures (e.g. ``hold_s``, ``break_angle_deg``), reported in
    this order where the detector measured them.
    """

    exercise: str
    eccentric: Direction
    phases: PhaseNames
    fields: tuple[str, ...] = ()


@dataclass(slots=True)
class NonRep:
    """Movement that looked like a start but is not a rep (partial, aborted, timeout)."""

    reason: str
    start_s: float
    end_s: float
    peak_angle_deg: float
    # Stream time of the decision (defaults to end_s).
    decided_s: float | None = None


class Detector(Protocol):
    """A streaming detector: bounded state, deterministic, fed frames in order."""

    exercise: str

    def update(self, frame: MotionFrame) -> Sequence[Rep | NonRep | Hold | Bout]:
        """Consume one frame; return reps, holds or bouts (and rejected attempts) decided
        in it."""
        ...

    def finish(self) -> Sequence[Rep | NonRep | Hold | Bout]:
        """End of stream: decide whatever can still be decided."""
        ...

    def on_recalibrated(self, t_s: float) -> None:
        """The start pose was re-learnt at ``t_s``: angles before it are not comparable."""
        ...

    def settle(self, t_s: float, still_s: float) -> list[Rep | NonRep]:
        """A still pose was proposed at ``t_s`` (the newest sample seen) after ``still_s``
        of stillness: an attempt still that long settled there; give it up now, so the
        pose is learnt from this very proposal (returns what was given up)."""
        ...

    @property
    def busy(self) -> bool:
        """True while inside a rep or hold; the start-pose calibration must not move then."""
        ...

    @property
    def phase(self) -> str:
        """Current phase name for live displays (e.g. ``idle``, ``eccentric``)."""
        ...
