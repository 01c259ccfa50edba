"""What every simulated session's storyboard shares: the labelled movements it holds
(reps and non-reps, as grid sample ranges), where the non-reps go, and body heights."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from eccentric.sim import human
from eccentric.sim.options import SessionOptions
from eccentric.sim.track import Track

KNEEL_KNEE_Z_M = 0.08  # knee joint centre above the floor when kneeling on a pad
STAND_KNEE_Z_M = 0.50  # ≈ 0.285 × a 1.75 m stature (Winter proportions, NOT VERIFIED)


def uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


@dataclass
class Design:
    """A movement to label: grid samples [i0, i1)."""

    kind: str  # "rep", "hold" or a non-rep kind
    set: int
    rep_in_set: int
    i0: int
    i1: int
    # Ground truth known only from the design (e.g. a hold's designed hip dips), copied
    # into the label.
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class Script:
    track: Track
    designs: list[Design] = field(default_factory=list)
    # Grid sample ranges [i0, i1) spent still in the start pose (before a set, between
    # reps): where the ``rest_sway_dps`` option makes the leg sway.
    start_pose: list[tuple[int, int]] = field(default_factory=list)
    # Design marks of reps, keyed by the rep's first grid sample: "onset" (where the
    # commanded movement begins) and, where it has one, "back_onset" (where its way
    # back begins), as grid indices. Labels start those phases there (sim/labels.py).
    marks: dict[int, dict[str, int]] = field(default_factory=dict)

    def mark(self, i0: int, marks: dict[str, int], keys: tuple[str, ...]) -> None:
        """Record a rep's design ``marks`` (indices from its first sample ``i0``)."""
        self.marks[i0] = {k: i0 + marks[k] for k in keys if k in marks}

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


def play_sets(sc: Script, opts: SessionOptions, rng: np.random.Generator, pause_s: float, *,
              nonrep: Callable[[str], tuple[int, int]],
              rep: Callable[[float], tuple[int, int]],
              rest: Callable[[], None]) -> None:
    """The sets of a session: each rep (``rep(fatigue)`` appends it and returns its grid
    range) with the scheduled non-reps before it, pauses of about ``pause_s`` between
    reps, and ``rest()`` between sets. Fatigue (0–1) grows over a set; a rest recovers
    most, not all, of it."""
    plan_nonreps = schedule(opts, rng)
    carry = 0.0
    for k in range(1, opts.sets + 1):
        fatigue = carry
        for j in range(opts.reps):
            for kind in plan_nonreps.get((k, j), []):
                i0, i1 = nonrep(kind)
                sc.designs.append(Design(kind, k, j, i0, i1))
                sc.hold_start_pose(uniform(rng, 0.8, 2.0))
            i0, i1 = rep(fatigue)
            sc.designs.append(Design("rep", k, j + 1, i0, i1))
            fatigue = min(1.0, carry + opts.fatigue * (j + 1) / max(opts.reps - 1, 1))
            if j < opts.reps - 1:
                sc.hold_start_pose(human.pause_s(pause_s, fatigue, rng))
        sc.hold_start_pose(uniform(rng, 1.0, 2.5))
        if k < opts.sets:
            rest()
            carry = 0.3 * fatigue
