"""Duration targets given as a range of seconds, e.g. ``--target-hold 20-30``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from eccentric.core.errors import EccentricError

_RANGE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*")


@dataclass(frozen=True)
class RangeS:
    """A closed range of durations in seconds."""

    lo_s: float
    hi_s: float

    def contains(self, duration_s: float) -> bool:
        return self.lo_s <= duration_s <= self.hi_s

    def __str__(self) -> str:
        return f"{self.lo_s:g}-{self.hi_s:g}"


def parse_range_s(text: str, flag: str = "--target-hold") -> RangeS:
    """``"20-30"`` → 20–30 s; a clear one-line error naming ``flag`` otherwise."""
    m = _RANGE.fullmatch(text)
    if m is None:
        raise EccentricError(f"{flag} {text!r}: give a range of seconds LO-HI, e.g. 20-30")
    lo, hi = float(m.group(1)), float(m.group(2))
    if hi < lo:
        raise EccentricError(f"{flag} {text!r}: the range's end is below its start")
    return RangeS(lo, hi)
