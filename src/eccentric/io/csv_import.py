"""Plain CSV import: anyone's IMU data, with the units stated on the command line.

Contract (scripts depend on it): a header row naming columns among ``t`` (seconds;
optional when a rate is given), ``ax, ay, az`` and ``gx, gy, gz`` (or ``wx, wy, wz``).
Other columns are ignored. Every problem is reported with the file and line number.

The file is streamed in blocks (memory does not grow with its length) and no line may
be longer than MAX_LINE_CHARS. Rows that cannot be samples are dropped and counted,
never silently: non-finite values, values no IMU can measure, a time far from both
neighbours. A clock that jumps back is shifted to continue, with a warning.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eccentric.core.errors import InputFormatError

ACC_COLUMNS = ("ax", "ay", "az")
GYRO_COLUMNS = ("gx", "gy", "gz")
GYRO_ALIASES = ("wx", "wy", "wz")
# A row of seven numbers needs well under 200 characters; a longer line is not data
# (and reading it whole could take gigabytes).
MAX_LINE_CHARS = 64 * 1024
BLOCK_ROWS = 8192
BLOCK_CHARS = 1 << 20
# --rate and the rate of the t column may differ by this fraction (clock drift).
RATE_TOLERANCE = 0.1

if TYPE_CHECKING:  # numpy loads once the file is read: a missing file is reported fast
    import numpy as np

    from eccentric.core.chunk import FloatArray, ImuChunk
    from eccentric.core.timing import InputStats, TimeColumnRepair
    from eccentric.core.units import GyroUnitCheck



@dataclass(frozen=True)
class CsvData:
    """A whole CSV file converted to SI units."""

    path: Path
    chunk: ImuChunk
    rate_hz: float


def _column_indices(header: list[str], path: Path) -> tuple[int | None, list[int], list[int]]:
    names = [h.strip().lower() for h in header]
    def find(col: str) -> int | None:
        return names.index(col) if col in names else None

    missing = [c for c in ACC_COLUMNS if find(c) is None]
    # Report missing columns against whichever naming the file mostly uses.
    n_g = sum(find(c) is not None for c in GYRO_COLUMNS)
    n_w = sum(find(c) is not None for c in GYRO_ALIASES)
    gyro_cols = GYRO_ALIASES if n_w > n_g else GYRO_COLUMNS
    missing += [c for c in gyro_cols if find(c) is None]
    if missing:
        raise InputFormatError(
            f"{path}:1: missing column(s) {', '.join(missing)}; the header must name "
            "ax,ay,az and gx,gy,gz (or wx,wy,wz), and optionally t "
            f"(found: {', '.join(names) or 'nothing'})"
        )
    acc_idx = [names.index(c) for c in ACC_COLUMNS]
    gyro_idx = [names.index(c) for c in gyro_cols]
    return find("t"), acc_idx, gyro_idx


def _parse_rows(lines: list[str], linenos: list[int], path: Path, wanted: list[int]
                ) -> FloatArray:
    """Slow path that pinpoints the first bad row; used only when the fast path fails."""
    import numpy as np

    rows: list[list[float]] = []
    for text, lineno in zip(lines, linenos, strict=True):
        row = next(csv.reader([text]), [])
        try:
            rows.append([float(row[i]) for i in wanted])
        except IndexError:
            raise InputFormatError(
                f"{path}:{lineno}: row has {len(row)} fields, the header promises more"
            ) from None
        except ValueError:
            bad = next(row[i] for i in wanted if not _is_float(row[i]))
            raise InputFormatError(f"{path}:{lineno}: {bad!r} is not a number") from None
    return np.asarray(rows, dtype=np.float64).reshape(-1, len(wanted))


def _is_float(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


class CsvStream:
    """One CSV file as a stream of chunks in SI units, read in blocks.

    Opening reads the header and the first block (to learn the rate, checked against
    ``rate_hz`` when both are known); iterate ``chunks()`` once. ``stats`` counts the
    rows read and dropped; TimelineGuard later drops duplicate and out-of-order times.
    Raises InputFormatError or UnitError naming the file (and line where there is one).
    """

    def __init__(self, path: str | Path, *, rate_hz: float | None, acc_unit: str,
                 gyro_unit: str) -> None:
        self.path = p = Path(path)
        self.acc_unit, self.gyro_unit = acc_unit, gyro_unit
        if rate_hz is not None and not rate_hz > 0:
            raise InputFormatError(f"{p}: --rate must be positive, got {rate_hz}")
        try:
            self._fh: io.TextIOWrapper = p.open("r", encoding="utf-8-sig", newline="")
        except FileNotFoundError:
            raise InputFormatError(f"{p}: no such file") from None
        except OSError as exc:
            raise InputFormatError(f"{p}: cannot read: {exc}") from exc
        self.size_bytes = p.stat().st_size
        from eccentric.core.timing import InputStats  # numpy: once the file is open

        self.stats: InputStats = InputStats()
        self._lineno = 0
        self._eof = False
        self._first_line: dict[str, int] = {}  # drop reason -> first line dropped for it
        try:
            self._open(rate_hz)
        except BaseException:
            self._fh.close()
            raise

    def _open(self, rate_hz: float | None) -> None:
        import numpy as np

        from eccentric.core.timing import TimeColumnRepair
        from eccentric.core.units import GyroUnitCheck

        p = self.path
        first = self._readline()
        if first is None:
            raise InputFormatError(f"{p}: file is empty; expected a header row")
        header = next(csv.reader([first]), [])
        self._t_idx, acc_idx, gyro_idx = _column_indices(header, p)
        if self._t_idx is None and rate_hz is None:
            raise InputFormatError(f"{p}: no 't' column, so --rate HZ is required")
        self._wanted = ([self._t_idx] if self._t_idx is not None else []) + acc_idx + gyro_idx
        self._first = self._read_block()
        if self._first is None:
            raise InputFormatError(f"{p}: no data rows after the header")
        data = self._first[0]
        if self._t_idx is not None:
            dt = np.diff(data[:, 0])
            dt = dt[dt > 0]
            if dt.size == 0:
                if data.shape[0] > 1 or rate_hz is None:
                    raise InputFormatError(
                        f"{p}: column t never increases; cannot infer a rate")
                measured = rate_hz
            else:
                measured = float(1.0 / np.median(dt))
            if rate_hz is not None and abs(measured / rate_hz - 1.0) > RATE_TOLERANCE:
                raise InputFormatError(
                    f"{p}: --rate {rate_hz:g} Hz contradicts column t, which says "
                    f"{measured:.1f} Hz; leave --rate out (the t column sets the rate) or "
                    "correct it")
            rate_hz = measured
        assert rate_hz is not None
        self.rate_hz = float(rate_hz)
        self._repair: TimeColumnRepair | None = (
            TimeColumnRepair(1.0 / self.rate_hz) if self._t_idx is not None else None)
        self._gyro_check: GyroUnitCheck = GyroUnitCheck(self.rate_hz, str(p))
        self._first_checked = False
        self._next_index = 0  # sample index for a file without a t column

    def _readline(self) -> str | None:
        """The next line without its end, or None at the end of the file."""
        try:
            raw = self._fh.readline(MAX_LINE_CHARS + 1)
        except UnicodeDecodeError as exc:
            raise InputFormatError(
                f"{self.path}:{self._lineno + 1}: not UTF-8 text ({exc.reason})") from None
        except OSError as exc:
            raise InputFormatError(f"{self.path}: cannot read: {exc}") from exc
        if not raw:
            return None
        self._lineno += 1
        if len(raw) > MAX_LINE_CHARS and not raw.endswith("\n"):
            raise InputFormatError(
                f"{self.path}:{self._lineno}: line longer than {MAX_LINE_CHARS} characters; "
                "this is not a CSV row of samples")
        if "\x00" in raw:
            raise InputFormatError(f"{self.path}:{self._lineno}: line contains NUL bytes; "
                                   "not a text CSV file")
        return raw.rstrip("\r\n")

    def _read_block(self) -> tuple[FloatArray, np.ndarray] | None:
        """Up to BLOCK_ROWS parsed rows (columns: [t], acc, gyro) and their line numbers."""
        import numpy as np

        texts: list[str] = []
        linenos: list[int] = []
        chars = 0
        while len(texts) < BLOCK_ROWS and chars < BLOCK_CHARS and not self._eof:
            line = self._readline()
            if line is None:
                self._eof = True
                break
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            texts.append(line)
            linenos.append(self._lineno)
            chars += len(line)
        if not texts:
            return None
        try:
            data = np.loadtxt(texts, delimiter=",", usecols=self._wanted, ndmin=2,
                              dtype=np.float64, comments=None)
        except ValueError:
            data = _parse_rows(texts, linenos, self.path, self._wanted)
        if data.shape[0] != len(texts):  # never expected: keeps the line numbers honest
            data = _parse_rows(texts, linenos, self.path, self._wanted)
        self.stats.rows += len(texts)
        return data, np.asarray(linenos, dtype=np.int64)

    def close(self) -> None:
        self._fh.close()

    @property
    def position_bytes(self) -> int:
        """Roughly how far reading has got (for a progress bar)."""
        try:
            raw: Any = self._fh.buffer  # a BufferedReader: where in the file
            return min(int(raw.tell()), self.size_bytes)
        except (OSError, ValueError):
            return self.size_bytes

    def chunks(self) -> Iterator[ImuChunk]:
        """Every block as one chunk, in file order; closes the file at the end."""
        try:
            block = self._first
            self._first = None
            while block is not None:
                nxt = self._read_block()
                chunk = self._convert(*block, final=nxt is None)
                if chunk is not None:
                    yield chunk
                block = nxt
            self._summarise()
        finally:
            self.close()

    def _convert(self, data: FloatArray, lines: np.ndarray, *, final: bool
                 ) -> ImuChunk | None:
        import numpy as np

        from eccentric.core.chunk import ImuChunk
        from eccentric.core.units import (
            acc_to_mps2,
            check_plausible_units,
            gyro_to_rads,
            physical_mask,
        )

        p = self.path
        off = 1 if self._t_idx is not None else 0
        if self._t_idx is None:
            # Time from the row index, counted before any row is dropped: a dropped row
            # leaves a gap, not a shifted time axis.
            t = (self._next_index + np.arange(len(data), dtype=np.float64)) / self.rate_hz
            self._next_index += len(data)
            data = np.column_stack([t, data])
            off = 1
        finite = np.asarray(np.isfinite(data).all(axis=1), dtype=np.bool_)
        self._drop(~finite, lines, "not_finite")
        data, lines = data[finite], lines[finite]
        acc = acc_to_mps2(data[:, off:off + 3], self.acc_unit)
        gyro = gyro_to_rads(data[:, off + 3:off + 6], self.gyro_unit)
        if not self._first_checked and len(data):
            check_plausible_units(acc, gyro, str(p))
            self._first_checked = True
        self._gyro_check.update(acc, gyro)
        ok = physical_mask(acc, gyro)
        self._drop(~ok, lines, "out_of_range")
        rows = np.column_stack([data[ok, 0], acc[ok], gyro[ok]])
        lines = lines[ok]
        if self._repair is not None:
            before = self._repair.outliers
            n_resets = len(self._repair.resets)
            rows, lines = self._repair.process(rows, lines, final=final)
            self.stats.drop("time_outlier", self._repair.outliers - before)
            for r in self._repair.resets[n_resets:]:
                self.stats.warn(f"{p}:{r.line}: the clock jumps back {r.back_s:.1f} s; later "
                                "samples are shifted to continue the time axis")
        if len(rows) == 0:
            return None
        return ImuChunk.from_arrays(rows[:, 0], rows[:, 1:4], rows[:, 4:7], source=str(p))

    def _drop(self, bad: np.ndarray, lines: np.ndarray, reason: str) -> None:
        n = int(bad.sum())
        if n:
            self._first_line.setdefault(reason, int(lines[bad][0]))
            self.stats.drop(reason, n)

    def _summarise(self) -> None:
        """One warning per kind of dropped row, once the whole file is read."""
        first = dict(self._first_line)
        if self._repair is not None and self._repair.first_outlier_line is not None:
            first["time_outlier"] = self._repair.first_outlier_line
        what = {"not_finite": "with a value that is not a finite number",
                "out_of_range": "with a value no IMU can measure",
                "time_outlier": "whose time is far from both neighbours"}
        for reason, n in self.stats.dropped.items():
            self.stats.warn(f"{self.path}:{first.get(reason, 0)}: dropped {n} row(s) "
                            f"{what[reason]} (the first on this line)")


def read_csv(
    path: str | Path, *, rate_hz: float | None, acc_unit: str, gyro_unit: str
) -> CsvData:
    """Read one CSV into SI units as one chunk (analysis and tests; the CLI streams)."""
    from eccentric.core.chunk import concat

    stream = CsvStream(path, rate_hz=rate_hz, acc_unit=acc_unit, gyro_unit=gyro_unit)
    chunk = concat(list(stream.chunks()))
    return CsvData(stream.path, chunk, stream.rate_hz)
