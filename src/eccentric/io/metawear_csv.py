"""CSV exports of the MbientLab MetaWear / MetaBase app: one file per sensor stream.

The app writes, per stream, ``epoch (ms), time (...), elapsed (s), x-axis (U), y-axis (U),
z-axis (U)`` with U = ``g`` for the accelerometer and ``deg/s`` for the gyroscope, and the
two streams run at different rates without common sample instants (e.g. 12.5 Hz and
25 Hz). This reader aligns them on the epoch clock and resamples both onto one uniform
timeline by linear interpolation, in SI units. Grid points inside a hole of either stream
(a Bluetooth dropout) are left out, so the pipeline's timeline guard still sees the gap.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from eccentric.core.chunk import FloatArray, ImuChunk
from eccentric.core.errors import InputFormatError
from eccentric.core.units import (
    GyroUnitCheck,
    acc_to_mps2,
    check_plausible_units,
    gyro_to_rads,
)

_UNIT = re.compile(r"x-axis \(([^)]+)\)")
# A spacing above this many nominal periods is a hole in the stream (same tolerance as
# the pipeline's timeline guard, which allows for Bluetooth jitter).
_GAP_FACTOR = 2.5


@dataclass(frozen=True)
class MetaWearData:
    """Aligned acc+gyro on one timeline; ``t_s`` starts at 0 at ``start_epoch_s``."""

    chunk: ImuChunk
    rate_hz: float
    start_epoch_s: float


def _read_stream(path: Path) -> tuple[FloatArray, FloatArray, str]:
    """Epoch seconds (n,), xyz values (n, 3) and the unit named in the header."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), [])
    except FileNotFoundError:
        raise InputFormatError(f"{path}: no such file") from None
    names = [h.strip() for h in header]
    if len(names) < 6 or not names[0].startswith("epoch"):
        raise InputFormatError(f"{path}:1: not a MetaWear CSV export (header {names[:6]})")
    m = _UNIT.search(",".join(names))
    if m is None:
        raise InputFormatError(f"{path}:1: no 'x-axis (unit)' column")
    try:
        data = np.loadtxt(path, delimiter=",", skiprows=1, usecols=(0, 3, 4, 5), ndmin=2,
                          dtype=np.float64)
    except ValueError as exc:
        raise InputFormatError(f"{path}: unreadable row: {exc}") from exc
    if data.shape[0] < 2:
        raise InputFormatError(f"{path}: fewer than two samples")
    order = np.argsort(data[:, 0], kind="stable")
    data = data[order]
    keep = np.concatenate(([True], np.diff(data[:, 0]) > 0))  # drop duplicate stamps
    data = data[keep]
    return data[:, 0] / 1000.0, data[:, 1:], m.group(1).strip()


def _holes(t: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Start and end times of the spacings longer than _GAP_FACTOR median periods."""
    dt = np.diff(t)
    big = np.flatnonzero(dt > _GAP_FACTOR * float(np.median(dt)))
    return t[big], t[big + 1]


def gyro_partner(acc_path: str | Path) -> Path:
    """The gyroscope file that belongs to an accelerometer export of the same session."""
    p = Path(acc_path)
    stem = re.sub(r"_Accelerometer_.*$", "", p.name)
    matches = sorted(p.parent.glob(f"{stem}_Gyroscope_*.csv"))
    if not matches:
        raise InputFormatError(f"{p}: no gyroscope file {stem}_Gyroscope_*.csv beside it")
    return matches[0]


def read_metawear(acc_path: str | Path, gyro_path: str | Path | None = None, *,
                  rate_hz: float = 25.0) -> MetaWearData:
    """Read an accelerometer + gyroscope export pair onto a ``rate_hz`` timeline (SI).

    The timeline covers the time both streams overlap. Units come from the headers
    (``g`` or ``m/s^2``; ``deg/s`` or ``rad/s``).
    """
    if not rate_hz > 0:
        raise InputFormatError(f"rate must be positive, got {rate_hz}")
    acc_p = Path(acc_path)
    gyro_p = Path(gyro_path) if gyro_path is not None else gyro_partner(acc_p)
    ta, a, a_unit = _read_stream(acc_p)
    tg, g, g_unit = _read_stream(gyro_p)
    acc_unit = {"g": "g", "m/s^2": "m/s2", "m/s2": "m/s2"}.get(a_unit, a_unit)
    gyro_unit = {"deg/s": "deg/s", "°/s": "deg/s", "rad/s": "rad/s"}.get(g_unit, g_unit)
    t0 = max(ta[0], tg[0])
    t1 = min(ta[-1], tg[-1])
    if not t1 > t0:
        raise InputFormatError(f"{acc_p} and {gyro_p} do not overlap in time")
    grid = t0 + np.arange(int(np.floor((t1 - t0) * rate_hz)) + 1) / rate_hz
    keep = np.ones(len(grid), dtype=bool)
    for t in (ta, tg):
        for h0, h1 in zip(*_holes(t), strict=True):
            keep &= ~((grid > h0) & (grid < h1))
    grid = grid[keep]
    acc = np.stack([np.interp(grid, ta, a[:, k]) for k in range(3)], axis=1)
    gyro = np.stack([np.interp(grid, tg, g[:, k]) for k in range(3)], axis=1)
    acc = acc_to_mps2(acc, acc_unit)
    gyro = gyro_to_rads(gyro, gyro_unit)
    check_plausible_units(acc, gyro, str(acc_p))
    GyroUnitCheck(rate_hz, str(gyro_p)).update(acc, gyro)  # the unit its header states
    chunk = ImuChunk.from_arrays(grid - t0, acc, gyro, source=str(acc_p))
    return MetaWearData(chunk, float(rate_hz), float(t0))
