"""Read eccentric recordings (plain or gzip JSON Lines) as a stream of chunks."""

from __future__ import annotations

import base64
import binascii
import gzip
import io
import json
import zlib
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

from eccentric.core.chunk import ImuChunk, concat
from eccentric.core.errors import InputFormatError
from eccentric.core.timing import InputStats, TimeColumnRepair
from eccentric.core.units import physical_mask
from eccentric.io.recording_format import RecordingHeader


def _open_text(path: Path) -> IO[str]:
    with path.open("rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
    return path.open("r", encoding="utf-8")


@dataclass
class ReadStats(InputStats):
    """What the reader read and had to skip: a truncated tail is expected after a crash;
    corrupt compressed data ends the reading too (both warn, keeping what came before)."""

    skipped_kinds: dict[str, int] = field(default_factory=dict)
    truncated_tail: bool = False
    corrupt: bool = False


class RecordingReader:
    """Streams a recording. Iterate ``chunks()`` once; ``labels()`` re-reads the file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise InputFormatError(f"{self.path}: no such file")
        self.stats = ReadStats()
        self._told: set[str] = set()
        self._fh: IO[str] | None = None
        with self.path.open("rb") as fh:
            self._compressed = fh.read(2) == b"\x1f\x8b"
        lines = self._lines()
        try:
            _, first = next(lines)
        except StopIteration:
            what = "is corrupt at its start" if self.stats.corrupt else "is empty"
            raise InputFormatError(f"{self.path}: file {what}") from None
        finally:
            lines.close()
        self.header = RecordingHeader.from_line(first, str(self.path))

    @property
    def size_bytes(self) -> int:
        return self.path.stat().st_size

    @property
    def position_bytes(self) -> int:
        """How far the last reading pass has got in the file as stored (for progress)."""
        fh = self._fh
        if fh is None:
            return 0
        try:
            raw: Any = getattr(fh, "buffer")  # noqa: B009 (IO[str] does not declare it)
            inner = getattr(raw, "fileobj", None)  # a GzipFile: where in the compressed file
            return int((inner if inner is not None else raw).tell())
        except (AttributeError, OSError, ValueError):
            return self.size_bytes

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()

    def _lines(self) -> Generator[tuple[int, dict[str, Any]], None, None]:
        fh = self._fh = _open_text(self.path)
        try:
            lineno = 0
            while True:
                try:
                    raw = fh.readline()
                except (EOFError, gzip.BadGzipFile) as exc:
                    if "CRC" in str(exc) or "length" in str(exc):
                        self._corrupt(lineno, exc)
                    else:
                        # A gzip stream cut short by a crash: everything before it is good.
                        self.stats.truncated_tail = True
                        self._warn_once(f"{self.path}: compressed stream ends early after "
                                        f"line {lineno}; reading what is there")
                    return
                except UnicodeDecodeError as exc:
                    if not self._compressed:
                        raise InputFormatError(f"{self.path}:{lineno + 1}: not UTF-8 text "
                                               f"({exc.reason})") from None
                    self._corrupt(lineno, exc)
                    return
                except (zlib.error, OSError) as exc:
                    self._corrupt(lineno, exc)
                    return
                if not raw:
                    return
                lineno += 1
                if not raw.endswith("\n"):
                    # A line cut by a crash mid-write; only the final line can be like this.
                    self.stats.truncated_tail = True
                    self._warn_once(f"{self.path}: last line {lineno} is incomplete and was "
                                    "ignored")
                    return
                if not raw.strip():
                    continue
                try:
                    obj = json.loads(raw)
                except json.JSONDecodeError as exc:
                    if self._compressed:
                        # Inside a gzip stream a line that is not JSON is damaged data.
                        self._corrupt(lineno - 1, exc)
                        return
                    raise InputFormatError(
                        f"{self.path}:{lineno}: not valid JSON: {exc.msg}") from exc
                if not isinstance(obj, dict) or "kind" not in obj:
                    raise InputFormatError(f"{self.path}:{lineno}: expected an object with 'kind'")
                yield lineno, obj
        finally:
            fh.close()

    def _corrupt(self, lineno: int, exc: Exception) -> None:
        self.stats.corrupt = True
        self._warn_once(f"{self.path}: the compressed data are corrupt after line {lineno} "
                        f"({type(exc).__name__}: {exc}); the samples before it are used, "
                        "the rest of the file is lost")

    def _keep(self, c: ImuChunk, ok: np.ndarray, reason: str, what: str, lineno: int
              ) -> ImuChunk:
        """The samples of ``c`` where ``ok``; the others are counted, and warned about
        once per reason (on the first line that has them)."""
        if ok.all():
            return c
        self.stats.drop(reason, int((~ok).sum()))
        if reason not in self._told:
            self._told.add(reason)
            self._warn_once(f"{self.path}:{lineno}: dropped sample(s) with a value that is "
                            f"{what} (the first on this line; see the counts with --json)")
        return c.select(ok)

    def _warn_once(self, message: str) -> None:
        # labels() and records() read the file again: say each thing once.
        if message not in self.stats.warnings:
            self.stats.warn(message)

    def chunks(self, merge_s: float = 0.0) -> Iterator[ImuChunk]:
        """Yield the ``imu`` chunks in file order, validated and in SI units.

        ``merge_s`` > 0 joins consecutive lines into chunks of at least that many
        seconds: results are identical (the pipeline is chunk-independent), but
        replaying as fast as possible spends less time on per-chunk overhead.
        """
        pending: list[ImuChunk] = []
        span_start = 0.0
        for c in self._repaired(self._imu_lines()):
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
        if pending:
            yield concat(pending)

    def _imu_lines(self) -> Iterator[tuple[int, ImuChunk]]:
        """(line number, samples) of every ``imu`` line; bad samples dropped, counted."""
        for lineno, obj in self._lines():
            kind = obj["kind"]
            if kind == "imu":
                try:
                    c = _parse_imu(obj, f"{self.path}:{lineno}")
                except InputFormatError as exc:
                    if not self._compressed:
                        raise
                    # Inside a gzip stream a malformed line is damaged data (the check
                    # sum that would prove it comes only at the end of the stream).
                    self._corrupt(lineno - 1, exc)
                    return
                self.stats.rows += len(c)
                finite = (np.isfinite(c.t_s) & np.isfinite(c.acc_mps2).all(axis=1)
                          & np.isfinite(c.gyro_rads).all(axis=1))
                c = self._keep(c, finite, "not_finite", "not a finite number", lineno)
                c = self._keep(c, physical_mask(c.acc_mps2, c.gyro_rads), "out_of_range",
                               "no IMU can measure", lineno)
                yield lineno, c
            elif kind not in ("header", "label"):
                self.stats.skipped_kinds[kind] = self.stats.skipped_kinds.get(kind, 0) + 1

    def _repaired(self, lines: Iterator[tuple[int, ImuChunk]]) -> Iterator[ImuChunk]:
        """The samples with the time column repaired (an absurd single time dropped, a
        clock reset shifted; see TimeColumnRepair), one chunk per line."""
        repair = TimeColumnRepair(1.0 / self.header.rate_hz if self.header.rate_hz > 0
                                  else 0.01)
        # A line is passed on once the next line's first sample has been seen (the
        # look-ahead the repair needs), so each chunk still holds just its own line.
        pending: tuple[np.ndarray, np.ndarray] | None = None  # rows, line numbers
        for lineno, c in lines:
            rows = np.column_stack([c.t_s, c.acc_mps2, c.gyro_rads])
            nums = np.full(len(c), lineno)
            if pending is not None:
                yield self._repair_step(repair, np.concatenate([pending[0], rows[:1]]),
                                        np.concatenate([pending[1], nums[:1]]), final=False)
                rows, nums = rows[1:], nums[1:]
            pending = (rows, nums)
        if pending is not None:
            yield self._repair_step(repair, pending[0], pending[1], final=True)
        if repair.outliers:
            self.stats.drop("time_outlier", repair.outliers)
            self._warn_once(f"{self.path}:{repair.first_outlier_line}: dropped "
                            f"{repair.outliers} sample(s) whose time is far from both "
                            "neighbours (the first on this line)")

    def _repair_step(self, repair: TimeColumnRepair, rows: np.ndarray, lines: np.ndarray,
                     *, final: bool) -> ImuChunk:
        n_resets = len(repair.resets)
        out, _ = repair.process(rows, lines, final=final)
        for r in repair.resets[n_resets:]:
            self._warn_once(f"{self.path}:{r.line}: the clock jumps back {r.back_s:.1f} s; "
                            "later samples are shifted to continue the time axis")
        return ImuChunk(out[:, 0].copy(), out[:, 1:4].copy(), out[:, 4:7].copy())

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
    t = t.reshape(-1)
    n = t.shape[0]
    for name, arr in (("acc_mps2", acc), ("gyro_rads", gyro)):
        if arr.shape != (n, 3):
            raise InputFormatError(
                f"{where}: {name} has shape {arr.shape}, expected ({n}, 3) to match t_s")
    # Non-finite samples are dropped and counted by the reader, not refused here.
    return ImuChunk(np.ascontiguousarray(t, dtype=np.float64),
                    np.ascontiguousarray(acc, dtype=np.float64),
                    np.ascontiguousarray(gyro, dtype=np.float64))


def read_all(path: str | Path) -> tuple[RecordingHeader, ImuChunk]:
    """Convenience for analysis and tests: the whole recording as one chunk."""
    reader = RecordingReader(path)
    return reader.header, concat(list(reader.chunks()))
