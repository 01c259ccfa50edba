"""In-set alerts: tell the coach at once when a set is going off.

Rules, per set, over the decided reps (or holds) in order:

* a metric (eccentric time, break-point angle, hold duration) falls by more than
  ``drop_share`` (default 0.20) below the mean of the set's first BASELINE_REPS ones;
* two reps in a row miss the target tempo.

Each rule fires once and is re-armed by a rep that is back within it, so a set that
stays slow gives one alert, not one per rep. Pure: no clock, events in, events out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from eccentric.core.events import Event, alert_event
from eccentric.session.tempo import Tempo, format_tempo

DEFAULT_DROP_SHARE = 0.20
# Reps (holds) whose mean is the set's baseline: one rep alone is too noisy a
# reference, and a coach's set is often only 5–6 reps long.
BASELINE_REPS = 2
# Tempo misses in a row that raise an alert.
TEMPO_MISSES = 2
# metric field → alert kind, for reps and for holds.
REP_METRICS = {"eccentric_s": "eccentric_drop", "break_angle_deg": "break_angle_drop"}
HOLD_METRICS = {"duration_s": "hold_drop"}


@dataclass
class _SetState:
    number: int
    first: dict[str, list[float]] = field(default_factory=dict)
    fired: set[str] = field(default_factory=set)
    misses: int = 0


class AlertRules:
    """``drop_share`` None turns the drop rules off (the tempo rule stays)."""

    def __init__(self, drop_share: float | None = DEFAULT_DROP_SHARE) -> None:
        if drop_share is not None and not 0 < drop_share < 1:
            raise ValueError(f"alert drop share {drop_share!r} must be above 0 and below 1")
        self.drop_share = drop_share
        self._set: _SetState | None = None

    def reset_tempo(self) -> None:
        """A new target tempo: earlier misses no longer count."""
        if self._set is not None:
            self._set.misses = 0
            self._set.fired.discard("tempo_missed")

    def observe(self, event: Event, target: Tempo | None = None) -> list[Event]:
        """Alerts raised by one decided ``rep`` or ``hold`` event (``target``: the tempo
        it was judged against)."""
        number = int(event.get("set") or 0)
        if self._set is None or self._set.number != number:
            self._set = _SetState(number)
        state = self._set
        metrics = HOLD_METRICS if event.get("type") == "hold" else REP_METRICS
        out: list[Event] = []
        t_s = float(event.get("decided_s") or event.get("end_s") or 0.0)
        for metric, kind in metrics.items():
            value = event.get(metric)
            if not isinstance(value, (int, float)):
                continue
            first = state.first.setdefault(metric, [])
            if len(first) < BASELINE_REPS:
                first.append(float(value))
                continue
            if self.drop_share is None:
                continue
            baseline = sum(first) / len(first)
            if baseline <= 0:
                continue
            drop = (baseline - float(value)) / baseline
            if drop > self.drop_share:
                if kind not in state.fired:
                    state.fired.add(kind)
                    out.append(self._alert(event, kind, t_s, metric=metric,
                                           value=float(value), baseline=baseline,
                                           drop_pct=100.0 * drop))
            else:
                state.fired.discard(kind)
        ok = event.get("within_target_tempo")
        if ok is False:
            state.misses += 1
            if state.misses >= TEMPO_MISSES and "tempo_missed" not in state.fired:
                state.fired.add("tempo_missed")
                out.append(self._alert(event, "tempo_missed", t_s, misses=state.misses,
                                       target=target))
        elif ok is True:
            state.misses = 0
            state.fired.discard("tempo_missed")
        return out

    def _alert(self, event: Event, kind: str, t_s: float, *, metric: str | None = None,
               value: float | None = None, baseline: float | None = None,
               drop_pct: float | None = None, misses: int | None = None,
               target: Tempo | None = None) -> Event:
        event_id = event.get("id")
        session = str(event_id).split(":", 1)[0] if event_id else "session"
        return alert_event(
            kind=kind, session=session, set_number=int(event.get("set") or 0),
            exercise=str(event.get("exercise")), t_s=t_s,
            item_id=str(event_id) if event_id else None, metric=metric, value=value,
            baseline=baseline, drop_pct=drop_pct,
            threshold_pct=100.0 * self.drop_share if self.drop_share is not None else None,
            misses=misses, target_tempo=format_tempo(target) if target is not None else None)
