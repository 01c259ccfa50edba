"""Which catalogue exercise a set is, from one sensor: posture log, walking, scores.

What one sensor can tell (docs/accuracy.md, "Mixed sessions"): the tilt of the start
pose from upright (learnt while the athlete walks: thigh, trunk and shank are then
near vertical), which detector kind finds its movement there (excursion reps, timed
holds, bouts of strokes) and how far the reps swing. Exercises that share geometry
and detector (Nordic with or without band, ball curl on one or two legs) are told
apart only weakly; below ``MIN_CONFIDENCE`` the set is reported as ``unknown``.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from eccentric.core.chunk import ImuChunk

BLOCK_S = 0.25  # posture log resolution (s)
LOG_S = 180.0  # how far back the posture log reaches (s): bounded memory
# Walking: over WALK_WINDOW_S the gyro RMS and the spread of |acc| are both high
# (a stride swings the segment ±15–25° at ~0.9 Hz, heel strikes shake |acc|).
WALK_WINDOW_S = 2.5
WALK_GYRO_RMS_DPS = 30.0  # in nearly every block of the window (a stride never stops)
WALK_BLOCK_FRACTION = 0.85
WALK_ACC_SD_MPS2 = 0.5
# Before any upright direction is known, the walk must last this much longer (s): a
# shift between two foam-rolling spots is as brisk, but short.
WALK_FIRST_EXTRA_S = 2.5
# Once an upright direction is known, a walk keeps the segment within this of it (deg):
# foam-rolling strokes move as briskly, but lying on the roller.
WALK_UPRIGHT_DEG = 40.0
MIN_CONFIDENCE = 0.5


@dataclass(frozen=True)
class Prior:
    """Start-pose tilt from upright (deg, mean and spread), rep swing range (deg) and how
    fast the likelihood falls outside that range (deg per SD)."""

    tilt_deg: float
    tilt_sd_deg: float
    rom_deg: tuple[float, float]
    rom_soft_deg: float = 10.0


# Start tilts from the catalogue's geometry (kneeling or standing upright 0°, the 45°
# bench, lying 90°, the bridge's thigh 135°, the supine shank on the ball beyond
# horizontal), their spreads and the swing ranges set from the tuning draw of
# benchmarks/sessions.py (seeds 0–19, never the held-out draw).
PRIORS: dict[str, Prior] = {
    # Kneeling and standing share the upright start: only the swing tells the Nordic
    # (78–96° in the tuning draw, band or not) from the single-leg deadlift (37–70°), so
    # its edge between them is sharp.
    "nordic_curl": Prior(7.0, 7.0, (75.0, 120.0), 3.0),
    "ball_leg_curl": Prior(115.0, 8.0, (45.0, 80.0)),
    "single_leg_deadlift": Prior(7.0, 7.0, (25.0, 73.0), 3.0),
    "single_leg_bridge": Prior(137.0, 7.0, (15.0, 50.0)),
    "roman_chair_hinge": Prior(47.0, 8.0, (45.0, 95.0)),
    "situp": Prior(90.0, 8.0, (60.0, 100.0)),
    "side_plank": Prior(66.0, 10.0, (0.0, 45.0)),
    "foam_roll": Prior(85.0, 25.0, (0.0, 90.0)),
}
# The Nordic's own detector finds a break (the fall) in nearly every unassisted rep; a
# band slows or removes it. Below this share of reps with a break, a Nordic set is
# called band-assisted (tuning draw: unassisted 1.0 every set, banded 0–0.86).
BAND_BREAK_SHARE = 0.95


# A single-leg ball curl wobbles in the pauses between reps (one leg balances the ball):
# median gyro RMS of the pause blocks above this (°/s) says single-leg (tuning draw:
# two legs 2.0–2.7, one leg 3.3–4.1).
SINGLE_LEG_PAUSE_DPS = 3.0
MIN_PAUSE_BLOCKS = 3


def ball_variant(pause_gyro_dps: list[float]) -> str | None:
    """``ball_leg_curl`` or ``ball_leg_curl_single`` from the pauses' gyro RMS (°/s);
    None with too few pause blocks to tell."""
    if len(pause_gyro_dps) < MIN_PAUSE_BLOCKS:
        return None
    if float(np.median(pause_gyro_dps)) > SINGLE_LEG_PAUSE_DPS:
        return "ball_leg_curl_single"
    return "ball_leg_curl"


def nordic_variant(break_share: float | None) -> str:
    """``nordic_curl`` or ``nordic_curl_band`` from the share of reps with a break."""
    if break_share is not None and break_share < BAND_BREAK_SHARE:
        return "nordic_curl_band"
    return "nordic_curl"


@dataclass
class Block:
    t_s: float
    acc_dir: np.ndarray  # unit mean specific-force direction (sensor frame)
    gyro_rms_dps: float
    acc_sd_mps2: float


class PostureLog:
    """Blocks of BLOCK_S: mean gravity direction, gyro RMS, |acc| spread; walking
    intervals; the upright direction learnt while walking."""

    def __init__(self) -> None:
        self.blocks: deque[Block] = deque(maxlen=int(LOG_S / BLOCK_S))
        self._pending: list[ImuChunk] = []
        self._pending_n = 0
        self._block_t0: float | None = None
        self.upright: np.ndarray | None = None
        # Until a walk is seen, the stream's first pose stands in for upright (a session
        # starts standing, strapping the sensor on).
        self.first_dir: np.ndarray | None = None
        self.walking = False
        self.walk_since_s: float | None = None
        # When the walk under way was first recognised (s); None while not walking.
        self.walk_start_detected_s: float | None = None
        self.last_walk_s: float | None = None
        self.walks: deque[tuple[float, float]] = deque(maxlen=64)
        self._brisk_since_s: float | None = None

    def add(self, chunk: ImuChunk) -> None:
        if len(chunk) == 0:
            return
        t = chunk.t_s
        if self._block_t0 is None:
            self._block_t0 = float(t[0])
        lo = 0
        while True:
            edge = self._block_t0 + BLOCK_S
            hi = int(np.searchsorted(t, edge))
            if hi >= len(t):
                self._pending.append(chunk_slice(chunk, lo, len(t)))
                return
            self._pending.append(chunk_slice(chunk, lo, hi))
            self._close_block(edge)
            self._block_t0 = edge
            lo = hi

    def _close_block(self, t_end: float) -> None:
        parts = [p for p in self._pending if len(p)]
        self._pending = []
        if not parts:
            return
        acc = np.concatenate([p.acc_mps2 for p in parts])
        gyro = np.concatenate([p.gyro_rads for p in parts])
        norm = np.linalg.norm(acc, axis=1)
        mean = acc.mean(axis=0)
        block = Block(t_end - 0.5 * BLOCK_S, mean / max(float(np.linalg.norm(mean)), 1e-9),
                      float(np.degrees(np.sqrt((gyro ** 2).sum(axis=1).mean()))),
                      float(norm.std()))
        self.blocks.append(block)
        if self.first_dir is None:
            self.first_dir = block.acc_dir
        self._update_walk(t_end)

    def _update_walk(self, t_s: float) -> None:
        n = int(WALK_WINDOW_S / BLOCK_S)
        if len(self.blocks) < n:
            return
        recent = list(self.blocks)[-n:]
        moving = float(np.mean([b.gyro_rms_dps > WALK_GYRO_RMS_DPS for b in recent]))
        acc_sd = float(np.median([b.acc_sd_mps2 for b in recent]))
        walking = moving >= WALK_BLOCK_FRACTION and acc_sd > WALK_ACC_SD_MPS2
        if not walking:
            self._brisk_since_s = None
        elif self._brisk_since_s is None:
            self._brisk_since_s = t_s
        mean = _unit(np.mean([b.acc_dir for b in recent], axis=0))
        if walking and self.upright is not None:
            walking = angle_deg(mean, self.upright) < WALK_UPRIGHT_DEG
        elif walking and self._brisk_since_s is not None:
            walking = t_s - self._brisk_since_s >= WALK_FIRST_EXTRA_S
        if walking:
            if not self.walking:
                self.walk_since_s = t_s - WALK_WINDOW_S
                self.walk_start_detected_s = t_s
            self.last_walk_s = t_s
            # The mean over strides is the segment's upright direction.
            self.upright = (mean if self.upright is None
                            else _unit(0.8 * self.upright + 0.2 * mean))
        elif self.walking and self.walk_since_s is not None:
            self.walks.append((self.walk_since_s, t_s))
        if not walking:
            self.walk_start_detected_s = None
        self.walking = walking

    def blocks_after(self, t_s: float) -> list[Block]:
        """The logged blocks later than ``t_s``, oldest first."""
        out: list[Block] = []
        for b in reversed(self.blocks):
            if b.t_s <= t_s:
                break
            out.append(b)
        return out[::-1]

    def walked_between(self, a_s: float, b_s: float) -> bool:
        """Whether a walk overlaps the stream interval [a_s, b_s]."""
        if self.walking and self.walk_since_s is not None and self.walk_since_s < b_s:
            return True
        return any(w0 < b_s and w1 > a_s for w0, w1 in self.walks)

    def direction_at(self, t_s: float) -> np.ndarray | None:
        """Mean gravity direction of the block nearest before ``t_s``."""
        best = None
        for b in reversed(self.blocks):
            if b.t_s <= t_s:
                return b.acc_dir
            best = b.acc_dir
        return best

    def tilt_from_upright_deg(self, t_s: float) -> float | None:
        d = self.direction_at(t_s)
        up = self.upright if self.upright is not None else self.first_dir
        if d is None or up is None:
            return None
        return angle_deg(d, up)


def chunk_slice(chunk: ImuChunk, lo: int, hi: int) -> ImuChunk:
    return ImuChunk(chunk.t_s[lo:hi], chunk.acc_mps2[lo:hi], chunk.gyro_rads[lo:hi])


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-12)


def angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    return math.degrees(math.acos(float(np.clip(_unit(a) @ _unit(b), -1.0, 1.0))))


def pose_log_likelihood(exercise: str, tilt_deg: float | None, rom_deg: float | None) -> float:
    """Log-likelihood (up to a constant) of a set's start tilt and median rep swing
    under ``exercise``'s prior; an unknown feature adds nothing."""
    p = PRIORS[exercise]
    out = 0.0
    if tilt_deg is not None:
        out -= 0.5 * ((tilt_deg - p.tilt_deg) / p.tilt_sd_deg) ** 2
    if rom_deg is not None:
        lo, hi = p.rom_deg
        miss = max(lo - rom_deg, rom_deg - hi, 0.0)
        out -= 0.5 * (miss / p.rom_soft_deg) ** 2
    return out


def softmax_confidence(scores: dict[str, float]) -> tuple[str, float]:
    """The best-scoring exercise and its share of the probability (0–1)."""
    names = list(scores)
    arr = np.array([scores[n] for n in names])
    p = np.exp(arr - arr.max())
    p /= p.sum()
    k = int(np.argmax(p))
    return names[k], float(p[k])
