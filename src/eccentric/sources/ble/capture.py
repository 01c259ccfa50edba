"""Raw BLE captures: every notification as it arrived, re-decodable later.

A capture is an eccentric recording (docs/recording-format.md) whose header carries
``sensor_info.ble = {"driver": kind, "options": {...}, ...}`` and whose body is
``raw`` lines instead of ``imu`` lines::

    {"kind": "raw", "char": "<uuid>", "hex": "0201…", "host_t_s": 12.345678}
    {"kind": "raw", "event": "stream_start", "host_t_s": 3.2}

``host_t_s`` is host monotonic time since the capture began, rounded to 1 µs; the live
session uses the rounded value too, so a replay makes identical timing decisions.
``event`` lines mark (re)starts of the stream, which re-anchor count-based timelines.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from eccentric.chunk import ImuChunk
from eccentric.errors import InputFormatError
from eccentric.recording_format import RecordingHeader
from eccentric.sinks.recording_writer import RecordingWriter
from eccentric.sources.ble import registry
from eccentric.sources.ble.assemble import Assembler, ChunkBatcher
from eccentric.sources.ble.base import Driver
from eccentric.sources.recording import RecordingReader

log = logging.getLogger(__name__)

CAPTURE_VERSION = 1
EVENT_STREAM_START = "stream_start"
EVENT_DISCONNECTED = "disconnected"


def is_capture(header: RecordingHeader) -> bool:
    return isinstance(header.sensor_info.get("ble"), dict)


def capture_header(driver: Driver, *, exercise: str, athlete: str, placement: str,
                   side: str, device_name: str | None, address: str | None,
                   created_utc: str | None) -> RecordingHeader:
    return RecordingHeader(
        sensor=driver.sensor, placement=placement, rate_hz=driver.rate_hz, exercise=exercise,
        athlete=athlete, side=side, created_utc=created_utc,
        sensor_info={"ble": {"driver": driver.kind, "options": driver.options(),
                             "capture_version": CAPTURE_VERSION, "name": device_name,
                             "address": address}},
        notes="Raw BLE capture (eccentric live): replay re-decodes the notifications.")


class CaptureWriter:
    """Appends one line per notification and flushes it at once."""

    def __init__(self, path: Path, header: RecordingHeader) -> None:
        self.path = path
        self._writer = RecordingWriter(path, header)

    def notification(self, char: str, data: bytes, host_t_s: float) -> None:
        self._writer.write_record("raw", {"char": char, "hex": data.hex(),
                                          "host_t_s": host_t_s})

    def event(self, name: str, host_t_s: float, **extra: Any) -> None:
        self._writer.write_record("raw", {"event": name, "host_t_s": host_t_s, **extra})

    def close(self) -> None:
        self._writer.close()


def driver_for(header: RecordingHeader, where: str) -> Driver:
    ble = header.sensor_info.get("ble")
    if not isinstance(ble, dict) or "driver" not in ble:
        raise InputFormatError(f"{where}: not a BLE capture")
    version = ble.get("capture_version")
    if version != CAPTURE_VERSION:
        raise InputFormatError(f"{where}: capture version {version!r} is not supported")
    return registry.create(str(ble["driver"]), dict(ble.get("options") or {}))


def replay_records(records: Iterator[dict[str, Any]], assembler: Assembler,
                   where: str) -> Iterator[ImuChunk]:
    """Feed capture lines to an assembler and batch as the live session did (the
    runner flushes its batch at every link event and at the end)."""
    batcher = ChunkBatcher()
    for i, rec in enumerate(records):
        host = rec.get("host_t_s")
        if not isinstance(host, int | float):
            raise InputFormatError(f"{where}: raw line {i + 1} lacks host_t_s")
        if "event" in rec:
            yield from batcher.flush()
            if rec["event"] == EVENT_STREAM_START:
                assembler.restart()
            continue
        try:
            char, data = str(rec["char"]), bytes.fromhex(rec["hex"])
        except (KeyError, TypeError, ValueError) as exc:
            raise InputFormatError(f"{where}: raw line {i + 1} is malformed: {exc}") from exc
        chunk = assembler.notification(char, data, float(host))
        if chunk is not None:
            yield from batcher.add(chunk)
    yield from batcher.flush()


def capture_chunks(reader: RecordingReader, merge_s: float = 0.0) -> Iterator[ImuChunk]:
    """The chunks a live session fed its pipeline from this capture.

    ``merge_s`` is accepted for the recording interface but not used: the chunks are
    cut exactly as live, so a replay yields exactly the live events.
    """
    driver = driver_for(reader.header, str(reader.path))
    yield from replay_records(reader.records("raw"), Assembler(driver), str(reader.path))
    stats = driver.stats
    if stats.malformed:
        log.warning("%s: %d malformed packets skipped (last: %s)", reader.path,
                    stats.malformed, stats.last_error)
