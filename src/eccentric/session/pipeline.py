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
from eccentric.core.errors import CommandRejected
from eccentric.core.events import (
    Bout,
    Event,
    Hold,
    Rep,
    calibration_event,
    end_event,
    gap_event,
    live_event,
    no_start_pose_event,
    nonrep_event,
)
from eccentric.core.timing import Gap, TimelineGuard
from eccentric.core.units import STANDARD_GRAVITY_MPS2
from eccentric.detect.base import Detector, MotionFrame, NonRep
from eccentric.detect.excursion.settings import ExcursionSettings
from eccentric.detect.hold.settings import HoldSettings
from eccentric.detect.registry import make_detector
from eccentric.exercises.catalogue import get_profile
from eccentric.exercises.profile import ExerciseProfile
from eccentric.session.alerts import DEFAULT_DROP_SHARE, AlertRules
from eccentric.session.plan import RECOGNISERS, PlanTracker, SessionPlan
from eccentric.session.pose_recovery import FLAG as AFTER_GAP_FLAG
from eccentric.session.pose_recovery import AfterGapBuffer
from eccentric.session.sets import SetCounters, SetTracker

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
    # In-set alerts: a metric falling by more than this share of the set's first reps
    # (0.2 = 20 %) raises an ``alert``; None turns the drop alerts off.
    alert_drop: float | None = DEFAULT_DROP_SHARE
    # A session plan (``--plan plan.toml``): blocks the session follows, see session.plan.
    plan: SessionPlan | None = None


@dataclass(frozen=True)
class ResumeState:
    """Where a fresh pipeline can carry a stream on from: between two sets, no rep in
    progress, a start pose learnt. Restored (``Pipeline.restore``), it numbers sets and
    reps on from ``counters`` and measures from ``reference`` (unit gravity direction,
    sensor frame); the attitude filter starts again from the next sample."""

    t_s: float
    exercise: str
    counters: SetCounters
    reference: tuple[float, float, float]
    pose_learnt: bool

    def as_dict(self) -> dict[str, object]:
        c = self.counters
        return {"t_s": self.t_s, "exercise": self.exercise, "reference": list(self.reference),
                "pose_learnt": self.pose_learnt, "reps": c.total_reps, "holds": c.total_holds,
                "bouts": c.total_bouts, "sets": c.sets_closed, "sides": dict(c.side_counts)}

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> ResumeState:
        """The inverse of ``as_dict``; ValueError/TypeError/KeyError on a bad record."""
        ref = [float(v) for v in d["reference"]]  # type: ignore[attr-defined]
        if len(ref) != 3:
            raise ValueError(f"resume reference has {len(ref)} components, not 3")
        sides = d.get("sides") or {}
        counters = SetCounters(int(d["reps"]), int(d["holds"]),  # type: ignore[call-overload]
                               int(d["bouts"]), int(d["sets"]),  # type: ignore[call-overload]
                               {str(k): int(v) for k, v in sides.items()})  # type: ignore[attr-defined]
        return cls(float(d["t_s"]), str(d["exercise"]), counters,  # type: ignore[arg-type]
                   (ref[0], ref[1], ref[2]), bool(d["pose_learnt"]))


