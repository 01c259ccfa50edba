"""Lunges on one thigh: the leading leg of each rep, counts, and the real CMU lunges.

The real-data test reads ../shared/datasets beside the repository (CI has it there) and
fails, not skips, when it is missing (as tests/detectors/test_generic.py does).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

from eccentric.core.events import OTHER_LEG, SENSOR_LEG, leg_side

ROOT = Path(__file__).resolve().parents[2]
DATASETS = Path(os.environ.get("ECCENTRIC_DATASETS", ROOT.parent / "shared" / "datasets"))


def _benchmark() -> ModuleType:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    spec = importlib.util.spec_from_file_location("real_lunge", ROOT / "benchmarks" /
                                                  "real_lunge.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_leg_side_maps_the_sensor_leg() -> None:
    assert leg_side(SENSOR_LEG, "left") == "left"
    assert leg_side(OTHER_LEG, "left") == "right"
    assert leg_side(OTHER_LEG, "right") == "left"
    # Without the sensor's side the detector's word is kept; other sides pass through.
    assert leg_side(OTHER_LEG, None) == OTHER_LEG
    assert leg_side("left", "right") == "left"
    assert leg_side(None, "right") is None


def test_cmu_lunges_count_and_leading_leg() -> None:
    res = _benchmark().evaluate(DATASETS)
    # The subject led with the right leg on all five reps (right foot steps out).
    assert res["truth_leading"] == ["right"] * 5
    for sensor in ("LeftThigh", "RightThigh"):
        r = res["sensors"][sensor]
        # Measured: 5/5 files exact and 5/5 sides on both thighs.
        assert r["files_exact"] == 5, (sensor, r)
        assert r["side_correct"] == 5, (sensor, r)
    # The leading thigh goes near horizontal, the trailing one much less far.
    left = [d for p in res["sensors"]["LeftThigh"]["files"] for d in p["depth_deg"]]
    right = [d for p in res["sensors"]["RightThigh"]["files"] for d in p["depth_deg"]]
    assert max(left) < 40.0 < min(right)
