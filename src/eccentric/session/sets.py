"""Group reps into sets, number them, attach tempo, and summarise each set.

A set ends after ``set_end_rest_s`` without a rep (a still period), or at end of stream.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from eccentric.core.events import (
    OTHER_LEG,
    SENSOR_LEG,
    Bout,
    Event,
    Hold,
    Rep,
    bout_event,
    hold_event,
    leg_side,
    rep_event,
    set_event,
)
from eccentric.detect.bout.settings import BoutSettings
from eccentric.detect.hold.settings import HoldSettings
from eccentric.exercises.profile import ExerciseProfile
from eccentric.session.targets import RangeS, parse_range_s
from eccentric.session.tempo import Tempo, format_tempo, parse_tempo, within_target

# Phase fields summarised per set (mean, SD, trend), when the exercise has them.
SUMMARY_FIELDS = ("eccentric_s", "concentric_s", "hold_s", "controlled_eccentric_s",
                  "break_angle_deg", "rom_deg")
# Hold fields summarised per set, for timed-hold exercises.
HOLD_SUMMARY_FIELDS = ("duration_s", "sway_deg", "hip_dips")
# Bout fields summarised per set (besides the profile's count and rate fields).
BOUT_SUMMARY_FIELDS = ("duration_s",)
# A coach's set is rarely over 30 reps; the cap bounds memory if a stream never rests.
MAX_REPS_KEPT_PER_SET = 200


@dataclass
class _OpenSet:
    number: int
    start_s: float
    side: str | None
    values: dict[str, list[float]] = field(default_factory=dict)
    reps: int = 0
    last_end_s: float = 0.0
    outside_target: int = 0
    holds: int = 0
    holds_outside_target: int = 0
    bouts: int = 0
    bouts_outside_target: int = 0
    # Opened by a coach's start_set: only stop_set (or the stream's end) closes it.
    manual: bool = False

    def keep(self, event: Event, names: Iterable[str]) -> None:
        """Keep the event's numeric ``names`` for the set summary (bounded per set)."""
        for name in names:
            v = event.get(name)
            if not isinstance(v, (int, float)):
                continue  # absent, or None: no entry, so no mean of nothing
            kept = self.values.setdefault(name, [])
            if len(kept) < MAX_REPS_KEPT_PER_SET:
                kept.append(float(v))


def _trend_pct(values: list[float]) -> float | None:
    """Change from first to last rep along a least-squares line, in % of the first."""
    if len(values) < 3:
        return None
    x = np.arange(len(values), dtype=float)
    slope, intercept = np.polyfit(x, np.asarray(values), 1)
    if abs(intercept) < 1e-9:
        return None
    return float(100.0 * slope * (len(values) - 1) / intercept)


@dataclass(frozen=True)
class SetCounters:
    """The session tallies a set's and a rep's number (and so their ids) depend on."""

    total_reps: int = 0
    total_holds: int = 0
    total_bouts: int = 0
    sets_closed: int = 0
    side_counts: dict[str, int] = field(default_factory=dict)