class Pipeline:
    """Feed chunks in stream order with :meth:`process`; call :meth:`finish` at the end."""

    def __init__(self, config: PipelineConfig) -> None:
        self.config = config
        self.profile: ExerciseProfile = get_profile(config.exercise)
        self.detector: Detector = make_detector(self.profile.detector, self.profile.rep_spec,
                                                 config.rate_hz)
        self.timeline = TimelineGuard(config.rate_hz)
        self.attitude = AttitudeFilter(config.rate_hz, self.profile.attitude)
        self.calibrator = StillCalibrator(self.profile.calibration_still_s)
        self.sway_calibrator = SwayCalibrator(self.profile.sway_still_by_run)
        self.sets = SetTracker(self.profile, session_id=config.session_id,
                               target_tempo=config.target_tempo or self.profile.target_tempo,
                               side=config.side, target_hold=config.target_hold,
                               target_bout=config.target_bout)
        self.reference: np.ndarray | None = None
        self.calibrated = not self.profile.needs_still_start
        self._last_t: float | None = None
        self._next_live_t = -np.inf
        self._after_gap = AfterGapBuffer()
        self._pose_learnt = False  # a still start pose has been taken at least once
        # An excursion profile that needs no still start measures from a stand-in pose
        # until one is learnt.
        self._stand_in_pose = (not self.profile.needs_still_start
                               and isinstance(self.profile.detector, ExcursionSettings))
        # When a start pose was last learnt (or a rep counted from one), and whether
        # the athlete has been told that none could be learnt since.
        self._pose_ok_s: float | None = None
        self._told_no_pose = False
        # Stream time of a coach's ``calibrate`` still waiting for a still start pose.
        self._calibrate_from: float | None = None
        self.alerts = AlertRules(config.alert_drop)
        self.plan = PlanTracker(config.plan) if config.plan is not None else None
        self._started = False
        self._coach_tempo: str | None = None
        self._stop_from: float | None = None  # a stop_set waiting for the rep in progress
        self._last_decided_s: float | None = None

    @property
    def reps(self) -> int:
        return self.sets.total_reps

    @property
    def last_t_s(self) -> float | None:
        """Stream time of the last sample processed (None before the first)."""
        return self._last_t

    def resume_state(self) -> ResumeState | None:
        """A point to resume this stream from, or None while a set is open, a rep is in
        progress, a coach command waits, or a plan is followed (not restorable)."""
        if (self.sets.set_open or self.detector.busy or not self.calibrated
                or self.reference is None or self._last_t is None or self.plan is not None
                or self._calibrate_from is not None or self._stop_from is not None):
            return None
        ref = self.reference
        return ResumeState(self._last_t, self.profile.name, self.sets.counters(),
                           (float(ref[0]), float(ref[1]), float(ref[2])), self._pose_learnt)

    def restore(self, state: ResumeState) -> None:
        """Carry on a stream from ``state`` (a fresh pipeline, before its first chunk):
        set and rep numbers, and so event ids, follow on from those before it."""
        if self._last_t is not None:
            raise RuntimeError("restore() needs a fresh pipeline")
        if state.exercise != self.profile.name:
            self._switch_exercise(state.t_s, state.exercise)
        self.sets.restore(state.counters)
        self.reference = np.asarray(state.reference, dtype=float)
        self.calibrated = True
        self._pose_learnt = state.pose_learnt
        self._pose_ok_s = state.t_s
        self._started = True

    def process(self, chunk: ImuChunk) -> list[Event]:
        events = self._start(float(chunk.t_s[0])) if len(chunk) else []
        events.extend(self._follow(self._process(chunk)))
        # Stream-time order, so that how the input was chunked never changes the output.
        events.sort(key=_stream_time)
        return events

    def _process(self, chunk: ImuChunk) -> list[Event]:
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
            self.reference = stand_in_reference(chunk.acc_mps2, gravity)
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
            # A coach's calibrate takes the next still pose even if close to the current
            # one, but never one held inside a rep (the detector is then busy).
            forced = self._calibrate_from is not None and not self.detector.busy
            if (self.calibrated and not forced
                    and moved_deg < (REBASE_DEG if cal.quasi else MIN_UPDATE_DEG)):
                # Same pose within noise: nothing to change, so no need to cut here.
                continue
            if k + 1 > lo and self.calibrated:
                events.extend(self._run_detector(chunk, gravity, gyro, still, gaps, lo, k + 1))
                gaps = []
            lo = k + 1
            if self.detector.busy and self.calibrated:
                # The stand-in pose of an excursion profile that needs no still start
                # (the stream's first attitude, possibly from a glitched first sample)
                # gives way to the first pose learnt: an attempt measured from it is void.
                stand_in = not self._pose_learnt and self._stand_in_pose
                events.extend(self._decided(self.detector.settle(
                    cal.t_s, np.inf if stand_in else cal.still_s), cal.t_s))
            if not self.detector.busy:
                self._pose_learnt = True
                self.reference = cal.reference
                self._pose_ok_s, self._told_no_pose = cal.t_s, False
                if self._after_gap.active and self.calibrated and moved_deg > REBASE_DEG:
                    events.extend(self._recover_after_gap(cal.t_s))
                elif not self.calibrated or moved_deg > REBASE_DEG:
                    # The proposal's own sample was judged with the old reference.
                    self.detector.on_recalibrated(float(np.nextafter(cal.t_s, np.inf)))
                self.calibrated = True
                if self._calibrate_from is not None:
                    events.append(calibration_event(cal.t_s, state="done",
                                                    requested_s=self._calibrate_from,
                                                    moved_deg=moved_deg))
                    self._calibrate_from = None
        if len(chunk) > lo and self.calibrated:
            events.extend(self._run_detector(chunk, gravity, gyro, still, gaps, lo, len(chunk)))
        t_end = float(chunk.t_s[-1])
        events.extend(self._no_pose_warning(float(chunk.t_s[0]), t_end))
        events.extend(self._pending_stop())
        events.extend(self.sets.tick(t_end, busy=self.detector.busy))
        self._last_t = t_end
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
        events = self._follow(events)
        events.append(end_event(t_end, self.timeline.stats.as_dict()))
        return events

    # --- coach commands: each applied at stream time ``t_s``, between two chunks --------

    def start_set(self, t_s: float, exercise: str | None = None) -> list[Event]:
        """Open a set now (closing the open one); no rest closes it, only stop_set."""
        events = self._start(t_s)
        if exercise is not None:
            events.extend(self._switch_exercise(t_s, exercise))
        events.extend(self.sets.start_set(t_s))
        self._stop_from = None
        return self._follow(events)

    def stop_set(self, t_s: float) -> list[Event]:
        """Close the open set now, or, when a rep is being measured, as soon as it is
        decided (it belongs to the set it started in); :class:`CommandRejected` when no
        set is open."""
        if not self.sets.set_open:
            raise CommandRejected("no set is open")
        if self._stop_from is not None:
            raise CommandRejected("the set already stops once the rep in progress is decided")
        if self.detector.busy:
            self._stop_from = t_s
            return []
        self._stop_from = None
        return self._follow(self.sets.stop_set(t_s))

    @property
    def stop_pending(self) -> bool:
        """A stop_set waits for the rep in progress."""
        return self._stop_from is not None

    def _pending_stop(self) -> list[Event]:
        if self._stop_from is None or self.detector.busy:
            return []
        # Stamped at the command or at the decision of the rep it waited for, whichever
        # is later: times from the data, not from where a chunk happened to end.
        t_s = max(self._stop_from, self._last_decided_s or self._stop_from)
        self._stop_from = None
        return self.sets.stop_set(t_s)

    def set_exercise(self, t_s: float, exercise: str) -> list[Event]:
        """Measure the reps from now on as ``exercise`` (the open set closes first)."""
        return self._follow(self._start(t_s) + self._switch_exercise(t_s, exercise))

    def set_target_tempo(self, t_s: float, tempo: str | None) -> list[Event]:
        """Judge reps decided from now on against ``tempo`` (e.g. ``4-1-1-0``)."""
        self.sets.set_target_tempo(tempo)
        self._coach_tempo = tempo  # kept across exercise changes, until the next block
        self.alerts.reset_tempo()
        return []

    def calibrate(self, t_s: float) -> list[Event]:
        """Take the next still pose as the start pose, even one close to the current."""
        self._calibrate_from = t_s
        return [calibration_event(t_s, state="requested", requested_s=t_s)]

    def next_block(self, t_s: float) -> list[Event]:
        """Move the session plan on to its next block; :class:`CommandRejected` without a
        plan or after its last block."""
        if self.plan is None:
            raise CommandRejected("this session has no plan (start it with --plan FILE)")
        if self._started and self.plan.current is None:
            raise CommandRejected("the plan is already finished")
        events = self._start(t_s)
        events.extend(self.sets.close(t_s))
        events = self._follow(events)
        events.extend(self._enter_block(t_s, self.plan.next_block(t_s)))
        return events

    def _start(self, t_s: float) -> list[Event]:
        """Once, at the first stream time: the plan's first block is applied."""
        if self._started:
            return []
        self._started = True
        if self.plan is None:
            return []
        return self._enter_block(t_s, self.plan.start(t_s))

    def _enter_block(self, t_s: float, plan_events: list[Event]) -> list[Event]:
        """Apply the plan's current block (exercise and targets) after ``plan_events``."""
        assert self.plan is not None
        events = list(plan_events)
        block = self.plan.current
        if block is None:
            return events
        # With a recogniser (--exercise any) the measured exercise is the recogniser's;
        # the plan only judges it (plan_mismatch), it does not choose the detector.
        if block.exercise != self.profile.name and self.config.exercise not in RECOGNISERS:
            events.extend(self._follow(self._switch_exercise(t_s, block.exercise)))
        self._coach_tempo = None  # a new block brings its own prescription
        tempo = block.target_tempo or self.config.target_tempo or self.profile.target_tempo
        self.sets.set_target_tempo(tempo)
        self.sets.set_target_ranges(block.target_hold or self.config.target_hold,
                                    block.target_bout or self.config.target_bout)
        self.alerts.reset_tempo()
        return events

    def _switch_exercise(self, t_s: float, exercise: str) -> list[Event]:
        if exercise == self.profile.name:
            return []
        profile = get_profile(exercise)  # the command was checked against the catalogue
        events = self._decided(self.detector.finish(), t_s)
        events.extend(self.sets.close(t_s))
        self._stop_from = None
        had_pose = self.calibrated and self.profile.needs_still_start
        self.profile = profile
        self.detector = make_detector(profile.detector, profile.rep_spec, self.config.rate_hz)
        self.calibrator = StillCalibrator(profile.calibration_still_s)
        self.sway_calibrator = SwayCalibrator(profile.sway_still_by_run)
        self._after_gap = AfterGapBuffer()
        self.sets.profile = profile
        if self._coach_tempo is None and self.config.target_tempo is None:
            self.sets.set_target_tempo(profile.target_tempo)
        self.calibrated = had_pose or not profile.needs_still_start
        return events

    def _follow(self, events: list[Event]) -> list[Event]:
        """Alerts right after the rep or hold that raised them; plan bookkeeping on each
        closed set (the plan's exercise wins over the measured one, flagged)."""
        out: list[Event] = []
        for ev in events:
            out.append(ev)
            kind = ev.get("type")
            if kind in ("rep", "hold"):
                out.extend(self.alerts.observe(ev, self.sets.target))
            elif kind == "set" and self.plan is not None:
                t_s = float(ev.get("decided_s") or 0.0)
                moved = self.plan.on_set(ev, t_s)
                if moved:
                    out.extend(self._enter_block(t_s, moved))
        return out

    def _decided(self, outputs: Sequence[Rep | NonRep | Hold | Bout], t_s: float) -> list[Event]:
        events: list[Event] = []
        for out in outputs:
            if not isinstance(out, NonRep):
                self._last_decided_s = out.decided_s if out.decided_s is not None else t_s
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


# An accelerometer reading under this share of 1 g is no pose at all: the sensor's
# digital filter starting from zero at power-on (the first samples ramp up from ~0), or a
# free fall.
PLAUSIBLE_ACC_SHARE = 0.5


def stand_in_reference(acc_mps2: np.ndarray, gravity: np.ndarray) -> np.ndarray:
    """The start pose to measure from before any is learnt (unit vector, sensor frame):
    the first attitude, unless the first reading is implausible (see PLAUSIBLE_ACC_SHARE);
    then the direction of the first plausible reading. A pose from the start-up ramp's
    first sample, which noise and offsets dominate, was 150° off on a simulated lunge
    set swaying too much to ever be still, and no rep of that set was counted."""
    norms = row_norms(acc_mps2)[:, 0]
    ok = (norms >= PLAUSIBLE_ACC_SHARE * STANDARD_GRAVITY_MPS2).nonzero()[0]
    if ok.size == 0 or ok[0] == 0:
        first: np.ndarray = gravity[0].copy()
        return first
    out: np.ndarray = acc_mps2[ok[0]] / norms[ok[0]]
    return out


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
