"""Plain CSV import: anyone's IMU data, with the units stated on the command line.

Contract (scripts depend on it): a header row naming columns among ``t`` (seconds;
optional when a rate is given), ``ax, ay, az`` and ``gx, gy, gz`` (or ``wx, wy, wz``).
Other columns are ignored. Every problem is reported with the file and line number.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from eccentric.core.errors import InputFormatError
from eccentric.core.units import acc_to_mps2, check_plausible_units, gyro_to_rads

ACC_COLUMNS = ("ax", "ay", "az")
GYRO_COLUMNS = ("gx", "gy", "gz")
GYRO_ALIASES = ("wx", "wy", "wz")

if TYPE_CHECKING:  # numpy loads once the file is read: a missing file is reported fast
    from eccentric.core.chunk import FloatArray, ImuChunk


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


def _parse_rows(text: str, path: Path, wanted: list[int]) -> FloatArray:
    """Slow path that pinpoints the first bad row; used only when the fast path fails."""
    import numpy as np

    rows: list[list[float]] = []
    reader = csv.reader(io.StringIO(text))
    next(reader, None)
    for row in reader:
        lineno = reader.line_num
        if not row or all(not c.strip() for c in row):
            continue
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


def read_csv(
    path: str | Path, *, rate_hz: float | None, acc_unit: str, gyro_unit: str
) -> CsvData:
    """Read one CSV into SI units; raises InputFormatError or UnitError naming the file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputFormatError(f"{p}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFormatError(f"{p}: cannot read as UTF-8 text: {exc}") from exc
    import numpy as np

    from eccentric.core.chunk import ImuChunk

    first = text.split("\n", 1)[0]
    header = next(csv.reader([first]), [])
    t_idx, acc_idx, gyro_idx = _column_indices(header, p)
    if t_idx is None and rate_hz is None:
        raise InputFormatError(f"{p}: no 't' column, so --rate HZ is required")
    if rate_hz is not None and not rate_hz > 0:
        raise InputFormatError(f"{p}: --rate must be positive, got {rate_hz}")
    wanted = ([t_idx] if t_idx is not None else []) + acc_idx + gyro_idx
    try:
        data = np.loadtxt(io.StringIO(text), delimiter=",", skiprows=1, usecols=wanted,
                          ndmin=2, dtype=np.float64)
    except ValueError:
        data = _parse_rows(text, p, wanted)
    if data.shape[0] == 0:
        raise InputFormatError(f"{p}: no data rows after the header")
    bad = ~np.isfinite(data).all(axis=1)
    if bad.any():
        raise InputFormatError(f"{p}:{int(np.flatnonzero(bad)[0]) + 2}: value is not finite")
    off = 1 if t_idx is not None else 0
    acc = acc_to_mps2(data[:, off:off + 3], acc_unit)
    gyro = gyro_to_rads(data[:, off + 3:off + 6], gyro_unit)
    check_plausible_units(acc, gyro, str(p))
    if t_idx is not None:
        t = data[:, 0]
        if rate_hz is None:
            dt = np.diff(t)
            dt = dt[dt > 0]
            if dt.size == 0:
                raise InputFormatError(f"{p}: column t never increases; cannot infer a rate")
            rate_hz = float(1.0 / np.median(dt))
    else:
        assert rate_hz is not None
        t = np.arange(data.shape[0], dtype=np.float64) / rate_hz
    return CsvData(p, ImuChunk.from_arrays(t, acc, gyro, source=str(p)), float(rate_hz))
