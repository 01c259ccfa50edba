"""Raw BLE captures: every notification as it arrived, re-decodable later.

A capture is an eccentric recording (docs/recording-format.md) whose header carries
``sensor_info.ble = {"driver": kind, "options": {...}, ...}`` and whose body is
``raw`` lines instead of ``imu`` lines::

    {"kind": "raw", "char": "<uuid>", "hex": "0201…", "host_t_s": 12.345678}
    {"kind": "raw", "event": "disconnected", "host_t_s": 9.1}

``host_t_s`` is host monotonic time since the capture began, rounded to 1 µs; the live
session uses the rounded value too, so a replay makes identical timing decisions.
``event`` lines mark link events (``stream_start``, ``disconnected``); after a
disconnection, count-based timelines re-anchor on arrival time.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from eccentric.ble.assemble import Assembler, ChunkBatcher
from eccentric.core.chunk import ImuChunk
from eccentric.core.errors import InputFormatError
from eccentric.devices import registry
from eccentric.devices.base import Driver
from eccentric.io.recording_format import RecordingHeader
from eccentric.io.recording_reader import RecordingReader

log = logging.getLogger(__name__)

CAPTURE_VERSION = 1


def capture_header(driver: Driver, *, exercise: str, athlete: str, placement: str,
                   side: str, device_name: str | None, address: str | None,
                   created_utc: str | None, host_monotonic_t0: float | None = None
                   ) -> RecordingHeader:
    return RecordingHeader(
        sensor=driver.sensor, placement=placement, rate_hz=driver.rate_hz, exercise=exercise,
        athlete=athlete, side=side, created_utc=created_utc,
        sensor_info={"ble": {"driver": driver.kind, "options": driver.options(),
                             "capture_version": CAPTURE_VERSION, "name": device_name,
                             "address": address, "host_monotonic_t0": host_monotonic_t0}},
        notes="Raw BLE capture (eccentric live): replay re-decodes the notifications.")


class CaptureWriter:
    """Appends one line per notification; :meth:`flush` after every batch the consumer
    takes from its queue (a few ms at most), so a crash loses almost nothing."""

    def __init__(self, path: Path, header: RecordingHeader) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = path.open("w", encoding="utf-8")
        self._write(header.to_line())
        self.flush()

    def _write(self, obj: dict[str, Any]) -> None:
        self._fh.write(json.dumps(obj, separators=(",", ":")) + "\n")

    def notification(self, char: str, data: bytes, host_t_s: float) -> None:
        self._write({"kind": "raw", "char": char, "hex": data.hex(), "host_t_s": host_t_s})

    def event(self, name: str, host_t_s: float, **extra: Any) -> None:
        self._write({"kind": "raw", "event": name, "host_t_s": host_t_s, **extra})

    def flush(self) -> None:
        self._fh.flush()

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()


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
            assembler.link_event(str(rec["event"]))
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
