"""Coach tempo notation: eccentric–pause–concentric–pause, in seconds (e.g. ``4-1-1-0``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from eccentric.core.errors import EccentricError


@dataclass(frozen=True)
class Tempo:
    """Four phase durations in seconds; None means "any" (written ``x`` by coaches)."""

    eccentric_s: float | None
    pause1_s: float | None
    concentric_s: float | None
    pause2_s: float | None

    def as_tuple(self) -> tuple[float | None, float | None, float | None, float | None]:
        return (self.eccentric_s, self.pause1_s, self.concentric_s, self.pause2_s)


def parse_tempo(text: str) -> Tempo:
    """Accept ``4-1-1-0``, ``4110`` or ``3-0-x-1`` (``x``: any duration)."""
    s = text.strip().lower()
    parts = s.split("-") if "-" in s else list(s)
    if len(parts) != 4 or not all(re.fullmatch(r"\d+(\.\d+)?|x", p) for p in parts):
        raise EccentricError(
            f"tempo {text!r} is not coach notation: give four durations in seconds, "
            "eccentric-pause-concentric-pause, e.g. 4-1-1-0 or 3-0-x-1"
        )
    vals = [None if p == "x" else float(p) for p in parts]
    return Tempo(vals[0], vals[1], vals[2], vals[3])


def format_tempo(tempo: Tempo) -> str:
    """Whole seconds, half up, as coaches write it."""
    return "-".join("x" if v is None else str(int(max(v, 0.0) + 0.5)) for v in tempo.as_tuple())


def within_target(measured: Tempo, target: Tempo) -> bool:
    """Every prescribed phase within max(0.5 s, 15 %) of its target.

    0.5 s is about twice the best published per-phase timing agreement (±0.2–0.3 s,
    anchors T1/T2), so a flag means the athlete missed the prescription, not the sensor.
    """
    for m, t in zip(measured.as_tuple(), target.as_tuple(), strict=True):
        if t is None or m is None:
            continue
        if abs(m - t) > max(0.5, 0.15 * t):
            return False
    return True
