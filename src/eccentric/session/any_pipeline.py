"""``--exercise any``: a session of several exercises with rests between them.

Every candidate exercise's detector runs on the stream at once (one ``Pipeline`` each:
cheap, as the pipeline is vectorised), so none misses the first reps of a set. Their
decided movements are held back until a set is recognised; then the chosen
candidate's movements since the set began go to a set tracker, numbered across the
session, and the others are dropped. A set closes when the athlete walks off, leaves
the start pose (between reps, or any time on the side no rep goes), stops repeating (a
pause far longer than the set's own), or (fallback) after a long time without a
movement; then a ``rest`` runs until the next set starts. Memory is bounded: pending movements are
kept for at most ``PENDING_S`` and the posture log for ``recognition.LOG_S``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

import numpy as np

from eccentric.core.chunk import ImuChunk
from eccentric.core.errors import CommandRejected
from eccentric.core.events import Bout, Event, Hold, Rep, end_event, rest_event
from eccentric.core.timing import TimelineGuard
from eccentric.detect.base import NonRep
from eccentric.detect.bout.settings import BoutSettings
from eccentric.detect.excursion.detector import ExcursionDetector
from eccentric.detect.excursion.settings import ExcursionSettings
from eccentric.detect.hold.settings import HoldSettings
from eccentric.exercises.catalogue import get_profile
from eccentric.session.pipeline import Pipeline, PipelineConfig
from eccentric.session.recognition import (
    BLOCK_S,
    MIN_CONFIDENCE,
    PRIORS,
    WALK_ACC_SD_MPS2,
    WALK_GYRO_RMS_DPS,
    WALK_UPRIGHT_DEG,
    PostureLog,
    angle_deg,
    ball_variant,
    chunk_slice,
    nordic_variant,
    pose_log_likelihood,
    softmax_confidence,
)
from eccentric.session.sets import SetTracker

Movement = Rep | Hold | Bout
PENDING_S = 90.0  # movements awaiting a decision are forgotten after this (s)
# Leaving the exercise: the posture stays this far from the set's start pose ...
LEAVE_DEG = 40.0
# ... for this long, with no movement under way (s).
LEAVE_S = 0.75
WALK_CLOSE_S = 0.0  # walking (over a 3 s window) after the last movement closes the set (s)
# No movement for this long (or the profile's set-ending rest, if longer: foam-rolling
# spots are up to a minute apart) closes a set whatever the posture (s).
FALLBACK_S = 30.0
# A set of reps that has paused IDLE_FACTOR × its longest pause between reps so far (at
# least IDLE_MIN_S) is over: the athlete has stopped repeating, though still in the pose.
IDLE_FACTOR = 3.0
IDLE_MIN_S = 8.0
# Leaving on the other side: the posture's way from the start pose has a cosine below
# this with the way the set's reps swing (they all swing one way).
OTHER_SIDE_COS = -0.3
# The first strides of walking off: brisk upright motion for this long closes a set (s).
STEP_ONSET_S = 1.25
IDLE_REPS = 3  # reps needed before the set's own pace is trusted
STEP_S = 1.0  # longest piece of stream judged at once (s)
REST_TICK_S = 1.0  # rest events while a rest runs: at most 1 Hz of stream time
# Reps (excursion exercises) needed before a set is recognised; one hold or bout will do.
MIN_REPS = 2
# A leading rep with less than this share of the next rep's swing is the approach to the
# exercise (kneeling down, lying back), not its first rep.
LEAD_ROM_SHARE = 0.6
# Weight of the evidence "this detector found that many movements" (log units each).
COUNT_WEIGHT = 0.7
MAX_SET_MOVES = 200  # movements of one set kept for telling variants apart (bounded)
# A set's start pose (and swing) must be at least this likely under the recognised
# exercise's prior (log units; −3 ≈ 2.4 SD of tilt away), else it is no set at all
# (tuning draw: sets ≥ −1.3; a sit taken for a side plank −3.7, for foam rolling −3.1).
MIN_POSE_LOGLIK = -3.0


@dataclass
class _Decided:
    out: Movement
    decided_s: float


class _Candidate(Pipeline):
    """A pipeline whose decided movements are collected, not numbered into sets."""

    def __init__(self, config: PipelineConfig) -> None:
        super().__init__(config)
        self.decided: list[_Decided] = []

    def _decided(self, outputs: Sequence[Rep | NonRep | Hold | Bout], t_s: float
                 ) -> list[Event]:
        for out in outputs:
            if isinstance(out, (Rep, Hold, Bout)):
                self.decided.append(_Decided(out, out.decided_s if out.decided_s is not None
                                             else t_s))
        return []


def _trim_lead(moves: list[_Decided]) -> list[_Decided]:
    """``moves`` without a leading rep that swings far less than the rep after it."""
    while (len(moves) >= 2 and isinstance(moves[0].out, Rep) and isinstance(moves[1].out, Rep)
           and moves[0].out.rom_deg < LEAD_ROM_SHARE * moves[1].out.rom_deg):
        moves = moves[1:]
    return moves


def _has_break(out: Movement) -> bool:
    return isinstance(out, Rep) and out.measures.get("break_angle_deg") is not None


class AnyPipeline:
    """Same interface as ``Pipeline``: ``process(chunk)`` then ``finish()``."""

    def __init__(self, config: PipelineConfig, rest_target_s: float | None = None) -> None:
        self.config = config
        self.rest_target_s = rest_target_s
        # Candidates neither follow a plan nor raise alerts: their events are not the
        # session's (coach features are refused with --exercise any, see _refuse).
        self.candidates = {name: _Candidate(replace(config, exercise=name,
                                                    target_tempo=None, plan=None,
                                                    alert_drop=None))
                           for name in PRIORS}
        # Whose live samples (angle from its start pose, its phase) the gauges get: the
        # open set's candidate, else the last set's (at first, the first candidate).
        self._live_from = next(iter(PRIORS))
        self.posture = PostureLog()
        self.pending: dict[str, list[_Decided]] = {n: [] for n in PRIORS}
        self.active: str | None = None  # candidate whose set is open
        self.tracker: SetTracker | None = None
        self.total_reps = 0
        self.sets_closed = 0
        self.last_move_end_s = 0.0
        self.closed_end_s = -np.inf  # last movement of the last closed set (s)
        self.set_start_dir: np.ndarray | None = None
        self._away_since_s: float | None = None
        self._checked_to_s = -np.inf  # posture blocks up to here judged for closing (s)
        self._rep_sides: list[np.ndarray] = []  # which way the open set's reps swung
        self.rest_start_s: float | None = None
        self._next_rest_tick_s = 0.0
        self._last_t: float | None = None
        self.exercise_of_set: list[tuple[int, str, float]] = []
        # The open set's movements (start, end, whether a break was found; bounded).
        self._set_moves: list[tuple[float, float, bool]] = []
        self.set_first_start_s = 0.0
        self.last_scores: dict[str, float | None] = {}  # of the last recognition (debugging)

    @property
    def reps(self) -> int:
        return self.total_reps

    @property
    def timeline(self) -> TimelineGuard:
        """Sample timing as every candidate saw it (they all see the same stream)."""
        return next(iter(self.candidates.values())).timeline

    @property
    def last_t_s(self) -> float | None:
        """Stream time of the last sample seen (s); coach commands are applied there."""
        return self._last_t

    @property
    def stop_pending(self) -> bool:
        return False

    # Coach commands act on one exercise's detector and set; with recognition they are
    # refused (the session unchanged) rather than half applied.
    def _refuse(self, command: str) -> list[Event]:
        raise CommandRejected(f"{command} is not available with --exercise any: run with a "
                              "named --exercise to use coach commands")

    def start_set(self, t_s: float, exercise: str | None = None) -> list[Event]:
        return self._refuse("start_set")

    def stop_set(self, t_s: float) -> list[Event]:
        return self._refuse("stop_set")

    def set_exercise(self, t_s: float, exercise: str) -> list[Event]:
        return self._refuse("set_exercise")

    def set_target_tempo(self, t_s: float, tempo: str | None) -> list[Event]:
        return self._refuse("set_target_tempo")

    def calibrate(self, t_s: float) -> list[Event]:
        return self._refuse("calibrate")

    def next_block(self, t_s: float) -> list[Event]:
        return self._refuse("next_block")

    def set_rest_target(self, seconds: float | None) -> None:
        """The rest target (s) from here on (a plan may change it between sets)."""
        self.rest_target_s = seconds

    def process(self, chunk: ImuChunk) -> list[Event]:
        """Events of ``chunk``, judged in pieces of at most STEP_S so that when a set
        closes hardly depends on how the stream was cut into chunks."""
        events: list[Event] = []
        if len(chunk) == 0:
            return self._process(chunk)
        t = chunk.t_s
        edges = np.searchsorted(t, np.arange(float(t[0]) + STEP_S, float(t[-1]), STEP_S))
        lo = 0
        for hi in [*edges.tolist(), len(chunk)]:
            if hi > lo:
                events.extend(self._process(chunk_slice(chunk, lo, hi)))
                lo = hi
        return events

    def _process(self, chunk: ImuChunk) -> list[Event]:
        events: list[Event] = []
        first = True
        live_from = self.active or self._live_from
        for name, cand in self.candidates.items():
            evs = cand.process(chunk)
            if first:  # gaps: every candidate sees the same; report them once
                events.extend(e for e in evs if e.get("type") == "status"
                              and e.get("event") == "gap")
                first = False
            if name == live_from:
                for e in evs:
                    if e.get("type") == "live":
                        e["reps"] = self.total_reps  # the session's, not the candidate's
                        events.append(e)
        if len(chunk) == 0:
            return events
        self.posture.add(chunk)
        t_end = float(chunk.t_s[-1])
        self._last_t = t_end
        events.extend(self._collect(t_end))
        events.extend(self._maybe_close(t_end))
        events.extend(self._rest_ticks(t_end))
        return events

    # ------------------------------------------------------------------ decisions

    def _collect(self, t_end: float) -> list[Event]:
        events: list[Event] = []
        for name, cand in self.candidates.items():
            gap_s = get_profile(name).set_end_rest_s
            for d in cand.decided:
                if self.posture.walked_between(d.out.start_s + 0.5, d.out.end_s - 0.5):
                    continue  # a movement while walking is no exercise
                if self.active is None and d.out.start_s < self.closed_end_s:
                    continue  # began inside the set that closed: not a new set's
                kept = self.pending[name]
                if kept and d.out.start_s - max(k.out.end_s for k in kept) > gap_s:
                    kept.clear()  # too long after the others to share a set with them
                kept.append(d)
            cand.decided.clear()
            kept = _trim_lead([d for d in self.pending[name] if d.out.end_s > t_end - PENDING_S])
            if (name != self.active and kept and len(kept) < self._need(name)
                    and t_end - max(k.out.end_s for k in kept) > gap_s):
                kept = []  # too long ago to share a set with what comes next
            self.pending[name] = kept
            if name != self.active and not kept and isinstance(cand.detector, ExcursionDetector):
                # What taught it its rep axis was no set of its exercise.
                cand.detector.forget_rep_axis()
        if self.active is not None:
            mine = self.pending[self.active]
            self.pending = {n: [] for n in PRIORS}
            for d in mine:
                events.extend(self._to_set(d))
            return events
        chosen, conf = self._recognise()
        if chosen is not None:
            events.extend(self._open(chosen, conf))
        return events

    def _need(self, name: str) -> int:
        kind = get_profile(name).detector
        return 1 if isinstance(kind, (HoldSettings, BoutSettings)) else MIN_REPS

    def _ready(self, name: str) -> bool:
        return len(self.pending[name]) >= self._need(name)

    def _inside_a_rep(self, name: str) -> bool:
        """Whether ``name``'s first pending movement (a hold or bout) lies inside a rep
        that another, plausibly posed, candidate is tracking or has found: a slow
        lowering or a bottom hold looks like a hold until the rep is seen whole."""
        if self._need(name) != 1 or not self.pending[name]:
            return False
        first = self.pending[name][0].out
        for other, cand in self.candidates.items():
            if other == name or self._need(other) == 1:
                continue
            moves = self.pending[other]
            tilt = self.posture.tilt_from_upright_deg(
                (moves[0].out.start_s if moves else first.start_s) - 0.3)
            if pose_log_likelihood(other, tilt, None) < MIN_POSE_LOGLIK:
                continue
            if cand.detector.busy and first.start_s > self.closed_end_s:
                return True
            if any(m.out.start_s - 0.5 <= first.start_s and first.end_s <= m.out.end_s + 0.5
                   for m in moves):
                return True
        return False

    def _recognise(self) -> tuple[str | None, float]:
        """The exercise of the set under way and the confidence, once the likeliest
        exercise has shown enough movements; (None, 0) until then."""
        if not any(self._ready(n) for n in PRIORS):
            return None, 0.0
        scores: dict[str, float] = {}
        pose_scores: dict[str, float] = {}
        for name, moves in self.pending.items():
            if not moves:
                scores[name] = -50.0
                continue
            start = moves[0].out.start_s
            tilt = self.posture.tilt_from_upright_deg(start - 0.3)
            roms = [m.out.rom_deg for m in moves if isinstance(m.out, Rep)]
            rom = float(np.median(roms)) if roms else None
            pose_scores[name] = pose_log_likelihood(name, tilt, rom)
            scores[name] = (pose_scores[name]
                            + COUNT_WEIGHT * min(len(moves), 4))
        best, conf = softmax_confidence(scores)  # best: str
        if pose_scores.get(best, -np.inf) < MIN_POSE_LOGLIK:
            # Nothing in the catalogue starts from this pose: a movement in a rest
            # (a hold-like stillness while sitting, lying down and sitting up).
            self._drop_oldest(best)
            return None, 0.0
        self.last_scores = {**scores, "_tilt": self.posture.tilt_from_upright_deg(
            self.pending[best][0].out.start_s - 0.3) if self.pending[best] else -1.0}
        if not self._ready(best) or self._inside_a_rep(best):
            return None, 0.0  # the likeliest exercise has not shown enough yet
        return best, conf

    def _drop_oldest(self, name: str) -> None:
        """Forget ``name``'s oldest pending movement (it started no set)."""
        if self.pending[name]:
            self.pending[name].pop(0)

    def _open(self, name: str, confidence: float) -> list[Event]:
        events: list[Event] = []
        moves_of = name  # the candidate whose movements make the set
        moves = sorted(self.pending[name], key=lambda d: d.out.start_s)
        self.pending = {n: [] for n in PRIORS}
        first_start = moves[0].out.start_s
        if self.rest_start_s is not None:
            events.append(rest_event(session=self.config.session_id, state="end",
                                     start_s=self.rest_start_s, t_s=first_start,
                                     target_s=self.rest_target_s,
                                     after_set=self.sets_closed or None))
            self.rest_start_s = None
        self._set_moves = [(d.out.start_s, d.out.end_s, _has_break(d.out)) for d in moves]
        self.set_first_start_s = first_start
        name = self._variant(name, first_start)
        profile = get_profile(name)
        tracker = SetTracker(profile, session_id=self.config.session_id,
                             target_tempo=self.config.target_tempo or profile.target_tempo,
                             side=self.config.side, target_hold=self.config.target_hold,
                             target_bout=self.config.target_bout)
        tracker.sets_closed = self.sets_closed
        tracker.total_reps = self.total_reps
        shown = name if confidence >= MIN_CONFIDENCE else "unknown"
        tracker.recognised_name = shown
        tracker.exercise_confidence = confidence
        self.tracker, self.active = tracker, moves_of
        self._live_from = moves_of
        self.set_start_dir = self.posture.direction_at(first_start - 0.3)
        self._away_since_s = None
        self._checked_to_s = -np.inf
        self._rep_sides = []
        for d in moves:
            events.extend(self._to_set(d, record=False))
        self.exercise_of_set.append((self.sets_closed + 1, shown, confidence))
        return events

    def _variant(self, name: str, t0_s: float) -> str:
        """Exercises that share a detector told apart by the set so far (its reps'
        breaks, its pauses' wobble)."""
        if name == "nordic_curl":
            breaks = [b for _, _, b in self._set_moves]
            return nordic_variant(sum(breaks) / len(breaks) if breaks else None)
        if name == "ball_leg_curl":
            spans = [(a - 0.3, b + 0.3) for a, b, _ in self._set_moves]
            pauses = [blk.gyro_rms_dps for blk in self.posture.blocks
                      if blk.t_s > t0_s and not any(a < blk.t_s < b for a, b in spans)]
            return ball_variant(pauses) or name
        return name

    def _to_set(self, d: _Decided, record: bool = True) -> list[Event]:
        assert self.tracker is not None
        out = d.out
        if isinstance(out, Rep) and self.set_start_dir is not None:
            side = self._side_of(out.start_s, out.end_s)
            if side is not None:
                self._rep_sides.append(side)
                self._rep_sides = self._rep_sides[-MAX_SET_MOVES:]
        if record and len(self._set_moves) < MAX_SET_MOVES:
            self._set_moves.append((out.start_s, out.end_s, _has_break(out)))
        out.exercise = self.tracker.exercise_name
        self.last_move_end_s = max(self.last_move_end_s, out.end_s)
        if isinstance(out, Hold):
            return self.tracker.add_hold(out, decided_s=d.decided_s)
        if isinstance(out, Bout):
            return self.tracker.add_bout(out, decided_s=d.decided_s)
        evs = self.tracker.add_rep(out, decided_s=d.decided_s)
        self.total_reps = self.tracker.total_reps
        return evs

    def _maybe_close(self, t_end: float) -> list[Event]:
        """Close the open set at the first posture block (BLOCK_S) where the data up to
        it show the athlete has left the exercise; ``decided_s`` is that block's time,
        so when a set closes does not depend on how the stream was chunked."""
        if self.active is None or self.tracker is None:
            return []
        cand = self.candidates[self.active]
        # A rep swings far from the start pose and a hold is got into, so their posture
        # counts only between movements; a bout stays near its start pose (a roller's
        # reposition lifts 15–35°), and its detector stays busy on any activity after it
        # (sitting up, walking off).
        rolling = isinstance(get_profile(self.active).detector, BoutSettings)
        busy = cand.detector.busy and not rolling
        p = self.posture
        why: float | None = None
        if (p.walk_start_detected_s is not None
                and p.walk_since_s is not None and p.walk_since_s > self.last_move_end_s):
            why = max(p.walk_start_detected_s, self.last_move_end_s)
        idle = self._idle_close_s()
        for blk in p.blocks_after(self._checked_to_s):
            if why is not None and blk.t_s >= why:
                break
            self._checked_to_s = blk.t_s
            if blk.t_s <= self.last_move_end_s or self.set_start_dir is None:
                self._away_since_s = None
                continue
            if busy and not self._not_a_rep_way(blk.acc_dir):
                self._away_since_s = None
                continue
            if not busy and self._stepping(blk.t_s):
                why = blk.t_s
                break
            if angle_deg(blk.acc_dir, self.set_start_dir) > LEAVE_DEG:
                if self._away_since_s is None:
                    self._away_since_s = blk.t_s
                elif blk.t_s - self._away_since_s >= LEAVE_S:
                    why = blk.t_s
                    break
            else:
                self._away_since_s = None
            if idle is not None and blk.t_s >= self.last_move_end_s + idle:
                why = blk.t_s
                break
        fallback = max(FALLBACK_S, get_profile(self.active).set_end_rest_s)
        if t_end - self.last_move_end_s > fallback and not cand.detector.busy:
            why = min(why, self.last_move_end_s + fallback) if why is not None else \
                self.last_move_end_s + fallback
        if why is None:
            return []
        return self._close(why)

    def _deviation(self, d: np.ndarray) -> np.ndarray | None:
        """Unit direction in which ``d`` has tilted away from the set's start pose (None
        when it has hardly moved)."""
        assert self.set_start_dir is not None
        perp = d - (d @ self.set_start_dir) * self.set_start_dir
        n = float(np.linalg.norm(perp))
        return perp / n if n > 0.1 else None

    def _side_of(self, a_s: float, b_s: float) -> np.ndarray | None:
        """Which way a rep over [a_s, b_s] swung from the start pose (its farthest block)."""
        assert self.set_start_dir is not None
        start = self.set_start_dir
        far = [blk for blk in self.posture.blocks if a_s <= blk.t_s <= b_s]
        if not far:
            return None
        peak = max(far, key=lambda blk: angle_deg(blk.acc_dir, start))
        return self._deviation(peak.acc_dir)

    def _not_a_rep_way(self, d: np.ndarray) -> bool:
        """Whether the posture ``d`` is away from the start pose on the other side from
        the set's reps (sitting back after Nordic leans, standing up from a curl): no rep
        of this set goes there, however busy its detector thinks it is."""
        dev = self._deviation(d)
        if dev is None or not self._rep_sides:
            return False
        mean = np.mean(self._rep_sides, axis=0)
        return float(dev @ mean) < OTHER_SIDE_COS * float(np.linalg.norm(mean))

    def _stepping(self, t_s: float) -> bool:
        """Brisk, heel-struck, upright motion over the STEP_ONSET_S before ``t_s``: the
        first strides of walking off, recognised before the full walk window."""
        p = self.posture
        win = [b for b in p.blocks_after(t_s - STEP_ONSET_S) if b.t_s <= t_s]
        up = p.upright if p.upright is not None else p.first_dir
        if len(win) < round(STEP_ONSET_S / BLOCK_S) or up is None:
            return False
        if min(b.gyro_rms_dps for b in win) < WALK_GYRO_RMS_DPS:
            return False
        if float(np.median([b.acc_sd_mps2 for b in win])) < WALK_ACC_SD_MPS2:
            return False
        mean = np.mean([b.acc_dir for b in win], axis=0)
        return angle_deg(mean, up) < WALK_UPRIGHT_DEG

    def _idle_close_s(self) -> float | None:
        """How long without a rep closes this set (s): a set of reps repeats at its own
        pace, so a pause IDLE_FACTOR times its longest so far (at least IDLE_MIN_S)
        means the athlete has stopped; None for holds, bouts and too few reps."""
        reps = [(a, b) for a, b, _ in self._set_moves]
        if self.active is None or not isinstance(
                get_profile(self.active).detector, ExcursionSettings) or len(reps) < IDLE_REPS:
            return None
        reps.sort()
        gaps = [b0 - a1 for (_, a1), (b0, _) in pairwise(reps)]
        return max(IDLE_MIN_S, IDLE_FACTOR * max(gaps))

    def _close(self, decided_s: float) -> list[Event]:
        assert self.tracker is not None and self.active is not None
        self._refine()
        events = self.tracker.close(decided_s)
        for ev in events:
            ev["decided_s"] = round(decided_s, 3)
        self.sets_closed = self.tracker.sets_closed
        self.total_reps = self.tracker.total_reps
        self.tracker, self.active = None, None
        # What the other detectors saw during the set is not a new set; what started
        # after its last movement may be.
        end = self.last_move_end_s
        for cand in self.candidates.values():
            cand.decided = [d for d in cand.decided if d.out.start_s > end]
        self.pending = {n: [d for d in ds if d.out.start_s > end]
                        for n, ds in self.pending.items()}
        self.rest_start_s = self.last_move_end_s
        self.closed_end_s = self.last_move_end_s
        self._next_rest_tick_s = decided_s + REST_TICK_S
        events.append(rest_event(session=self.config.session_id, state="start",
                                 start_s=self.rest_start_s, t_s=decided_s,
                                 target_s=self.rest_target_s, after_set=self.sets_closed))
        return events

    def _refine(self) -> None:
        """The set's exercise again from the whole set (the set event carries it; the
        reps already sent keep the name known when they were)."""
        assert self.tracker is not None and self.active is not None
        if self.tracker.exercise_name == "unknown":
            return
        self.tracker.recognised_name = self._variant(self.active, self.set_first_start_s)

    def _rest_ticks(self, t_end: float) -> list[Event]:
        if self.rest_start_s is None:
            return []
        out: list[Event] = []
        while self._next_rest_tick_s <= t_end:
            out.append(rest_event(session=self.config.session_id, state="running",
                                  start_s=self.rest_start_s, t_s=self._next_rest_tick_s,
                                  target_s=self.rest_target_s, after_set=self.sets_closed))
            self._next_rest_tick_s += REST_TICK_S
        return out[-1:]  # a slow chunk still sends one, the newest

    def finish(self) -> list[Event]:
        t_end = self._last_t if self._last_t is not None else 0.0
        for cand in self.candidates.values():
            cand.finish()  # decided movements land in cand.decided
        events = self._collect(t_end)
        if self.tracker is not None:
            self._refine()
            events.extend(self.tracker.close(t_end))
            self.sets_closed = self.tracker.sets_closed
            self.tracker, self.active = None, None
        first = next(iter(self.candidates.values()))
        events.append(end_event(t_end, first.timeline.stats.as_dict()))
        return events
