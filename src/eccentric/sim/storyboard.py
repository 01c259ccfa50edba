"""What every simulated session's storyboard shares: the labelled movements it holds
(reps and non-reps, as grid sample ranges), where the non-reps go, and body heights."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from eccentric.sim.options import SessionOptions
from eccentric.sim.track import Track

KNEEL_KNEE_Z_M = 0.08  # knee joint centre above the floor when kneeling on a pad
STAND_KNEE_Z_M = 0.50  # ≈ 0.285 × a 1.75 m stature (Winter proportions, NOT VERIFIED)


def uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


@dataclass
class Design:
    """A movement to label: grid samples [i0, i1)."""

    kind: str  # "rep" or a non-rep kind
    set: int
    rep_in_set: int
    i0: int
    i1: int


@dataclass
class Script:
    track: Track
    designs: list[Design] = field(default_factory=list)
    # Grid sample ranges [i0, i1) spent still in the start pose (before a set, between
    # reps): where the ``rest_sway_dps`` option makes the leg sway.
    start_pose: list[tuple[int, int]] = field(default_factory=list)

    def hold_start_pose(self, duration_s: float) -> None:
        self.start_pose.append(self.track.hold(duration_s))


def schedule(opts: SessionOptions, rng: np.random.Generator) -> dict[tuple[int, int], list[str]]:
    """Where the non-reps go: (set, before rep index) → kinds, in a fixed kind order."""
    out: dict[tuple[int, int], list[str]] = {}
    for kind, count in (("aborted", opts.aborted_starts), ("partial", opts.partial_reps),
                        ("fidget", opts.fidgets), ("reposition", opts.repositions)):
        for _ in range(count):
            k = int(rng.integers(1, opts.sets + 1))
            # Aborted starts and partials may precede the first rep; fidgets and
            # repositions happen between reps.
            lo = 0 if kind in ("aborted", "partial") or opts.reps == 1 else 1
            j = int(rng.integers(lo, opts.reps))
            out.setdefault((k, j), []).append(kind)
    return out
