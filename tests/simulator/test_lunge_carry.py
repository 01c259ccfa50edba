"""Simulated lunges and loaded carries end to end: ``eccentric simulate`` writes them,
``count --json`` reports each lunge's leading leg and depth (and the set's L/R tallies),
and each carry's duration, steps and cadence; the events satisfy the MQTT schemas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eccentric.app import cli
from eccentric.evaluation.metrics import match_reps, match_spans
from eccentric.io.recording_reader import RecordingReader
from eccentric.mqtt.payloads import encode, wrap_event
from eccentric.mqtt.topics import Topics
from tests.mqtt import contract


def _simulate(tmp: Path, name: str, *args: str) -> Path:
    path = tmp / f"{name}.jsonl.gz"
    assert cli.main(["simulate", *args, "--sensor", "movesense", "--out", str(path)]) == 0
    return path


def _count(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, Any]:
    capsys.readouterr()
    assert cli.main(["count", "--json", str(path), *extra]) == 0
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


@pytest.fixture(scope="module")
def lunges(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Seed 4 draws alternating reverse lunges (header: simulated.params.athlete).
    return _simulate(tmp_path_factory.mktemp("lunge"), "lunge", "--exercise", "lunge",
                     "--placement", "thigh", "--side", "left", "--seed", "4",
                     "--sets", "1", "--reps", "8", "--option", "bias_scale=0.0")


def test_lunges_leading_leg_depth_and_set_tallies(
        lunges: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reader = RecordingReader(lunges)
    truth = [lab for lab in reader.labels() if lab["label"] == "rep"]
    assert len(truth) == 8
    result = _count(lunges, capsys)
    reps = result["rep_events"]
    assert RecordingReader(lunges).header.simulated["params"]["athlete"]["pattern"] == \
        "alternating"
    pairs = match_reps(reps, truth)
    assert len(pairs) == len(truth) == len(reps)
    for a, b in pairs:
        assert reps[a]["side"] == truth[b]["side"], (reps[a], truth[b])
        assert abs(reps[a]["depth_deg"] - truth[b]["depth_deg"]) < 5.0
        assert {"tempo", "eccentric_s", "concentric_s"} <= set(reps[a])
    sides = {t["side"] for t in truth}
    left = sum(t["side"] == "left" for t in truth)
    (s,) = result["sets"]
    assert sides == {"left", "right"}
    assert s["side_counts"] == {"left": left, "right": len(truth) - left}
    assert s["asymmetry_pct"] == 0.0  # four each
    topics = Topics.build("eccentric", "anna")
    for ev in reps:
        contract.validate(topics.for_event_type("rep") or "",
                          encode(wrap_event({**ev, "id": f"s@r1:{ev['set']}:{ev['rep']}"},
                                            athlete="anna", sensor="m")))


def test_lunge_side_follows_the_sensor_thigh(lunges: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    # Which thigh wears the sensor decides left/right; the header says left, --side
    # right swaps every rep's side.
    left = [r["side"] for r in _count(lunges, capsys)["rep_events"]]
    right = [r["side"] for r in _count(lunges, capsys, "--side", "right")["rep_events"]]
    swap = {"left": "right", "right": "left"}
    assert right == [swap[x] for x in left]


@pytest.mark.parametrize("placement", ["thigh", "trunk"])
def test_carries_duration_steps_cadence(tmp_path: Path, placement: str,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = _simulate(tmp_path, "carry", "--exercise", "loaded_carry", "--placement",
                     placement, "--seed", "21", "--sets", "1", "--reps", "3")
    truth = [lab for lab in RecordingReader(path).labels() if lab["label"] == "bout"]
    assert len(truth) == 3
    bouts = _count(path, capsys)["bouts"]
    pairs, free = match_spans(bouts, truth)
    assert len(pairs) == 3 and not free
    for t, b in pairs:
        assert set(b) >= {"duration_s", "steps", "cadence_spm"}
        assert abs(b["duration_s"] - t["duration_s"]) <= 0.3, (b, t)
        assert abs(b["steps"] - t["steps"]) <= (2 if placement == "thigh" else 6), (b, t)
        assert abs(b["cadence_spm"] - 60.0 * t["steps"] / t["duration_s"]) <= 8.0
    topics = Topics.build("eccentric", "anna")
    for ev in bouts:
        contract.validate(topics.for_event_type("bout") or "",
                          encode(wrap_event({**ev, "id": f"s@r1:{ev['set']}:bout:{ev['bout']}"},
                                            athlete="anna", sensor="m")))
