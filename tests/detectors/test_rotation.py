"""Rotation detector kind (band_rotation): yaw about gravity from the gyro, the turn's
side from its sign, re-zeroing against a gyro offset, and a simulated session end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from eccentric.app import cli
from eccentric.core.events import Rep
from eccentric.detect.base import MotionFrame, PhaseNames, RepSpec
from eccentric.detect.rotation.detector import RotationDetector, yaw_rate_dps
from eccentric.detect.rotation.settings import RotationSettings
from eccentric.evaluation.metrics import match_reps
from eccentric.io.recording_reader import RecordingReader

SPEC = RepSpec("band_rotation", "back", PhaseNames(out="concentric", far="hold",
                                                   back="eccentric"), ("yaw_rom_deg",))


def _frame(t: np.ndarray, yaw_rate_dps_: np.ndarray, up: np.ndarray) -> MotionFrame:
    n = len(t)
    g = np.tile(up / np.linalg.norm(up), (n, 1))
    gyro = np.radians(yaw_rate_dps_)[:, None] * g  # rotation about the vertical only
    zeros = np.zeros(n)
    return MotionFrame(t, 9.81 * g, gyro, g, np.zeros(n, dtype=bool), zeros, zeros)


def _turns(rate_hz: float, turns_deg: list[float], bias_dps: float = 0.0
           ) -> tuple[np.ndarray, np.ndarray]:
    """Min-jerk turns out (1 s) and back (1.5 s), 2 s apart, with a constant offset."""
    dt = 1.0 / rate_hz
    parts = [np.zeros(int(2 * rate_hz))]
    for a in turns_deg:
        for dur, sgn in ((1.0, 1.0), (1.5, -1.0)):
            u = np.arange(int(dur * rate_hz)) / (dur * rate_hz)
            parts.append(sgn * a * 30.0 * u**2 * (1 - u) ** 2 / dur)  # min-jerk speed
        parts.append(np.zeros(int(2 * rate_hz)))
    rate = np.concatenate(parts) + bias_dps
    return np.arange(len(rate)) * dt, rate


def test_yaw_rate_is_the_gyro_along_gravity() -> None:
    g = np.array([[0.0, 0.6, 0.8]])
    gyro = np.radians(np.array([[10.0, 30.0, 40.0]]))
    assert yaw_rate_dps(gyro, g)[0] == pytest.approx(0.6 * 30 + 0.8 * 40)


@pytest.mark.parametrize("up", [np.array([0.0, 0.0, 1.0]), np.array([0.3, -0.9, 0.2])])
def test_turns_counted_with_side_and_rom_whatever_the_mount(up: np.ndarray) -> None:
    t, rate = _turns(100.0, [40.0, -30.0, 50.0, -12.0], bias_dps=1.5)
    det = RotationDetector(RotationSettings(), SPEC, 100.0)
    out = []
    for k in range(0, len(t), 50):  # 0.5 s chunks
        out += det.update(_frame(t[k:k + 50], rate[k:k + 50], up))
    out += det.finish()
    reps = [o for o in out if type(o).__name__ == "Rep"]
    # The 12° turn is under min_rom_deg (15°): a partial, not a rep.
    assert [r.side for r in reps] == ["left", "right", "left"]
    for r, want in zip(reps, (40.0, 30.0, 50.0), strict=True):
        assert abs(r.measures["yaw_rom_deg"] - want) < 3.0  # 1.5 °/s offset over ~2.5 s
    assert any(getattr(o, "reason", "") == "partial" for o in out)


def test_simulated_band_rotations_end_to_end(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "rot.jsonl.gz"
    assert cli.main(["simulate", "--exercise", "band_rotation", "--placement", "trunk",
                     "--sensor", "movesense", "--seed", "1", "--sets", "2", "--reps", "6",
                     "--option", 'dropouts="none"', "--out", str(path)]) == 0
    truth = [lab for lab in RecordingReader(path).labels() if lab["label"] == "rep"]
    capsys.readouterr()
    assert cli.main(["count", "--json", str(path)]) == 0
    reps = json.loads(capsys.readouterr().out)["rep_events"]
    pairs = match_reps(reps, truth)
    assert len(pairs) == len(truth) == len(reps) == 12
    assert all(reps[a]["side"] == truth[b]["side"] for a, b in pairs)
    assert all(abs(reps[a]["yaw_rom_deg"] - truth[b]["yaw_rom_deg"]) < 5.0 for a, b in pairs)


def _run(t: np.ndarray, rate: np.ndarray, up: np.ndarray, filter_up: np.ndarray | None = None,
         zero_first: bool = False) -> list[object]:
    det = RotationDetector(RotationSettings(), SPEC, 100.0)
    out: list[object] = []
    for k in range(0, len(t), 50):
        f = _frame(t[k:k + 50], rate[k:k + 50], up)
        if filter_up is not None:  # an attitude filter that has the vertical wrong
            f.gravity[:] = filter_up / np.linalg.norm(filter_up)
        if zero_first and k == 0:
            f.acc_mps2[0] = 0.0  # a zero first packet
        out += det.update(f)
    return out + det.finish()


def test_the_vertical_comes_from_the_accelerometer_not_the_attitude_filter() -> None:
    # The filter's gravity 90° off (as after a zero first sample): the yaw rate would be
    # another axis's. The accelerometer's low-pass gives the vertical from the start.
    up = np.array([0.3, -0.9, 0.2])
    t, rate = _turns(100.0, [40.0, -30.0])
    out = _run(t, rate, up, filter_up=np.array([0.9, 0.3, 0.0]), zero_first=True)
    reps = [o for o in out if isinstance(o, Rep)]
    assert [r.side for r in reps] == ["left", "right"]
    assert [round(r.measures["yaw_rom_deg"] / 5) * 5 for r in reps] == [40, 30]


def test_a_return_lost_in_a_long_gap_still_counts_the_turn() -> None:
    t, rate = _turns(100.0, [40.0, 10.0, 35.0])
    # Turn 1: out 2.0–3.0 s, back 3.0–4.5 s; the data stops at 3.1 s for 2.5 s.
    keep = (t < 3.1) | (t > 5.6)
    # Turn 2 (10°, under min_rom_deg; 6.5–9.0 s) is cut by a gap as well: no rep.
    keep &= (t < 7.3) | (t > 8.6)
    out = _run(t[keep], rate[keep], np.array([0.0, 0.0, 1.0]))
    reps = [o for o in out if isinstance(o, Rep)]
    assert len(reps) == 2
    first, last = reps
    assert any(f.startswith("gap:") for f in first.flags)
    assert first.start_s == pytest.approx(2.0, abs=0.15)
    assert 3.1 <= first.end_s <= 5.6  # inside the gap: where is unknown
    assert abs(first.measures["yaw_rom_deg"] - 40.0) < 3.0
    assert not last.flags and abs(last.measures["yaw_rom_deg"] - 35.0) < 3.0
