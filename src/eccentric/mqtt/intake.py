"""Coach commands from the MQTT sink into the session: the drive loop calls
:meth:`SinkCommands.apply_pending` between chunks; each command is applied to the
pipeline at that stream time and answered on ``<base>/<athlete>/command/result``.

The sink's network thread only parses and queues (see ``MqttSink._on_command``); nothing
here runs on it, so the pipeline is only ever touched by the loop that feeds it.
"""

from __future__ import annotations

import logging
from typing import Any

from eccentric.core.errors import CommandRejected, EccentricError
from eccentric.core.events import Event, command_event
from eccentric.mqtt.commands import (
    Calibrate,
    ChooseExercise,
    Command,
    NextBlock,
    SetTargetTempo,
    StartSet,
    StopSet,
)
from eccentric.mqtt.sink import MqttSink
from eccentric.session.pipeline import Pipeline

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
    detail: dict[str, Any] = {"exercise": pipeline.profile.name}
    target = pipeline.sets.target
    if target is not None:
        from eccentric.session.tempo import format_tempo

        detail["target_tempo"] = format_tempo(target)
    closed = [e["id"] for e in events if e.get("type") == "set"]
    if closed:
        detail["closed_sets"] = closed
    if pipeline.plan is not None:
        block = pipeline.plan.current
        detail["plan_block"] = None if block is None else pipeline.plan.index + 1
    return detail


class SinkCommands:
    """The :class:`~eccentric.session.drive.CommandIntake` of one MQTT sink."""

    def __init__(self, sink: MqttSink) -> None:
        self.sink = sink

    def apply_pending(self, pipeline: Pipeline, t_s: float) -> list[Event]:
        out: list[Event] = []
        for command in self.sink.poll_commands():
            try:
                events = apply_command(command, pipeline, t_s)
            except EccentricError as exc:
                # CommandRejected, or a value the schema let through but the session
                # cannot use: refused, session unchanged.
                code = "rejected"
                out.append(command_event(command.name, t_s, ok=False,
                                         request_id=command.request_id, error_code=code,
                                         error_message=str(exc)))
                self.sink.reply(command, False, error_code=code, message=str(exc), t_s=t_s)
                continue
            detail = _detail(command, pipeline, events)
            out.append(command_event(command.name, t_s, ok=True,
                                     request_id=command.request_id, detail=detail))
            out.extend(events)
            self.sink.reply(command, True, detail=detail, t_s=t_s)
            log.info("command %s applied at t=%.2f s", command.name, t_s)
        return out
