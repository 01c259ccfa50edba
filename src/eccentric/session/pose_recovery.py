"""Reps whose start pose was lost in a data gap, recovered once the pose is learnt again.

The excursion detectors measure from the still start pose. When a BLE drop-out swallows
the still moment before a set, the first rep runs on the pose from before the gap (often
a different one: the athlete was still getting into position) and is missed. The next
still moment (the pause after that rep) teaches the pipeline the real start pose; the
frames since the gap are then judged again, with that pose, by a fresh detector. Its reps
are flagged ``start_pose_after_gap`` and decided when the pose is learnt, so they come
later than the others (about the calibration still time after the rep ends).

Only the frames since the last long gap are kept, at most MAX_BUFFER_S of them, and only
until the first rep after the gap is decided: memory stays bounded.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from eccentric.core.timing import Gap
from eccentric.detect.base import MotionFrame

# The attitude filter restarts from the accelerometer after gaps this long (see
# orientation.fusion), and a pose can change within half a second of lost data.
POSE_LOST_GAP_S = 0.5
# A set's first rep plus the still pause after it: 4-6 s reps (ball leg curl at 1-1-3,
# Nordic lowering) and a 1 s calibration; 30 s leaves room for a slow setup.
MAX_BUFFER_S = 30.0
FLAG = "start_pose_after_gap"


class AfterGapBuffer:
    """Frames (attitude, not angle) seen since the last long gap, while no rep was decided."""

    def __init__(self) -> None:
        self._parts: list[MotionFrame] = []
        self._start_s: float | None = None

    @property
    def active(self) -> bool:
        return self._start_s is not None

    def on_gaps(self, gaps: list[Gap]) -> None:
        """A long gap starts (or restarts) the buffer."""
        long = [g for g in gaps if g.duration_s >= POSE_LOST_GAP_S]
        if long:
            self._parts = []
            self._start_s = long[-1].end_s

    def add(self, frame: MotionFrame) -> None:
        if self._start_s is None:
            return
        keep = frame.t_s >= self._start_s
        if not keep.any():
            return
        self._parts.append(_slice(frame, keep))
        if float(frame.t_s[-1]) - self._start_s > MAX_BUFFER_S:
            self.clear()  # too long ago: whatever happened there is not a set's first rep

    def clear(self) -> None:
        self._parts = []
        self._start_s = None

    def take(self) -> list[MotionFrame]:
        """The buffered frames, in order (their angles are from the old start pose);
        the buffer is emptied."""
        parts = self._parts
        self.clear()
        return parts


def _slice(frame: MotionFrame, keep: npt.NDArray[np.bool_]) -> MotionFrame:
    return MotionFrame(frame.t_s[keep], frame.acc_mps2[keep], frame.gyro_rads[keep],
                       frame.gravity[keep], frame.still[keep], frame.angle_deg[keep],
                       frame.rate_dps[keep], frame.gaps)
