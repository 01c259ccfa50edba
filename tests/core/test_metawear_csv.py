"""MetaWear app CSV exports: two streams at different rates onto one SI timeline."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from eccentric.core.errors import InputFormatError
from eccentric.core.units import STANDARD_GRAVITY_MPS2
from eccentric.io.metawear_csv import gyro_partner, read_metawear

T0_MS = 1547219408431


def write_stream(path: Path, rate_hz: float, seconds: float, unit: str,
                 values: np.ndarray | None = None, skip: tuple[float, float] | None = None
                 ) -> None:
    n = int(seconds * rate_hz)
    t_ms = T0_MS + np.round(np.arange(n) * 1000.0 / rate_hz).astype(np.int64)
    vals = values if values is not None else np.zeros((n, 3))
    lines = [f"epoch (ms),time (01:00),elapsed (s),x-axis ({unit}),y-axis ({unit}),"
             f"z-axis ({unit})"]
    for i in range(n):
        el = (t_ms[i] - T0_MS) / 1000.0
        if skip is not None and skip[0] < el < skip[1]:
            continue
        x, y, z = vals[i]
        lines.append(f"{t_ms[i]},2019-01-11T16:10:08.431,{el:.3f},{x:.4f},{y:.4f},{z:.4f}")
    path.write_text("\n".join(lines) + "\n")


def test_aligns_resamples_and_converts(tmp_path: Path) -> None:
    acc = tmp_path / "A-bench_MetaWear_2019_Accelerometer_12.500Hz_1.4.4.csv"
    gyro = tmp_path / "A-bench_MetaWear_2019_Gyroscope_25.000Hz_1.4.4.csv"
    n_acc = int(10 * 12.5)
    a = np.tile([0.0, 0.0, 1.0], (n_acc, 1))
    a[:, 0] = np.linspace(0.0, 0.5, n_acc)  # a ramp, so interpolation is checkable
    write_stream(acc, 12.5, 10.0, "g", a)
    g = np.tile([90.0, 0.0, -45.0], (250, 1))
    write_stream(gyro, 25.0, 10.0, "deg/s", g)
    assert gyro_partner(acc) == gyro
    d = read_metawear(acc, rate_hz=25.0)
    c = d.chunk
    assert d.rate_hz == 25.0
    assert np.allclose(np.diff(c.t_s), 0.04)
    assert np.allclose(c.gyro_rads[:, 0], math.pi / 2) and np.allclose(c.gyro_rads[:, 2],
                                                                         -math.pi / 4)
    assert np.allclose(c.acc_mps2[:, 2], STANDARD_GRAVITY_MPS2)
    # The ramp of 0.5 g over the file, sampled at 25 Hz between 12.5 Hz samples.
    expected = np.interp(c.t_s, np.arange(n_acc) / 12.5, a[:, 0]) * STANDARD_GRAVITY_MPS2
    assert np.allclose(c.acc_mps2[:, 0], expected, atol=1e-3)


def test_holes_stay_holes(tmp_path: Path) -> None:
    acc = tmp_path / "x_Accelerometer_12.500Hz_1.4.4.csv"
    gyro = tmp_path / "x_Gyroscope_25.000Hz_1.4.4.csv"
    write_stream(acc, 12.5, 10.0, "g", np.tile([0.0, 0.0, 1.0], (125, 1)))
    write_stream(gyro, 25.0, 10.0, "deg/s", skip=(4.0, 6.5))  # a Bluetooth dropout
    c = read_metawear(acc, gyro, rate_hz=25.0).chunk
    assert not np.any((c.t_s > 4.05) & (c.t_s < 6.45))
    assert np.max(np.diff(c.t_s)) > 2.0  # the timeline guard will report this gap


def test_rejects_other_csv(tmp_path: Path) -> None:
    p = tmp_path / "plain.csv"
    p.write_text("t,ax,ay,az,gx,gy,gz\n0,0,0,1,0,0,0\n")
    with pytest.raises(InputFormatError):
        read_metawear(p, p)
