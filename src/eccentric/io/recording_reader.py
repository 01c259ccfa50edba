"""Read eccentric recordings (plain or gzip JSON Lines) as a stream of chunks."""

from __future__ import annotations

import base64
import binascii
import gzip
import io
import json
import logging
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

from eccentric.core.chunk import ImuChunk, concat
from eccentric.core.errors import InputFormatError
from eccentric.io.recording_format import RecordingHeader

log = logging.getLogger(__name__)


def _open_text(path: Path) -> IO[str]:
    with path.open("rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
    return path.open("r", encoding="utf-8")


@dataclass
class ReadStats:
    """What the reader had to skip; a truncated tail is expected after a crash."""

    skipped_kinds: dict[str, int] = field(default_factory=dict)
    truncated_tail: bool = False


class RecordingReader:
    """Streams a recording. Iterate ``chunks()`` once; ``labels()`` re-reads the file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise InputFormatError(f"{self.path}: no such file")
        self.stats = ReadStats()
        lines = self._lines()
        try:
            _, first = next(lines)
        except StopIteration:
            raise InputFormatError(f"{self.path}: file is empty") from None
        finally:
            lines.close()
        self.header = RecordingHeader.from_line(first, str(self.path))

    def _lines(self) -> Generator[tuple[int, dict[str, Any]], None, None]:
        fh = _open_text(self.path)
        try:
            lineno = 0
            while True:
                try:
                    raw = fh.readline()
                except (EOFError, gzip.BadGzipFile, OSError):
                    # A gzip stream cut short by a crash: everything before it is good.
                    self.stats.truncated_tail = True
                    log.warning("%s: compressed stream ends early; reading what is there",
                                self.path)
                    return
                if not raw:
                    return
                lineno += 1
                if not raw.endswith("\n"):
                    # A line cut by a crash mid-write; only the final line can be like this.
                    self.stats.truncated_tail = True
                    log.warning("%s: last line %d is incomplete and was ignored", self.path, lineno)
                    return
                if not raw.strip():
                    continue
                try:
                    obj = json.loads(raw)
                except json.JSONDecodeError as exc:
                    raise InputFormatError(
                        f"{self.path}:{lineno}: not valid JSON: {exc.msg}") from exc
                if not isinstance(obj, dict) or "kind" not in obj:
                    raise InputFormatError(f"{self.path}:{lineno}: expected an object with 'kind'")
                yield lineno, obj
        finally:
            fh.close()

    def chunks(self, merge_s: float = 0.0) -> Iterator[ImuChunk]:
        """Yield the ``imu`` chunks in file order, validated and in SI units.

        ``merge_s`` > 0 joins consecutive lines into chunks of at least that many
        seconds: results are identical (the pipeline is chunk-independent), but
        replaying as fast as possible spends less time on per-chunk overhead.
        """
        pending: list[ImuChunk] = []
        span_start = 0.0
        for lineno, obj in self._lines():
            kind = obj["kind"]
            if kind == "imu":
                c = _parse_imu(obj, f"{self.path}:{lineno}")
                if merge_s <= 0:
                    yield c
                    continue
                if len(c) == 0:
                    continue
                if not pending:
                    span_start = float(c.t_s[0])
                pending.append(c)
                if float(c.t_s[-1]) - span_start >= merge_s:
                    yield concat(pending)
                    pending = []
            elif kind not in ("header", "label"):
                self.stats.skipped_kinds[kind] = self.stats.skipped_kinds.get(kind, 0) + 1
        if pending:
            yield concat(pending)

    def labels(self) -> list[dict[str, Any]]:
        """All ``label`` lines (ground truth), in file order."""
        return [obj for _, obj in self._lines() if obj["kind"] == "label"]

    def records(self, kind: str) -> Iterator[dict[str, Any]]:
        """Every line of one ``kind`` (e.g. raw BLE notifications in a capture)."""
        return (obj for _, obj in self._lines() if obj["kind"] == kind)


def _parse_imu(obj: dict[str, Any], where: str) -> ImuChunk:
    try:
        if obj.get("enc") == "b64le":
            t = np.frombuffer(base64.b64decode(obj["t_s"], validate=True), "<f8")
            acc = np.frombuffer(base64.b64decode(obj["acc_mps2"], validate=True), "<f4")
            gyro = np.frombuffer(base64.b64decode(obj["gyro_rads"], validate=True), "<f4")
            acc = acc.astype(np.float64).reshape(-1, 3)
            gyro = gyro.astype(np.float64).reshape(-1, 3)
        elif "enc" in obj:
            raise InputFormatError(f"{where}: unknown sample encoding {obj['enc']!r}")
        else:
            t = np.asarray(obj["t_s"], dtype=np.float64)
            acc = np.asarray(obj["acc_mps2"], dtype=np.float64).reshape(-1, 3)
            gyro = np.asarray(obj["gyro_rads"], dtype=np.float64).reshape(-1, 3)
    except KeyError as exc:
        raise InputFormatError(f"{where}: imu line lacks field {exc}") from exc
    except (TypeError, ValueError, binascii.Error) as exc:
        raise InputFormatError(f"{where}: imu arrays are malformed: {exc}") from exc
    return ImuChunk.from_arrays(t, acc, gyro, source=where)


def read_all(path: str | Path) -> tuple[RecordingHeader, ImuChunk]:
    """Convenience for analysis and tests: the whole recording as one chunk."""
    reader = RecordingReader(path)
    return reader.header, concat(list(reader.chunks()))
