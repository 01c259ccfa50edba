"""Events leave the pipeline as plain dicts with a ``type`` and units in field names.

Every sink (JSON lines, console, MQTT) receives the same dicts, so a replay and a live
session are indistinguishable except for metadata. Field order is fixed by construction,
which keeps JSON output byte-for-byte deterministic.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any, Literal

Event = dict[str, Any]
EventType = Literal["rep", "set", "status", "live", "nonrep", "hold", "bout", "command",
                    "alert", "plan", "rest"]

SCHEMA_VERSION = 1


# A run id is one topic-safe word: it becomes part of every rep and set id.
RUN_ID_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,32}")


def new_run_id() -> str:
    """A fresh short run id (6 hex digits): replays of one file get distinct event ids."""
    return secrets.token_hex(3)


def run_session_id(session: str, run_id: str) -> str:
    """The session part of rep and set ids, ``<session>@<run id>``: unique per run, so a
    subscriber that de-duplicates by id does not drop a second replay of the same file."""
    return f"{session}@{run_id}"


def session_of_id(event_id: str) -> str:
    """The session part of a rep id (``<session>:<set>:<rep>``) or a set id
    (``<session>:set:<n>``)."""
    return event_id.rsplit(":", 2)[0]


# Lunges on one thigh: a detector knows only whether the leg wearing the sensor led the
# rep or the other one did; the session's --side (which thigh wears it) makes that a side.
SENSOR_LEG = "sensor_leg"
OTHER_LEG = "other_leg"
_OPPOSITE = {"left": "right", "right": "left"}


def leg_side(rep_side: str | None, sensor_side: str | None) -> str | None:
    """A rep's ``side`` as reported: ``left``/``right`` when the sensor's side is known,
    else ``sensor_leg``/``other_leg`` as the detector said (other sides pass through)."""
    if sensor_side not in _OPPOSITE or rep_side not in (SENSOR_LEG, OTHER_LEG):
        return rep_side
    assert sensor_side is not None
    return sensor_side if rep_side == SENSOR_LEG else _OPPOSITE[sensor_side]


def _r(x: float | None, nd: int = 3) -> float | None:
    return None if x is None else round(float(x), nd)


@dataclass(slots=True)
class Phase:
    """One phase of a rep: ``name`` is e.g. eccentric, bottom, concentric, hold."""

    name: str
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(slots=True)
class Rep:
    """A decided repetition. Angles in degrees, durations in seconds, rates in °/s.

    ``measures`` are the exercise's own figures (its profile names them: e.g. ``hold_s``
    for a ball curl, ``break_angle_deg`` for a Nordic), in report order; ``diagnostics``
    say how the detector saw the rep (e.g. the cycle counter's period). Both are
    reported under their keys, so their names carry their units.
    """

    exercise: str
    start_s: float
    end_s: float
    eccentric_s: float
    concentric_s: float
    phases: list[Phase]
    rom_deg: float
    # Time spent at the far end of the movement (s); it is the pause of the tempo.
    far_hold_s: float = 0.0
    measures: dict[str, float] = field(default_factory=dict)
    side: str | None = None
    flags: list[str] = field(default_factory=list)
    diagnostics: dict[str, Any] = field(default_factory=dict)
    # Stream time at which the detector decided this rep (for latency accounting).
    decided_s: float | None = None


@dataclass(slots=True)
class Hold:
    """A decided timed hold (e.g. a side plank). Times in stream seconds, angles in degrees.

    ``sway_deg`` is the RMS of the segment tilt about its mean over the hold;
    ``hip_dips`` counts dips deeper than the profile's threshold that came back;
    ``level_deg`` is the mean tilt of the hold pose from the start pose.
    """

    exercise: str
    start_s: float
    end_s: float
    sway_deg: float
    hip_dips: int
    level_deg: float
    side: str | None = None
    flags: list[str] = field(default_factory=list)
    # Stream time at which the detector decided this hold.
    decided_s: float | None = None

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(slots=True)
class Bout:
    """A decided bout of repeated strokes or steps (e.g. foam rolling one spot). Times in
    stream seconds.

    ``cycles`` is the number of counted units (strokes or steps, named by
    ``count_field``); ``rate`` their rate in the unit of ``rate_field`` (e.g.
    ``stroke_rate_hz``: strokes per second of the bout); ``pauses`` counts stops inside
    the bout (shorter than the profile's bout-ending rest).
    """

    exercise: str
    start_s: float
    end_s: float
    cycles: int
    rate: float
    pauses: int
    count_field: str = "strokes"
    rate_field: str = "stroke_rate_hz"
    side: str | None = None
    flags: list[str] = field(default_factory=list)
    # Stream time at which the detector decided this bout.
    decided_s: float | None = None

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


def _measure(name: str, value: float) -> float | None:
    """Report precision follows the unit: 0.1 for angles and angular rates, 1 ms else."""
    return _r(value, 1 if name.endswith(("_deg", "_dps")) else 3)


def rep_event(rep: Rep, *, number: int, set_number: int, rep_in_set: int, decided_s: float,
              session: str, tempo: str, target_ok: bool | None) -> Event:
    """The public rep object (same in replay, count --json and MQTT)."""
    ev: Event = {
        "type": "rep",
        "schema": SCHEMA_VERSION,
        "id": f"{session}:{set_number}:{rep_in_set}",
        "exercise": rep.exercise,
        "rep": number,
        "set": set_number,
        "rep_in_set": rep_in_set,
        "start_s": _r(rep.start_s),
        "end_s": _r(rep.end_s),
        "eccentric_s": _r(rep.eccentric_s),
        "concentric_s": _r(rep.concentric_s),
        "tempo": tempo,
        "rom_deg": _r(rep.rom_deg, 1),
    }
    for name, value in rep.measures.items():
        ev[name] = _measure(name, value)
    if rep.side is not None:
        ev["side"] = rep.side
    ev["phases"] = [{"name": p.name, "start_s": _r(p.start_s), "end_s": _r(p.end_s)}
                    for p in rep.phases]
    if target_ok is not None:
        ev["within_target_tempo"] = target_ok
    ev["flags"] = list(rep.flags)
    ev.update(rep.diagnostics)
    ev["decided_s"] = _r(decided_s)
    return ev


def hold_event(hold: Hold, *, number: int, set_number: int, hold_in_set: int,
               decided_s: float, session: str, side: str | None,
               outside_target: bool | None) -> Event:
    """The public hold object (same in replay, count --json and MQTT)."""
    ev: Event = {
        "type": "hold",
        "schema": SCHEMA_VERSION,
        "id": f"{session}:{set_number}:hold:{hold_in_set}",
        "exercise": hold.exercise,
        "hold": number,
        "set": set_number,
        "hold_in_set": hold_in_set,
        "start_s": _r(hold.start_s),
        "end_s": _r(hold.end_s),
        "duration_s": _r(hold.duration_s),
        "side": side,
        "sway_deg": _r(hold.sway_deg, 1),
        "hip_dips": int(hold.hip_dips),
        "level_deg": _r(hold.level_deg, 1),
    }
    if outside_target is not None:
        ev["outside_target"] = outside_target
    ev["flags"] = list(hold.flags)
    ev["decided_s"] = _r(decided_s)
    return ev


def bout_event(bout: Bout, *, number: int, set_number: int, bout_in_set: int,
               decided_s: float, session: str, side: str | None,
               outside_target: bool | None) -> Event:
    """The public bout object (same in replay, count --json and MQTT): times in s, the
    counted strokes or steps under their own name, their rate."""
    ev: Event = {
        "type": "bout",
        "schema": SCHEMA_VERSION,
        "id": f"{session}:{set_number}:bout:{bout_in_set}",
        "exercise": bout.exercise,
        "bout": number,
        "set": set_number,
        "bout_in_set": bout_in_set,
        "start_s": _r(bout.start_s),
        "end_s": _r(bout.end_s),
        "duration_s": _r(bout.duration_s),
        "side": side,
        bout.count_field: int(bout.cycles),
        bout.rate_field: _r(bout.rate),
        "pauses": int(bout.pauses),
    }
    if outside_target is not None:
        ev["outside_target"] = outside_target
    ev["flags"] = list(bout.flags)
    ev["decided_s"] = _r(decided_s)
    return ev


def gap_event(start_s: float, end_s: float) -> Event:
    """Samples missing between two received ones (stream seconds)."""
    return {"type": "status", "event": "gap", "start_s": _r(start_s), "end_s": _r(end_s),
            "gap_s": _r(end_s - start_s)}


def end_event(t_s: float, timing: dict[str, float | int]) -> Event:
    """The stream ended at ``t_s``; ``timing`` counts samples, duplicates and gaps."""
    return {"type": "status", "event": "end", "t_s": _r(t_s), **timing}


def no_start_pose_event(t_s: float, waited_s: float, still_s: float, had_pose: bool
                        ) -> Event:
    """No start pose could be learnt for ``waited_s`` while the stream went on: reps are
    measured from the still start pose, so none can be counted until one is held still
    for ``still_s`` (or sways about one mean). ``had_pose``: an older pose (e.g. from
    before a rest) is still in use, which may not be this exercise's."""
    return {"type": "status", "event": "no_start_pose", "t_s": _r(t_s),
            "waited_s": _r(waited_s), "had_pose": had_pose,
            "message": f"no start pose learnt for {waited_s:.0f} s: hold the start pose "
                       f"still for {still_s:g} s"}


def nonrep_event(reason: str, start_s: float, end_s: float, peak_angle_deg: float,
                 decided_s: float) -> Event:
    """Movement that looked like a start but is not a rep (partial, aborted, timeout)."""
    return {"type": "nonrep", "reason": reason, "start_s": _r(start_s), "end_s": _r(end_s),
            "peak_angle_deg": _r(peak_angle_deg, 1), "decided_s": _r(decided_s)}


def live_event(t_s: float, angle_deg: float, rate_dps: float, phase: str, reps: int) -> Event:
    """A throttled gauge sample: segment angle (deg), its rate (°/s), current phase."""
    return {"type": "live", "t_s": _r(t_s), "angle_deg": _r(angle_deg, 1),
            "rate_dps": _r(rate_dps, 1), "phase": phase, "reps": reps}


def ble_event(event: str, device: str, host_t_s: float) -> Event:
    """A BLE link event (connected, lost, ...) of one device, at host time (s)."""
    return {"type": "ble", "event": event, "device": device, "host_t_s": host_t_s}


def set_event(*, session: str, number: int, exercise: str, reps: int, start_s: float,
              end_s: float, side: str | None, summary: dict[str, float],
              trend_pct: dict[str, float], target_tempo: str | None,
              reps_outside_target: int, decided_s: float, holds: int | None = None,
              target_hold: str | None = None, holds_outside_target: int = 0,
              side_counts: dict[str, int] | None = None,
              asymmetry_pct: float | None = None,
              bouts: int | None = None, target_bout: str | None = None,
              bouts_outside_target: int = 0, manual: bool = False,
              exercise_confidence: float | None = None) -> Event:
    """A closed set (``manual``: opened by a coach's ``start_set``): ``summary`` holds
    per-field means and SDs (``<field>_mean``, ``<field>_sd``), ``trend_pct``
    first-to-last change along a fitted line (%).
    ``holds`` is given for exercises of timed holds (with ``target_hold``, e.g. ``20-30``
    s, the number of holds outside it); ``bouts`` likewise for exercises of bouts.
    ``side_counts`` (reps, or holds, per side in the session so far, this set included)
    and ``asymmetry_pct`` (100·|L−R|/max(L, R)) are given once both sides have been
    seen. ``exercise_confidence`` (0–1) is given when the exercise was recognised
    (``--exercise any``); a recognised exercise below the threshold is ``unknown``."""
    ev: Event = {
        "type": "set",
        "schema": SCHEMA_VERSION,
        "id": f"{session}:set:{number}",
        "exercise": exercise,
    }
    if exercise_confidence is not None:
        ev["exercise_confidence"] = _r(exercise_confidence, 3)
    ev.update({
        "set": number,
        "reps": reps,
    })
    if manual:
        ev["manual"] = True
    if holds is not None:
        ev["holds"] = holds
    if bouts is not None:
        ev["bouts"] = bouts
    ev.update({
        "start_s": _r(start_s),
        "end_s": _r(end_s),
    })
    if side is not None:
        ev["side"] = side
    if side_counts is not None:
        ev["side_counts"] = dict(side_counts)
    if asymmetry_pct is not None:
        ev["asymmetry_pct"] = _r(asymmetry_pct, 1)
    ev.update({k: _r(v) for k, v in summary.items()})
    ev["trend_pct"] = {k: _r(v, 1) for k, v in trend_pct.items()}
    if target_tempo is not None:
        ev["target_tempo"] = target_tempo
        ev["reps_outside_target"] = reps_outside_target
    if target_hold is not None:
        ev["target_hold"] = target_hold
        ev["holds_outside_target"] = holds_outside_target
    if target_bout is not None:
        ev["target_bout"] = target_bout
        ev["bouts_outside_target"] = bouts_outside_target
    ev["decided_s"] = _r(decided_s)
    return ev


def command_event(command: str, t_s: float, *, ok: bool, request_id: str | None,
                  args: dict[str, Any] | None = None, detail: dict[str, Any] | None = None,
                  error_code: str | None = None, error_message: str | None = None) -> Event:
    """A coach command as the session applied (or refused) it, at stream time ``t_s``
    (``args``: its fields, e.g. ``exercise``): the record from which ``replay
    --commands`` applies the same commands at the same stream times again."""
    ev: Event = {"type": "command", "command": command, "request_id": request_id,
                 "ok": ok, "t_s": _r(t_s)}
    if args:
        ev["args"] = dict(args)
    if detail:
        ev["detail"] = dict(detail)
    if not ok:
        ev["error"] = {"code": error_code or "rejected", "message": error_message or ""}
    return ev


def calibration_event(t_s: float, *, state: str, requested_s: float,
                      moved_deg: float | None = None) -> Event:
    """A ``calibrate`` command's progress: ``requested`` at once, ``done`` when the next
    still start pose was learnt (``moved_deg`` from the previous pose)."""
    ev: Event = {"type": "status", "event": "calibration", "calibration": state,
                 "t_s": _r(t_s), "requested_s": _r(requested_s)}
    if moved_deg is not None:
        ev["moved_deg"] = _r(moved_deg, 2)
    ev["message"] = ("hold the start pose still to calibrate" if state == "requested"
                     else "start pose calibrated")
    return ev


ALERT_METRIC_LABELS = {"eccentric_s": "eccentric time", "break_angle_deg": "break-point angle",
                      "duration_s": "hold time"}


def alert_event(*, kind: str, session: str, set_number: int, exercise: str, t_s: float,
                item_id: str | None, metric: str | None = None, value: float | None = None,
                baseline: float | None = None, drop_pct: float | None = None,
                threshold_pct: float | None = None, misses: int | None = None,
                target_tempo: str | None = None) -> Event:
    """An in-set alert decided at stream time ``t_s``: ``metric`` fell ``drop_pct`` % below
    ``baseline`` (the set's first reps or holds), more than ``threshold_pct``; or (kind
    ``tempo_missed``) ``misses`` reps in a row outside ``target_tempo``."""
    ev: Event = {"type": "alert", "schema": SCHEMA_VERSION, "kind": kind,
                 "id": (f"{item_id}:alert:{kind}" if item_id
                        else f"{session}:set:{set_number}:alert:{kind}"),
                 "exercise": exercise, "set": set_number, "trigger": item_id,
                 "t_s": _r(t_s)}
    if metric is not None:
        ev.update({"metric": metric, "value": _r(value), "baseline": _r(baseline),
                   "drop_pct": _r(drop_pct, 1), "threshold_pct": _r(threshold_pct, 1)})
        label = ALERT_METRIC_LABELS.get(metric, metric)
        ev["message"] = (f"{label} down {drop_pct:.0f} % against the "
                         f"set's first reps ({value:.2f} vs {baseline:.2f})")
    if misses is not None:
        ev.update({"misses": misses, "target_tempo": target_tempo})
        ev["message"] = f"{misses} reps in a row off the target tempo {target_tempo}"
    return ev


def plan_event(t_s: float, *, state: str, block: int | None, blocks: int,
               current: dict[str, Any] | None, sets_done: int, reason: str) -> Event:
    """Where the session plan stands at ``t_s``: ``state`` is ``next_up`` (``current`` is
    the block now followed, 1-based ``block``) or ``done`` (every block finished).
    ``reason``: ``start``, ``block_done`` or ``next_block`` (the coach moved on)."""
    return {"type": "plan", "state": state, "block": block, "blocks": blocks,
            "current": current, "sets_done": sets_done, "reason": reason, "t_s": _r(t_s)}


def plan_set_fields(ev: Event, *, block: int, block_exercise: str, set_in_block: int,
                    sets_planned: int, target_reps: int | None, per_leg: bool,
                    rest_before_s: float | None, rest_s: float | None) -> None:
    """Add the plan's view to a closed ``set`` event, in place: which block and set of it
    this was, and ``plan.flags`` for each deviation. The plan wins on the exercise: when
    the measured one differs, ``exercise`` becomes the plan's, the measured one is kept as
    ``recognised_exercise`` and the flag ``plan_mismatch`` is set."""
    flags: list[str] = []
    if ev.get("exercise") != block_exercise:
        ev["recognised_exercise"] = ev.get("exercise")
        ev["exercise"] = block_exercise
        flags.append("plan_mismatch")
    done = ev.get("holds") if ev.get("holds") is not None else ev.get("bouts")
    done = done if done is not None else ev.get("reps")
    if target_reps is not None and isinstance(done, int):
        if done < target_reps:
            flags.append("reps_short")
        elif done > target_reps:
            flags.append("reps_over")
    if rest_s is not None and rest_before_s is not None and rest_before_s < rest_s:
        flags.append("rest_short")
    ev["plan"] = {"block": block, "set_in_block": set_in_block, "sets_planned": sets_planned,
                  "target_reps": target_reps, "per_leg": per_leg,
                  "rest_before_s": _r(rest_before_s, 1), "flags": flags}


RestState = Literal["start", "running", "end"]


def rest_event(*, session: str, state: RestState, start_s: float, t_s: float,
               target_s: float | None, after_set: int | None) -> Event:
    """A rest between sets: sent when it starts, about once a second while it runs and
    when the next set starts (``state``). ``elapsed_s`` is stream time since the last
    set's end; with a ``target_s`` (s), ``status`` says ``under`` or ``over`` it and
    ``remaining_s`` how long is left (negative once over)."""
    elapsed = max(t_s - start_s, 0.0)
    ev: Event = {"type": "rest", "schema": SCHEMA_VERSION, "session": session,
                 "state": state, "start_s": _r(start_s), "t_s": _r(t_s),
                 "elapsed_s": _r(elapsed, 1)}
    if after_set is not None:
        ev["after_set"] = after_set
    if target_s is not None:
        ev["target_s"] = _r(target_s, 1)
        ev["remaining_s"] = _r(target_s - elapsed, 1)
        ev["status"] = "under" if elapsed < target_s else "over"
    return ev
