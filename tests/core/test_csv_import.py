import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from eccentric.core.errors import InputFormatError, UnitError
from eccentric.io.csv_import import read_csv


def write(tmp_path: Path, text: str, name: str = "a.csv") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def still_rows(n: int, g: float = 1.0) -> str:
    return "".join(f"0.01,0.02,{g},0.001,0.002,0.003\n" for _ in range(n))


def test_reads_units_and_rate(tmp_path: Path) -> None:
    p = write(tmp_path, "ax,ay,az,gx,gy,gz\n" + still_rows(20))
    data = read_csv(p, rate_hz=50, acc_unit="g", gyro_unit="deg/s")
    assert data.chunk.acc_mps2[0, 2] == pytest.approx(9.80665)
    assert data.chunk.gyro_rads[0, 2] == pytest.approx(0.003 * np.pi / 180)
    assert data.chunk.t_s[1] == pytest.approx(0.02)


def test_aliases_and_time_column(tmp_path: Path) -> None:
    rows = "".join(f"{i * 0.01:.2f},0,0,9.8,0,0,0\n" for i in range(20))
    p = write(tmp_path, "t,ax,ay,az,wx,wy,wz\n" + rows)
    data = read_csv(p, rate_hz=None, acc_unit="m/s2", gyro_unit="rad/s")
    assert data.rate_hz == pytest.approx(100.0)


def test_missing_column_names_file(tmp_path: Path) -> None:
    p = write(tmp_path, "ax,ay,gx,gy,gz\n1,2,3,4,5\n")
    with pytest.raises(InputFormatError, match=r"a\.csv:1: missing column\(s\) az"):
        read_csv(p, rate_hz=50, acc_unit="g", gyro_unit="rad/s")


def test_bad_row_names_line(tmp_path: Path) -> None:
    p = write(tmp_path, "ax,ay,az,gx,gy,gz\n" + still_rows(3) + "0,0,oops,0,0,0\n")
    with pytest.raises(InputFormatError, match=r"a\.csv:5: 'oops' is not a number"):
        read_csv(p, rate_hz=50, acc_unit="g", gyro_unit="rad/s")


def test_rate_required_without_t(tmp_path: Path) -> None:
    p = write(tmp_path, "ax,ay,az,gx,gy,gz\n" + still_rows(3))
    with pytest.raises(InputFormatError, match="--rate"):
        read_csv(p, rate_hz=None, acc_unit="g", gyro_unit="rad/s")


def test_wrong_acc_unit_is_caught(tmp_path: Path) -> None:
    p = write(tmp_path, "ax,ay,az,gx,gy,gz\n" + still_rows(50))
    with pytest.raises(UnitError, match="look like they are in g"):
        read_csv(p, rate_hz=50, acc_unit="m/s2", gyro_unit="rad/s")


def test_wrong_gyro_unit_is_caught(tmp_path: Path) -> None:
    rows = "".join("0,0,1,120,80,40\n" for _ in range(50))
    p = write(tmp_path, "ax,ay,az,gx,gy,gz\n" + rows)
    with pytest.raises(UnitError, match="deg/s"):
        read_csv(p, rate_hz=50, acc_unit="g", gyro_unit="rad/s")


def test_count_cli_json_contract(tmp_path: Path) -> None:
    p = write(tmp_path, "ax,ay,az,gx,gy,gz\n" + still_rows(200))
    out = subprocess.run(
        [sys.executable, "-m", "eccentric", "count", str(p), "--rate", "50", "--acc-unit", "g",
         "--gyro-unit", "rad/s", "--json"], capture_output=True, text=True, check=True)
    obj = json.loads(out.stdout.strip().splitlines()[0])
    assert obj["file"] == str(p)
    assert obj["reps"] == 0 and obj["rep_events"] == []


def test_count_cli_error_is_one_clear_line(tmp_path: Path) -> None:
    p = write(tmp_path, "ax,ay,az,gx,gy\n1,2,3,4,5\n")
    out = subprocess.run(
        [sys.executable, "-m", "eccentric", "count", str(p), "--rate", "50", "--acc-unit", "g",
         "--gyro-unit", "rad/s", "--json"], capture_output=True, text=True)
    assert out.returncode == 1
    assert "missing column(s) gz" in out.stderr
    assert "Traceback" not in out.stderr
