"""One foam-rolling bout as channels over time: the segment slides along the roller in
back-and-forth strokes and turns a little with each (the hip and knee angles change as
the hands or the other leg push the body along), with short stops on a tender spot.
Angles in degrees unless named _rad; slide in metres."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from eccentric.core.chunk import FloatArray


@dataclass(frozen=True)
class Stop:
    """A stop on a tender spot after stroke ``after`` (0-based), ``duration_s`` long."""

    after: int
    duration_s: float


@dataclass(frozen=True)
class BoutPlan:
    """What one bout looks like (all drawn by the storyboard)."""

    periods_s: tuple[float, ...]  # one per stroke (out and back)
    gains: tuple[float, ...]  # per-stroke amplitude factor (about 1)
    slide_m: float  # stroke length along the roller
    turn_deg: float  # sagittal turn of the segment per stroke
    axial_deg: float  # turn about the segment's long axis per stroke
    axial_phase: float  # phase of the axial turn against the slide (rad)
    stops: tuple[Stop, ...] = ()

    @property
    def strokes(self) -> int:
        return len(self.periods_s)


@dataclass(frozen=True)
class BoutMotion:
    slide_m: FloatArray
    turn_rad: FloatArray
    axial_rad: FloatArray


def foam_roll_bout(plan: BoutPlan, dt_s: float) -> BoutMotion:
    """The slide (m), sagittal turn (rad) and axial turn (rad) of one bout, from the first
    sample of the first stroke to the last of the last, relative to the resting pose.
    Each stroke goes out and back as (1 − cos)/2, so it starts and ends at rest."""
    slide: list[FloatArray] = []
    turn: list[FloatArray] = []
    axial: list[FloatArray] = []
    stops = {s.after: s.duration_s for s in plan.stops}
    for i, (period, gain) in enumerate(zip(plan.periods_s, plan.gains, strict=True)):
        n = max(round(period / dt_s), 2)
        u = np.arange(n) / n
        shape = 0.5 * (1.0 - np.cos(2 * math.pi * u))
        slide.append(plan.slide_m * gain * shape)
        turn.append(math.radians(plan.turn_deg * gain) * shape)
        axial.append(math.radians(plan.axial_deg * gain) * 0.5
                     * (np.cos(plan.axial_phase) - np.cos(2 * math.pi * u + plan.axial_phase)))
        if i in stops and i < plan.strokes - 1:
            k = round(stops[i] / dt_s)
            for part in (slide, turn, axial):
                part.append(np.zeros(k))
    # The last sample at rest again, so the bout ends exactly where its motion does.
    slide.append(np.zeros(1))
    turn.append(np.zeros(1))
    axial.append(np.zeros(1))
    return BoutMotion(np.concatenate(slide), np.concatenate(turn), np.concatenate(axial))
