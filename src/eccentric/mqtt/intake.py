"""Coach commands from the MQTT sink into the session: the drive loop calls
:meth:`SinkCommands.apply_pending` between chunks; each command is applied to the
pipeline at that stream time and answered on ``<base>/<athlete>/command/result``.

The sink's network thread only parses and queues (see ``MqttSink._on_command``); nothing
here runs on it, so the pipeline is only ever touched by the loop that feeds it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import fields
from pathlib import Path
from typing import Any

from eccentric.core.errors import CommandRejected, EccentricError, InputFormatError
from eccentric.core.events import Event, command_event
from eccentric.mqtt.commands import (
    Calibrate,
    ChooseExercise,
    Command,
    CommandError,
    NextBlock,
    SetTargetTempo,
    StartSet,
    StopSet,
    parse_command,
)
from eccentric.mqtt.sink import MqttSink
from eccentric.session.drive import CommandIntake
from eccentric.session.pipeline import Pipeline
from eccentric.session.tempo import format_tempo

log = logging.getLogger(__name__)


def apply_command(command: Command, pipeline: Pipeline, t_s: float) -> list[Event]:
    """Apply one valid command at stream time ``t_s``; raises :class:`CommandRejected`
    (the session unchanged) when it cannot be applied now."""
    match command:
        case StartSet():
            return pipeline.start_set(t_s, command.exercise)
        case StopSet():
            return pipeline.stop_set(t_s)
        case ChooseExercise():
            return pipeline.set_exercise(t_s, command.exercise)
        case SetTargetTempo():
            return pipeline.set_target_tempo(t_s, command.tempo)
        case Calibrate():
            return pipeline.calibrate(t_s)
        case NextBlock():
            return pipeline.next_block(t_s)
    raise CommandRejected(f"command {command.name!r} is not handled")  # pragma: no cover


def _detail(command: Command, pipeline: Pipeline, events: list[Event]) -> dict[str, Any]:
    target = pipeline.sets.target
    detail: dict[str, Any] = {"exercise": pipeline.profile.name,
                              "target_tempo": format_tempo(target) if target else None}
    closed = [e["id"] for e in events if e.get("type") == "set"]
    if closed:
        detail["closed_sets"] = closed
    if isinstance(command, StopSet) and pipeline.stop_pending:
        detail["stop_pending"] = True  # closes once the rep in progress is decided
    if pipeline.plan is not None:
        block = pipeline.plan.current
        detail["plan_block"] = None if block is None else pipeline.plan.index + 1
    return detail


def _args(command: Command) -> dict[str, Any]:
    """The command's own fields (exercise, tempo), for its ``command`` event."""
    return {f.name: getattr(command, f.name) for f in fields(command)
            if f.name not in ("name", "request_id") and getattr(command, f.name) is not None}


def apply_and_record(command: Command, pipeline: Pipeline, t_s: float,
                     sink: MqttSink | None = None) -> list[Event]:
    """Apply one command at ``t_s``: its ``command`` event, then what it caused; a refused
    one (CommandRejected, or a value the schema let through but the session cannot use)
    changes nothing. ``sink``: where the result is answered."""
    try:
        events = apply_command(command, pipeline, t_s)
    except EccentricError as exc:
        code = "rejected"
        if sink is not None:
            sink.reply(command, False, error_code=code, message=str(exc), t_s=t_s)
        return [command_event(command.name, t_s, ok=False, request_id=command.request_id,
                              args=_args(command), error_code=code, error_message=str(exc))]
    detail = _detail(command, pipeline, events)
    if sink is not None:
        sink.reply(command, True, detail=detail, t_s=t_s)
    log.info("command %s applied at t=%.2f s", command.name, t_s)
    return [command_event(command.name, t_s, ok=True, request_id=command.request_id,
                          args=_args(command), detail=detail), *events]


class SinkCommands:
    """The :class:`~eccentric.session.drive.CommandIntake` of one MQTT sink."""

    def __init__(self, sink: MqttSink) -> None:
        self.sink = sink

    def apply_pending(self, pipeline: Pipeline, t_s: float) -> list[Event]:
        out: list[Event] = []
        for command in self.sink.poll_commands():
            out.extend(apply_and_record(command, pipeline, t_s, self.sink))
        return out


# Command times in a schedule are rounded to 1 ms (as events are); samples are at least
# 5 ms apart, so half a millisecond of slack can never pick the wrong sample.
SCHEDULE_SLACK_S = 5e-4


class ScheduledCommands:
    """Commands at given stream times (``replay --commands FILE``): each is applied after
    the first sample at or after its time, however the stream is chunked, provided the
    chunks are cut there (:meth:`cut_times`)."""

    def __init__(self, entries: list[tuple[float, Command]]) -> None:
        self.entries = sorted(entries, key=lambda e: e[0])
        self.left_over = 0

    @property
    def cut_times(self) -> list[float]:
        return [t - SCHEDULE_SLACK_S for t, _ in self.entries]

    def apply_pending(self, pipeline: Pipeline, t_s: float) -> list[Event]:
        out: list[Event] = []
        while self.entries and self.entries[0][0] <= t_s + SCHEDULE_SLACK_S:
            _, command = self.entries.pop(0)
            out.extend(apply_and_record(command, pipeline, t_s))
        return out


class Both:
    """Several intakes, asked in turn (a replay with a schedule and a broker)."""

    def __init__(self, *intakes: CommandIntake) -> None:
        self.intakes = intakes

    def apply_pending(self, pipeline: Pipeline, t_s: float) -> list[Event]:
        return [ev for i in self.intakes for ev in i.apply_pending(pipeline, t_s)]


def load_schedule(path: Path) -> ScheduledCommands:
    """A JSON-lines file of commands with their stream time ``t_s``: command objects as
    on MQTT plus ``t_s``, or the ``command`` events of an earlier run (``--json``
    output; other lines are skipped). A bad line is an error naming file and line."""
    entries: list[tuple[float, Command]] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFormatError(f"{path}: cannot read the command schedule: {exc}") from None
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputFormatError(f"{path}:{n}: not JSON: {exc}") from None
        if not isinstance(obj, dict):
            raise InputFormatError(f"{path}:{n}: a command line must be a JSON object")
        if "type" in obj:
            if obj["type"] != "command":
                continue  # another event of a --json output
            obj = {"command": obj.get("command"), "request_id": obj.get("request_id"),
                   "t_s": obj.get("t_s"), **(obj.get("args") or {})}
            if obj["request_id"] is None:
                del obj["request_id"]
        t_s = obj.pop("t_s", None)
        if isinstance(t_s, bool) or not isinstance(t_s, (int, float)) or t_s < 0:
            raise InputFormatError(f"{path}:{n}: t_s (stream seconds, >= 0) is required")
        try:
            command = parse_command(json.dumps(obj).encode())
        except CommandError as exc:
            raise InputFormatError(f"{path}:{n}: {exc.message}") from None
        entries.append((float(t_s), command))
    return ScheduledCommands(entries)
