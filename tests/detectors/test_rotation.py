"""Rotation detector kind (band_rotation): yaw about gravity from the gyro, the turn's
side from its sign, re-zeroing against a gyro offset, and a simulated session end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from eccentric.app import cli
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
