"""What the simulator needs from each simulated exercise, and the table of them.

A movement draws an athlete and writes the session's storyboard, says which channel
carries the working segment, turns body-pose channels into the sensor segment's motion
and labels each rep. Adding a simulated exercise means a module under ``scripts/``
and a line in ``MOVEMENTS``; which placements fit comes from the exercise catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from eccentric.core.chunk import FloatArray
from eccentric.core.errors import EccentricError
from eccentric.exercises.catalogue import get_profile
from eccentric.sim.labels import Motion
from eccentric.sim.options import SessionOptions
from eccentric.sim.storyboard import Script


@dataclass(frozen=True)
class SegmentMotion:
    pitch: FloatArray
    roll: FloatArray
    yaw: FloatArray
    pivot: FloatArray  # (n, 3)
    label_angle_deg: FloatArray


@dataclass(frozen=True)
class Drawn:
    """One drawn athlete and the storyboard of their session."""

    script: Script
    height_m: float
    thigh_m: float
    athlete: dict[str, object]


class Movement(Protocol):
    @property
    def family(self) -> str:
        """Tremor class of the movement (see human.draw_shakiness)."""
        ...

    @property
    def single(self) -> bool:
        """One leg works (the side is labelled)."""
        ...

    @property
    def main_channel(self) -> str:
        """The body-pose channel of the segment the exercise moves (gets sway, tremor)."""
        ...

    def draw(self, opts: SessionOptions, placement: str, leg_sign: float,
             rng: np.random.Generator, dt_s: float) -> Drawn: ...

    def segment_motion(self, ch: dict[str, FloatArray], placement: str,
                       thigh_m: float) -> SegmentMotion: ...

    def rep_label(self, motion: Motion, i0: int, i1: int, to_file: Any) -> dict[str, Any]: ...


def get_movement(exercise: str) -> Movement:
    from eccentric.sim.scripts import MOVEMENTS

    if exercise not in MOVEMENTS:
        raise EccentricError(f"unknown exercise {exercise!r}; the simulator knows "
                             f"{', '.join(MOVEMENTS)}")
    return MOVEMENTS[exercise]


def check_exercise(exercise: str, placement: str) -> None:
    """Raise unless the simulator has ``exercise`` and the sensor may sit at ``placement``."""
    get_movement(exercise)
    placements = get_profile(exercise).placements
    if placement not in placements:
        raise EccentricError(f"placement {placement!r} does not fit {exercise}; use one of "
                             f"{', '.join(placements)}")
