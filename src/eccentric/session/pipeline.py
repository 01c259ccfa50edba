"""The one streaming path shared by live sessions and replays.

    chunk → TimelineGuard → AttitudeFilter → segment angle → Detector → SetTracker → events

Every stage keeps bounded state, so memory does not grow with session length, and no
stage reads a clock: the same chunks always give the same events.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from eccentric.attitude.calibration import StillCalibrator, SwayCalibrator
from eccentric.attitude.fusion import AttitudeFilter
from eccentric.attitude.tilt import tilt_from_reference_deg, tilt_rate_dps
from eccentric.attitude.vectors import row_norms
from eccentric.core.chunk import ImuChunk
from eccentric.core.events import (
    Bout,
    Event,
    Hold,
    Rep,
    end_event,
    gap_event,
    live_event,
    no_start_pose_event,
    nonrep_event,
)
from eccentric.core.timing import Gap, TimelineGuard
from eccentric.core.units import STANDARD_GRAVITY_MPS2
from eccentric.detect.base import Detector, MotionFrame, NonRep
from eccentric.detect.hold.settings import HoldSettings
from eccentric.detect.registry import make_detector
from eccentric.exercises.catalogue import get_profile
from eccentric.exercises.profile import ExerciseProfile
from eccentric.session.pose_recovery import FLAG as AFTER_GAP_FLAG
from eccentric.session.pose_recovery import AfterGapBuffer
from eccentric.session.sets import SetTracker

# A re-learnt start pose that moved less than this keeps older angles comparable, so
# the detector may still look back across it (e.g. for a rep's true start).
REBASE_DEG = 2.0
# Proposals closer than this to the current start pose (deg) are noise and ignored.
MIN_UPDATE_DEG = 0.2
# No start pose learnt (nor a rep counted) for this long means the athlete is never
# still in the start pose: say so (s). Longer than getting into position after a rest
# with a walk about (up to ~25 s in the simulated sessions), short enough to act on.
NO_POSE_S = 30.0


@dataclass(frozen=True)
class PipelineConfig:
    """Who and what; ``live_hz`` > 0 adds throttled ``live`` events for gauges."""

    exercise: str = "auto"
    rate_hz: float = 100.0
    athlete: str = "athlete"
    session_id: str = "session"
    side: str | None = None
    target_tempo: str | None = None
    live_hz: float = 0.0
    # Hold-duration target as "LO-HI" seconds (timed-hold exercises): holds outside it
    # are flagged.
    target_hold: str | None = None
    # Bout-duration target as "LO-HI" seconds (bout exercises, e.g. foam_roll): bouts
    # outside it are flagged.
    target_bout: str | None = None


class Pipeline:
    """Feed chunks in stream order with :meth:`process`; call :meth:`finish` at the end."""

    def __init__(self, config: PipelineConfig) -> None:
        self.config = config
        self.profile: ExerciseProfile = get_profile(config.exercise)
        self.detector: Detector = make_detector(self.profile.detector, self.profile.rep_spec,
                                                 config.rate_hz)
        self.timeline = TimelineGuard(config.rate_hz)
        self.attitude = AttitudeFilter(config.rate_hz)
        self.calibrator = StillCalibrator(self.profile.calibration_still_s)
        self.sway_calibrator = SwayCalibrator()
        self.sets = SetTracker(self.profile, session_id=config.session_id,
                               target_tempo=config.target_tempo or self.profile.target_tempo,
                               side=config.side, target_hold=config.target_hold,
                               target_bout=config.target_bout)
        self.reference: np.ndarray | None = None
        self.calibrated = not self.profile.needs_still_start
        self._last_t: float | None = None
        self._next_live_t = -np.inf
        self._after_gap = AfterGapBuffer()
        # When a start pose was last learnt (or a rep counted from one), and whether
        # the athlete has been told that none could be learnt since.
        self._pose_ok_s: float | None = None
        self._told_no_pose = False

    @property
    def reps(self) -> int:
        return self.sets.total_reps

    def process(self, chunk: ImuChunk) -> list[Event]:
        chunk, gaps = self.timeline.process(chunk)
        events: list[Event] = [gap_event(g.start_s, g.end_s) for g in gaps]
        if self.profile.needs_still_start:
            self._after_gap.on_gaps(gaps)
        if len(chunk) == 0:
            return events
        gravity, gyro, still = self.attitude.process(chunk)
        for g in gaps:
            # A still streak does not survive a gap: the pose may have changed inside it.
            still[np.searchsorted(chunk.t_s, g.end_s)] = False
        if self.reference is None:
            # Until a still period is seen, the first attitude stands in for the start pose.
            self.reference = gravity[0].copy()
        # At rest the accelerometer measures gravity directly; the attitude filter only
        # converges to it (and is snapped to it within 0.5°, see fusion.RESYNC_DEG).
        acc_norm = row_norms(chunk.acc_mps2)
        acc_dir = chunk.acc_mps2 / np.maximum(acc_norm, 1e-9)
        proposals = self.calibrator.update(chunk.t_s, acc_dir, still)
        if self.profile.needs_still_start:
            # A held pose that sways (one leg on the ball) is never still: learn it from
            # its mean. Taken only as a new pose, never to refine the current one (a
            # rep's onset inside the window would shift it).
            sway = self.sway_calibrator.update(
                chunk.t_s, acc_dir, gravity, np.degrees(gyro),
                np.abs(acc_norm[:, 0] - STANDARD_GRAVITY_MPS2), still)
            if sway:
                proposals = sorted(proposals + sway, key=lambda p: p[0])
        # Cut the chunk where a proposed start pose is taken, so it takes effect at the
        # same sample however the stream was chunked.
        lo = 0
        for k, cal in proposals:
            moved_deg = float(tilt_from_reference_deg(cal.reference[None, :],
                                                      self.reference)[0])
            if self.calibrated and moved_deg < (REBASE_DEG if cal.quasi else MIN_UPDATE_DEG):
                # Same pose within noise: nothing to change, so no need to cut here.
                continue
            if k + 1 > lo and self.calibrated:
                events.extend(self._run_detector(chunk, gravity, gyro, still, gaps, lo, k + 1))
                gaps = []
            lo = k + 1
            if self.detector.busy and self.calibrated:
                events.extend(self._decided(self.detector.settle(cal.t_s, cal.still_s),
                                            cal.t_s))
            if not self.detector.busy:
                self.reference = cal.reference
                self._pose_ok_s, self._told_no_pose = cal.t_s, False
                if self._after_gap.active and self.calibrated and moved_deg > REBASE_DEG:
                    events.extend(self._recover_after_gap(cal.t_s))
                elif not self.calibrated or moved_deg > REBASE_DEG:
                    # The proposal's own sample was judged with the old reference.
                    self.detector.on_recalibrated(float(np.nextafter(cal.t_s, np.inf)))
                self.calibrated = True
        if len(chunk) > lo and self.calibrated:
            events.extend(self._run_detector(chunk, gravity, gyro, still, gaps, lo, len(chunk)))
        t_end = float(chunk.t_s[-1])
        events.extend(self._no_pose_warning(float(chunk.t_s[0]), t_end))
        events.extend(self.sets.tick(t_end, busy=self.detector.busy))
        self._last_t = t_end
        # Stream-time order, so that how the input was chunked never changes the output.
        events.sort(key=_stream_time)
        return events

    def _no_pose_warning(self, t0: float, t_end: float) -> list[Event]:
        """A ``no_start_pose`` status event once NO_POSE_S pass without a start pose
        learnt (or a rep counted from one): the detector cannot count without one, and
        must say so rather than report a silent zero."""
        if not self.profile.needs_still_start:
            return []
        if self._pose_ok_s is None:
            self._pose_ok_s = t0  # the stream's start
        if self.detector.busy and isinstance(self.profile.detector, HoldSettings):
            self._pose_ok_s = t_end  # inside a hold (up to minutes) from a learnt pose
        waited = t_end - self._pose_ok_s
        if self._told_no_pose or waited < NO_POSE_S:
            return []
        self._told_no_pose = True
        return [no_start_pose_event(self._pose_ok_s + NO_POSE_S, waited,
                                    self.profile.calibration_still_s, self.calibrated)]

    def _run_detector(self, chunk: ImuChunk, gravity: np.ndarray, gyro: np.ndarray,
                      still: np.ndarray, gaps: list[Gap], lo: int, hi: int) -> list[Event]:
        assert self.reference is not None
        frame = measured_frame(chunk.t_s[lo:hi], chunk.acc_mps2[lo:hi], gyro[lo:hi],
                               gravity[lo:hi], still[lo:hi], gaps, self.reference)
        self._after_gap.add(frame)
        outputs = self.detector.update(frame)
        if any(isinstance(o, (Rep, Hold, Bout)) for o in outputs):
            self._pose_ok_s, self._told_no_pose = float(frame.t_s[-1]), False
        if any(isinstance(o, (Rep, Hold, Bout)) for o in outputs):
            self._after_gap.clear()  # the pose in use produced a rep: it was the right one
        events = self._decided(outputs, float(frame.t_s[-1]))
        if self.config.live_hz > 0:
            events.extend(self._live(frame))
        return events

    def _recover_after_gap(self, t_s: float) -> list[Event]:
        """The start pose was learnt again after a long gap, before any rep since: judge
        the frames since the gap again, from the new pose, with a fresh detector, which
        then carries on (see pose_recovery). Only its reps are reported; what it rejects
        was already reported by the detector it replaces, from the old pose."""
        assert self.reference is not None
        detector = make_detector(self.profile.detector, self.profile.rep_spec,
                                 self.config.rate_hz)
        reps: list[Rep | NonRep | Hold | Bout] = []
        for frame in self._after_gap.take():
            again = measured_frame(frame.t_s, frame.acc_mps2, frame.gyro_rads, frame.gravity,
                                   frame.still, frame.gaps, self.reference)
            for out in detector.update(again):
                if isinstance(out, (Rep, Hold, Bout)):
                    out.flags.append(AFTER_GAP_FLAG)
                    out.decided_s = t_s
                    reps.append(out)
        self.detector = detector
        return self._decided(reps, t_s)

    def finish(self) -> list[Event]:
        t_end = self._last_t if self._last_t is not None else 0.0
        events = self._decided(self.detector.finish(), t_end)
        events.extend(self.sets.close(t_end))
        events.append(end_event(t_end, self.timeline.stats.as_dict()))
        return events

    def _decided(self, outputs: Sequence[Rep | NonRep | Hold | Bout], t_s: float) -> list[Event]:
        events: list[Event] = []
        for out in outputs:
            if isinstance(out, Bout):
                events.extend(self.sets.add_bout(
                    out, decided_s=out.decided_s if out.decided_s is not None else t_s))
            elif isinstance(out, Hold):
                events.extend(self.sets.add_hold(
                    out, decided_s=out.decided_s if out.decided_s is not None else t_s))
            elif isinstance(out, NonRep):
                events.append(nonrep_event(
                    out.reason, out.start_s, out.end_s, out.peak_angle_deg,
                    out.decided_s if out.decided_s is not None else out.end_s))
            else:
                events.extend(self.sets.add_rep(
                    out, decided_s=out.decided_s if out.decided_s is not None else t_s))
        return events

    def _live(self, frame: MotionFrame) -> list[Event]:
        out: list[Event] = []
        step = 1.0 / self.config.live_hz
        for i in np.flatnonzero(frame.t_s >= self._next_live_t):
            t = float(frame.t_s[i])
            if t < self._next_live_t:
                continue
            out.append(live_event(t, float(frame.angle_deg[i]), float(frame.rate_dps[i]),
                                  self.detector.phase, self.sets.total_reps))
            self._next_live_t = t + step
        return out


def measured_frame(t_s: np.ndarray, acc_mps2: np.ndarray, gyro_rads: np.ndarray,
                   gravity: np.ndarray, still: np.ndarray, gaps: list[Gap],
                   reference: np.ndarray) -> MotionFrame:
    """Attitude → what a detector sees: segment angle (deg) and its rate (°/s) from the
    start pose ``reference`` (unit gravity direction in the sensor frame)."""
    angle = tilt_from_reference_deg(gravity, reference)
    rate = tilt_rate_dps(gravity, gyro_rads, reference, angle)
    return MotionFrame(t_s, acc_mps2, gyro_rads, gravity, still, angle, rate, gaps)


def _stream_time(event: Event) -> float:
    """When an event happened on the stream clock (its decision, or the data it reports)."""
    for key in ("decided_s", "t_s", "end_s"):
        value = event.get(key)
        if isinstance(value, (int, float)):
            return float(value)
    return 0.0


def make_pipeline(config: PipelineConfig, rest_target_s: float | None = None) -> Pipeline:
    """The pipeline for ``config``: one exercise's, or with ``exercise="any"`` the one
    that recognises each set's exercise (session/any_pipeline.py, same interface)."""
    if config.exercise == "any":
        from eccentric.session.any_pipeline import AnyPipeline

        return AnyPipeline(config, rest_target_s)  # type: ignore[return-value]
    return Pipeline(config)


def run(chunks: Iterable[ImuChunk], config: PipelineConfig) -> list[Event]:
    """Run a whole stream of chunks and return every event, in order."""
    pipeline = make_pipeline(config)
    events: list[Event] = []
    for chunk in chunks:
        events.extend(pipeline.process(chunk))
    events.extend(pipeline.finish())
    return events
