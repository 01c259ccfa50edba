"""The tracker of a locked bout: detrended dominant component → zig-zag turning points →
reps, each emitted as soon as it is decided (the rules are in counter.py's docstring)."""

from __future__ import annotations

import math

import numpy as np

from eccentric.core.chunk import FloatArray
from eccentric.core.events import Rep
from eccentric.detect.base import NonRep
from eccentric.detect.cycles.bout import Bout
from eccentric.detect.cycles.dsp import robust_range
from eccentric.detect.cycles.features import (
    DETRENDED,
    ROTATION,
    band_columns,
    plain_columns,
)
from eccentric.detect.cycles.reps import RepMaker
from eccentric.detect.cycles.ring import Ring
from eccentric.detect.cycles.settings import CycleSettings
from eccentric.detect.cycles.zigzag import Turn, ZigZag


class Tracker:
    """State of the current bout (None between bouts) over the shared ``ring``."""

    def __init__(self, ring: Ring, settings: CycleSettings, work_hz: float,
                 reps: RepMaker) -> None:
        self._ring = ring
        self.settings = settings
        self.work_hz = work_hz
        self._reps = reps
        self.bout: Bout | None = None
        self.zig = ZigZag()
        self.delta = 0.0  # current hysteresis of the zig-zag
        self.floor_n = 0  # ring rows before this index belong to an earlier bout
        self.last_turn_t = -math.inf
        self.next_n = 0  # next ring row the zig-zag has not seen

    @property
    def phase(self) -> str:
        """``idle`` outside a bout; ``out`` moving away from the rest side, ``back`` returning."""
        bout = self.bout
        if bout is None or self.zig.mode == 0:
            return "idle"
        return "back" if self.zig.mode == bout.rest_kind else "out"

    def start(self, bout: Bout, t_now: float, first_n: int, out: list[Rep | NonRep], *,
              final: bool = False) -> None:
        """Lock on ``bout`` and replay the ring from row ``first_n``, so reps of the warm-up
        are not lost; undone if the replay shows too few whole cycles."""
        self.bout = bout
        self.zig = ZigZag()
        last_turn_t = self.last_turn_t
        self.last_turn_t = t_now
        # Replay the buffered part of this bout, so reps of the warm-up are not lost.
        replayed: list[Rep | NonRep] = []
        self.next_n = first_n
        self.track(bout, replayed)
        s = self.settings
        if bout.n_turns < (s.min_final_turns if final else s.min_lock_turns):
            # Periodic-looking, but too few whole cycles of turning points in the window:
            # slow irregular movement does that. Undo and keep waiting.
            self.bout = None
            self.zig = ZigZag()
            self.last_turn_t = last_turn_t
            return
        for r in replayed:
            if isinstance(r, Rep):
                r.flags.append("warmup")
        out.extend(replayed)

    def expired(self, t_now: float) -> bool:
        """The bout has had no turning point for too long (unlock_periods, unlock_min_s)."""
        bout = self.bout
        s = self.settings
        return bout is not None and t_now - self.last_turn_t > max(
            s.unlock_periods * bout.period_s, s.unlock_min_s)

    def _swing_threshold(self, bout: Bout, s_recent: FloatArray | None) -> float:
        """Hysteresis of the zig-zag: a fraction of the typical swing of this bout."""
        if len(bout.swings) >= 2:
            ordered = sorted(bout.swings)
            k = len(ordered)
            typical = 0.5 * (ordered[(k - 1) // 2] + ordered[k // 2])  # median
        else:
            typical = robust_range(s_recent) if s_recent is not None else 0.0
        s = self.settings
        floor = s.floor_rotation_rad if bout.signal == ROTATION else s.floor_acc_mps2
        return max(s.swing_fraction * typical, 0.5 * floor)

    def track(self, bout: Bout, out: list[Rep | NonRep], *, final: bool = False) -> None:
        """Feed the zig-zag with the detrended dominant component and emit final reps.

        The component is the locked feature projected on its axis, minus its trailing
        moving average over one period: that removes everything slower than the
        repetition (posture changes, filter transients) and keeps the cycle itself. Over
        a steady cycle a one-period average does not depend on where the period starts,
        so the trailing average needs no look-ahead; only the first period of a bout,
        which has no full period behind it, uses the bout's first full-period average.
        """
        ring = self._ring
        width = 2 * round(0.5 * bout.period_s * self.work_hz) + 1
        start = max(ring.oldest(), self.floor_n)
        first = max(self.next_n, start)
        last = ring.count - 1
        if last < first or (ring.count - start < width and not final):
            return
        lo = max(first - width + 1, start)
        seg = ring.since(lo)
        cols = band_columns(bout.signal)
        x = seg[:, cols] @ bout.axis
        raw_cols = plain_columns(bout.signal)
        csum = np.cumsum(np.concatenate(([0.0], x)))
        w = min(width, len(x))
        off = first - lo
        if off >= w - 1:  # every sample has a full period behind it: one difference
            d = x[off:] - (csum[off + 1:] - csum[off + 1 - w: len(x) + 1 - w]) / w
        else:
            idx = np.arange(off, len(x))
            a = np.clip(idx - w + 1, 0, len(x) - w)
            d = x[idx] - (csum[a + w] - csum[a]) / w
        idx_t = seg[first - lo: last - lo + 1, 0]
        ring.set_column(first, DETRENDED, d)
        self.next_n = last + 1
        recent: FloatArray | None = None
        if len(bout.swings) < 2:  # no typical swing yet: use the range of the last cycles
            n_recent = int(2.0 * bout.period_s * self.work_hz)
            recent = ring.since(max(start, last + 1 - n_recent))[: last + 1 - lo, DETRENDED]
        self.delta = self._swing_threshold(bout, recent)
        turns = self.zig.feed(idx_t, d, first, self.delta,
                              self.settings.plateau_fraction * bout.period_s)
        for turn in turns:
            # By its absolute row, not by its place in ``seg``: seg reaches back one
            # period, but a turn can be older. The zig-zag holds its running extreme until
            # the signal has moved delta away from it, so one seen before a pause is only
            # confirmed when movement resumes, up to the unlock time later (more than the
            # ring holds only for periods near period_max_s: then its oldest row serves).
            turn.raw = ring.row(turn.n)[raw_cols].copy()
            self._add_turn(bout, turn)
        self._settle(bout, out, final=False)

    def _add_turn(self, bout: Bout, turn: Turn) -> None:
        if bout.rest_kind == 0:
            bout.rest_kind = turn.kind  # the first turn of a bout is the start pose
        bout.n_turns += 1
        if bout.turns:
            bout.swings.append(abs(turn.value - bout.turns[-1].value))
            del bout.swings[:-5]
        bout.turns.append(turn)
        self.last_turn_t = turn.t_s

    def _settle(self, bout: Bout, out: list[Rep | NonRep], *, final: bool) -> None:
        """Merge double humps, then emit each rep as soon as it is decided.

        ``turns`` always starts on the rest side: [rest, far, rest, far, ...]. A rep is
        emitted as soon as its return arrives (see RepMaker.returned), which is its end;
        otherwise once its far turn is final: the next far turn is known to be at least
        merge_fraction periods later, or the bout is over.
        """
        turns = bout.turns
        merge_s = self.settings.merge_fraction * bout.period_s
        reps = self._reps
        while len(turns) >= 2:
            if len(turns) >= 4 and turns[3].t_s - turns[1].t_s < merge_s:
                a, b = turns[1], turns[3]
                keep = a if (a.value - b.value) * a.kind >= 0 else b
                turns[1:4] = [keep]  # an emitted rep stays emitted: the humps were one rep
                continue
            cand = self.zig.candidate
            later = cand is not None and cand[0] - turns[1].t_s >= merge_s
            if len(turns) >= 4 or final or (len(turns) == 3 and later):
                rest_b = turns[2] if len(turns) >= 3 else None
                if bout.emitted:
                    pass
                elif reps.moved(bout, turns[0], turns[1], rest_b, self.delta):
                    out.append(reps.make(bout, turns[0], turns[1], rest_b))
                elif rest_b is not None:
                    out.append(NonRep("partial", turns[0].t_s, rest_b.t_s, 0.0))
                bout.emitted = False
                del turns[:2]
                continue
            if not bout.emitted:
                end_s = reps.returned(bout, turns[0], turns[1])
                if end_s is not None and reps.moved(bout, turns[0], turns[1], None,
                                                    self.delta):
                    out.append(reps.make(bout, turns[0], turns[1], None, end_s=end_s))
                    bout.emitted = True
            break

    def end_bout(self) -> list[Rep | NonRep]:
        """Decide what the bout still holds and end it."""
        bout = self.bout
        out: list[Rep | NonRep] = []
        if bout is None:
            return out
        self.track(bout, out, final=True)
        turn = self.zig.flush(self.delta)
        if turn is not None and turn.n >= self._ring.oldest():
            turn.raw = self._ring.since(turn.n)[0, plain_columns(bout.signal)]
            turn.raw = turn.raw.copy()
            self._add_turn(bout, turn)
        self._settle(bout, out, final=True)
        self.bout = None
        self.zig = ZigZag()
        self.floor_n = self._ring.count
        return out