class SetTracker:
    def __init__(self, profile: ExerciseProfile, *, session_id: str,
                 target_tempo: str | None, side: str | None,
                 target_hold: str | None = None, target_bout: str | None = None) -> None:
        self.profile = profile
        self.session_id = session_id
        self.target: Tempo | None = parse_tempo(target_tempo) if target_tempo else None
        self.target_hold: RangeS | None = parse_range_s(target_hold) if target_hold else None
        self.side = side
        self.total_reps = 0
        self.total_holds = 0
        self.target_bout: RangeS | None = (parse_range_s(target_bout, "--target-bout")
                                           if target_bout else None)
        self.total_bouts = 0
        self.sets_closed = 0
        self._open: _OpenSet | None = None
        # Reps (holds, for timed-hold exercises) per side over the whole session: the
        # set summary compares the sides once both have been seen.
        self.side_counts: dict[str, int] = {}
        # Set by a recognising pipeline (--exercise any): the name it gives the set's
        # exercise (a variant, or ``unknown``) and how sure it is of it.
        self.exercise_confidence: float | None = None
        self.recognised_name: str | None = None

    def counters(self) -> SetCounters:
        return SetCounters(self.total_reps, self.total_holds, self.total_bouts,
                           self.sets_closed, dict(self.side_counts))

    def restore(self, counters: SetCounters) -> None:
        """Carry on numbering from ``counters`` (taken between two sets, none open)."""
        self._open = None
        self.total_reps, self.total_holds = counters.total_reps, counters.total_holds
        self.total_bouts, self.sets_closed = counters.total_bouts, counters.sets_closed
        self.side_counts = dict(counters.side_counts)

    def _set_for(self, start_s: float, side: str | None, decided_s: float,
                 events: list[Event]) -> _OpenSet:
        """The open set a movement starting at ``start_s`` belongs to (a long enough rest
        before it closes the open one and starts a new one)."""
        current = self._open
        if (current is not None and not current.manual
                and start_s - current.last_end_s > self.profile.set_end_rest_s):
            events.append(self._close_open(decided_s=decided_s))
            current = None
        if current is None:
            current = _OpenSet(self.sets_closed + 1, start_s, side or self.side)
            self._open = current
        return current

    def add_hold(self, hold: Hold, *, decided_s: float) -> list[Event]:
        """Number a decided hold, flag it against the hold target, keep its figures."""
        events: list[Event] = []
        current = self._set_for(hold.start_s, hold.side, decided_s, events)
        current.holds += 1
        current.last_end_s = hold.end_s
        self.total_holds += 1
        self._count_side(hold.side or current.side)
        outside = (None if self.target_hold is None
                   else not self.target_hold.contains(hold.duration_s))
        if outside:
            current.holds_outside_target += 1
        ev = hold_event(hold, number=self.total_holds, set_number=current.number,
                        hold_in_set=current.holds, decided_s=decided_s,
                        session=self.session_id, side=hold.side or current.side,
                        outside_target=outside)
        current.keep(ev, HOLD_SUMMARY_FIELDS)
        events.append(ev)
        return events

    def add_bout(self, bout: Bout, *, decided_s: float) -> list[Event]:
        """Number a decided bout, flag it against the bout target, keep its figures."""
        events: list[Event] = []
        current = self._set_for(bout.start_s, bout.side, decided_s, events)
        current.bouts += 1
        current.last_end_s = bout.end_s
        self.total_bouts += 1
        outside = (None if self.target_bout is None
                   else not self.target_bout.contains(bout.duration_s))
        if outside:
            current.bouts_outside_target += 1
        ev = bout_event(bout, number=self.total_bouts, set_number=current.number,
                        bout_in_set=current.bouts, decided_s=decided_s,
                        session=self.session_id, side=bout.side or current.side,
                        outside_target=outside)
        current.keep(ev, (*BOUT_SUMMARY_FIELDS, bout.count_field, bout.rate_field))
        events.append(ev)
        return events

    def add_rep(self, rep: Rep, *, decided_s: float) -> list[Event]:
        events: list[Event] = []
        # A lunge rep names the leg that led; the set keeps the sensor's side.
        leg_relative = rep.side in (SENSOR_LEG, OTHER_LEG)
        rep.side = leg_side(rep.side, self.side)
        current = self._set_for(rep.start_s, self.side if leg_relative else rep.side,
                                decided_s, events)
        pause_before = rep.start_s - current.last_end_s if current.reps else 0.0
        if self.profile.eccentric == "out":
            measured = Tempo(rep.eccentric_s, rep.far_hold_s, rep.concentric_s, pause_before)
        else:
            measured = Tempo(rep.eccentric_s, pause_before, rep.concentric_s, rep.far_hold_s)
        ok = within_target(measured, self.target) if self.target is not None else None
        current.reps += 1
        current.last_end_s = rep.end_s
        self.total_reps += 1
        if ok is False:
            current.outside_target += 1
        if rep.side is None and current.side is not None:
            rep.side = current.side
        self._count_side(rep.side)
        ev = rep_event(rep, number=self.total_reps, set_number=current.number,
                       rep_in_set=current.reps, decided_s=decided_s, session=self.session_id,
                       tempo=format_tempo(measured), target_ok=ok)
        current.keep(ev, SUMMARY_FIELDS)
        events.append(ev)
        return events

    def _count_side(self, side: str | None) -> None:
        if side is not None:
            self.side_counts[side] = self.side_counts.get(side, 0) + 1

    def _sides(self) -> tuple[dict[str, int] | None, float | None]:
        """Session tallies per side and the asymmetry 100·|L−R|/max(L, R) (%), once
        both a left and a right rep (or hold) have been seen; else (None, None)."""
        left, right = self.side_counts.get("left", 0), self.side_counts.get("right", 0)
        if not (left and right):
            return None, None
        return {"left": left, "right": right}, 100.0 * abs(left - right) / max(left, right)

    def tick(self, t_s: float, *, busy: bool) -> list[Event]:
        """Close the open set once the athlete has rested long enough."""
        cur = self._open
        rest = self.profile.set_end_rest_s
        if cur is not None and not cur.manual and not busy and t_s - cur.last_end_s > rest:
            # Stamp the moment the rest became long enough, not the chunk's end, so the
            # events do not depend on how the stream was cut into chunks.
            return [self._close_open(decided_s=cur.last_end_s + rest)]
        return []

    def close(self, t_s: float) -> list[Event]:
        return [self._close_open(decided_s=t_s)] if self._open is not None else []

    # --- coach commands (manual sets) ---------------------------------------------------

    @property
    def set_open(self) -> bool:
        return self._open is not None

    def start_set(self, t_s: float) -> list[Event]:
        """A coach starts a set at stream time ``t_s``: the open set (if any) closes there,
        and a new one opens that no rest closes, only :meth:`stop_set` or the end."""
        events = self.close(t_s)
        self._open = _OpenSet(self.sets_closed + 1, t_s, self.side, last_end_s=t_s,
                              manual=True)
        return events

    def stop_set(self, t_s: float) -> list[Event]:
        """A coach ends the open set at ``t_s``; nothing when no set is open."""
        return self.close(t_s)

    def set_target_tempo(self, tempo: str | None) -> None:
        """Judge the reps decided from now on against ``tempo`` (None: no target)."""
        self.target = parse_tempo(tempo) if tempo else None

    def set_target_ranges(self, hold: str | None, bout: str | None) -> None:
        """Hold and bout duration targets ("LO-HI" seconds) from now on."""
        self.target_hold = parse_range_s(hold) if hold else None
        self.target_bout = parse_range_s(bout, "--target-bout") if bout else None

    @property
    def exercise_name(self) -> str:
        """The set's exercise: as recognised, else the profile's (a coach may switch it)."""
        return self.recognised_name if self.recognised_name is not None else self.profile.name

    def _close_open(self, decided_s: float | None = None) -> Event:
        cur = self._open
        assert cur is not None
        self._open = None
        self.sets_closed += 1
        summary: dict[str, float] = {}
        for name, vals in cur.values.items():
            arr = np.asarray(vals)
            summary[f"{name}_mean"] = float(arr.mean())
            summary[f"{name}_sd"] = float(arr.std(ddof=1)) if len(arr) > 1 else 0.0
        trends = {name: _trend_pct(vals) for name, vals in cur.values.items()}
        side_counts, asymmetry_pct = self._sides()
        # A coach's set ends when the coach says, after its last rep if that came later.
        end_s = max(cur.last_end_s, decided_s) if cur.manual and decided_s is not None \
            else cur.last_end_s
        return set_event(
            session=self.session_id, number=cur.number, exercise=self.exercise_name,
            reps=cur.reps, start_s=cur.start_s, end_s=end_s, side=cur.side,
            summary=summary,
            trend_pct={k: v for k, v in trends.items() if v is not None and math.isfinite(v)},
            target_tempo=format_tempo(self.target) if self.target is not None else None,
            reps_outside_target=cur.outside_target,
            decided_s=decided_s if decided_s is not None else cur.last_end_s,
            holds=cur.holds if self._holds_kind else None,
            target_hold=str(self.target_hold) if self.target_hold is not None
            and self._holds_kind else None,
            holds_outside_target=cur.holds_outside_target,
            side_counts=side_counts, asymmetry_pct=asymmetry_pct,
            bouts=cur.bouts if self._bouts_kind else None,
            target_bout=str(self.target_bout) if self.target_bout is not None
            and self._bouts_kind else None,
            bouts_outside_target=cur.bouts_outside_target, manual=cur.manual,
            exercise_confidence=self.exercise_confidence)

    @property
    def _holds_kind(self) -> bool:
        """The exercise is timed in holds (its detector reports them)."""
        return isinstance(self.profile.detector, HoldSettings)

    @property
    def _bouts_kind(self) -> bool:
        """The exercise is timed in bouts (its detector reports them)."""
        return isinstance(self.profile.detector, BoutSettings)
