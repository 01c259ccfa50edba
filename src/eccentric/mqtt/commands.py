"""Commands arriving on ``<base>/<athlete>/command``: parse, validate, reply.

A command is a small JSON object such as ``{"command": "set_exercise", "exercise":
"nordic", "request_id": "42"}``. Validation uses the shipped ``command.schema.json``
(one branch per command), then checks exercise names against the known profiles.
Anything invalid becomes a :class:`CommandError` with a machine-readable code; it never
reaches the pipeline, so a bad command changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from eccentric.mqtt.payloads import Clock, Payload, envelope, utc_now
from eccentric.schemas import load, registry

MAX_COMMAND_BYTES = 4096


@dataclass(frozen=True, slots=True)
class StartSet:
    request_id: str | None = None
    exercise: str | None = None
    name: str = "start_set"


@dataclass(frozen=True, slots=True)
class StopSet:
    request_id: str | None = None
    name: str = "stop_set"


@dataclass(frozen=True, slots=True)
class ChooseExercise:
    exercise: str
    request_id: str | None = None
    name: str = "set_exercise"


@dataclass(frozen=True, slots=True)
class SetTargetTempo:
    tempo: str
    request_id: str | None = None
    name: str = "set_target_tempo"


@dataclass(frozen=True, slots=True)
class Calibrate:
    request_id: str | None = None
    name: str = "calibrate"


@dataclass(frozen=True, slots=True)
class NextBlock:
    request_id: str | None = None
    name: str = "next_block"


Command = StartSet | StopSet | ChooseExercise | SetTargetTempo | Calibrate | NextBlock


class CommandError(Exception):
    """An invalid command; ``code`` is one of the codes in command_result.schema.json."""

    def __init__(self, code: str, message: str, request_id: str | None = None,
                 command: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.request_id = request_id
        self.command = command


def _branches() -> dict[str, Draft202012Validator]:
    out: dict[str, Draft202012Validator] = {}
    for branch in load("command.schema.json")["oneOf"]:
        name = branch["properties"]["command"]["const"]
        out[name] = Draft202012Validator(branch, registry=registry())
    return out


_BRANCHES = _branches()
COMMAND_NAMES = tuple(_BRANCHES)


def known_exercises() -> Collection[str]:
    from eccentric.exercises.catalogue import PROFILES  # the pipeline's registry is the authority

    return PROFILES.keys()


def parse_command(raw: bytes,
                  exercises: Callable[[], Collection[str]] = known_exercises) -> Command:
    """Bytes from the broker → a typed command, or :class:`CommandError`."""
    if len(raw) > MAX_COMMAND_BYTES:
        raise CommandError("too_large", f"command is larger than {MAX_COMMAND_BYTES} bytes")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CommandError("invalid_json", f"not valid UTF-8 JSON: {exc}") from None
    if not isinstance(data, dict):
        raise CommandError("invalid_command", "a command must be a JSON object")
    rid = data.get("request_id")
    request_id = rid if isinstance(rid, str) and len(rid) <= 64 else None
    name = data.get("command")
    if not isinstance(name, str) or name not in _BRANCHES:
        raise CommandError("invalid_command",
                           f"'command' must be one of {', '.join(COMMAND_NAMES)}", request_id,
                           name if isinstance(name, str) else None)
    error = best_match(_BRANCHES[name].iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "command"
        raise CommandError("invalid_command", f"{where}: {error.message}", request_id, name)
    exercise = data.get("exercise")
    if exercise is not None and exercise not in exercises():
        raise CommandError("unknown_exercise",
                           f"unknown exercise {exercise!r}; known: "
                           f"{', '.join(sorted(exercises()))}", request_id, name)
    match name:
        case "start_set":
            return StartSet(request_id, exercise)
        case "stop_set":
            return StopSet(request_id)
        case "set_exercise":
            return ChooseExercise(str(exercise), request_id)
        case "set_target_tempo":
            return SetTargetTempo(str(data["tempo"]), request_id)
        case "next_block":
            return NextBlock(request_id)
        case _:
            return Calibrate(request_id)


def result_payload(*, athlete: str, sensor: str, ok: bool, request_id: str | None,
                   command: str | None, detail: dict[str, Any] | None = None,
                   error_code: str | None = None, error_message: str | None = None,
                   t_s: float | None = None, clock: Clock = utc_now) -> Payload:
    payload = envelope("command_result", athlete=athlete, sensor=sensor, t_s=t_s, clock=clock)
    payload.update({"ok": ok, "request_id": request_id, "command": command})
    if detail:
        payload["detail"] = detail
    if not ok:
        payload["error"] = {"code": error_code or "failed", "message": error_message or ""}
    return payload
