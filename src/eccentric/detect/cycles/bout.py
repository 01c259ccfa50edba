"""A bout: one run of periodic movement, from the lock to its end."""

from __future__ import annotations

from dataclasses import dataclass

from eccentric.core.chunk import FloatArray
from eccentric.detect.cycles.zigzag import Turn


@dataclass(slots=True)
class Bout:
    """One run of periodic movement: chosen feature, its axis, period and turn history.

    ``signal`` is ROTATION or ACCELERATION (see features.py); ``axis`` the unit principal
    axis of that feature, ``rot_axis`` the one of rotation (for ``rom_deg``); ``period_s``
    the current repetition period (s); ``turns`` the undecided turning points, always
    starting on the rest side; ``swings`` the last five turn-to-turn swings.
    """

    signal: int
    axis: FloatArray
    rot_axis: FloatArray
    period_s: float
    turns: list[Turn]
    swings: list[float]
    rest_kind: int = 0
    n_turns: int = 0  # turning points seen in this bout
    emitted: bool = False  # the rep of turns[0:2] was already emitted on its return
