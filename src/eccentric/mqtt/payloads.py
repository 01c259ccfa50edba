"""Wrap pipeline events into MQTT payloads: the event's own fields plus an envelope.

The envelope adds ``athlete``, ``sensor``, the stream time ``t_s`` (seconds since the
session started) and ``time``, the ISO-8601 UTC wall-clock time at which the message
was created. ``time`` is taken when the event is queued, not when it is delivered, so a
rep held back during a broker outage still says when it happened.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import numpy as np

from eccentric.core.chunk import ImuChunk
from eccentric.core.errors import InputFormatError
from eccentric.core.events import SCHEMA_VERSION, Event

Payload = dict[str, Any]
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso_utc(when: datetime) -> str:
    """``2025-01-31T12:00:00.123Z``: millisecond precision, always UTC with ``Z``."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _stream_time(event: Event) -> float | None:
    """The moment in the stream the message speaks for."""
    for key in ("decided_s", "t_s", "end_s"):
        value = event.get(key)
        if isinstance(value, int | float):
            return float(value)
    return None


def wrap_event(event: Event, *, athlete: str, sensor: str, clock: Clock = utc_now) -> Payload:
    """The MQTT payload of a pipeline event; the event dict itself is not modified."""
    payload: Payload = {
        "schema": event.get("schema", SCHEMA_VERSION),
        "type": event["type"],
        "athlete": athlete,
        "sensor": sensor,
        "time": iso_utc(clock()),
    }
    t_s = _stream_time(event)
    if t_s is not None:
        payload["t_s"] = round(t_s, 3)
    for key, value in event.items():
        if key not in payload:
            payload[key] = value
    return payload


def envelope(kind: str, *, athlete: str, sensor: str, t_s: float | None = None,
             clock: Clock = utc_now) -> Payload:
    """A fresh payload of an MQTT-only message type (status, command result, imu)."""
    payload: Payload = {"schema": SCHEMA_VERSION, "type": kind, "athlete": athlete,
                        "sensor": sensor, "time": iso_utc(clock())}
    if t_s is not None:
        payload["t_s"] = round(t_s, 3)
    return payload


def imu_payload(chunk: ImuChunk, *, athlete: str, sensor: str, clock: Clock = utc_now,
                seq: int | None = None, gap: bool | None = None,
                stream: dict[str, Any] | None = None) -> Payload:
    """The ``imu`` message of one batch of samples (SI units). A gateway adds ``seq``
    (per athlete stream, from 0, no holes), ``gap`` (samples are missing right before
    this batch) and ``stream`` (who and what: the worker's pipeline settings)."""
    payload = envelope("imu", athlete=athlete, sensor=sensor, t_s=float(chunk.t_s[0]),
                       clock=clock)
    payload["samples_t_s"] = np.round(chunk.t_s, 6).tolist()
    payload["acc_mps2"] = np.round(chunk.acc_mps2, 4).tolist()
    payload["gyro_rads"] = np.round(chunk.gyro_rads, 5).tolist()
    if seq is not None:
        payload["seq"] = seq
    if gap is not None:
        payload["gap"] = gap
    if stream is not None:
        payload["stream"] = stream
    return payload


def imu_chunk(payload: Any, source: str = "imu message") -> ImuChunk:
    """The samples of an ``imu`` message; a malformed one is an :class:`InputFormatError`
    naming ``source``."""
    if not isinstance(payload, dict) or payload.get("type") != "imu":
        raise InputFormatError(f"{source}: not an imu message")
    try:
        return ImuChunk.from_arrays(payload["samples_t_s"], payload["acc_mps2"],
                                    payload["gyro_rads"], source=source)
    except KeyError as exc:
        raise InputFormatError(f"{source}: missing field {exc.args[0]!r}") from None
    except (TypeError, ValueError) as exc:
        raise InputFormatError(f"{source}: bad samples ({exc})") from None


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def encode(payload: Payload) -> bytes:
    """Compact UTF-8 JSON. JSON has no NaN or infinity, so those become ``null``
    (Python's json would otherwise write ``NaN``, which JavaScript parsers reject)."""
    try:
        text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except ValueError:
        text = json.dumps(_finite(payload), separators=(",", ":"), ensure_ascii=False,
                          allow_nan=False)
    return text.encode("utf-8")
