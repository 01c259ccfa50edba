"""A simulated side plank end to end: ``eccentric simulate`` writes it, ``count --json``
finds every hold with its duration, and the hold events satisfy the MQTT schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eccentric.app import cli
from eccentric.io.recording_reader import RecordingReader
from eccentric.mqtt.payloads import encode, wrap_event
from eccentric.mqtt.topics import Topics
from tests.mqtt import contract


@pytest.fixture(scope="module")
def plank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("plank") / "plank.jsonl.gz"
    rc = cli.main(["simulate", "--exercise", "side_plank", "--placement", "thigh",
                   "--sensor", "witmotion", "--rate-hz", "50", "--seed", "5", "--sets", "2",
                   "--reps", "2", "--side", "left", "--option", "misalignment=\"large\"",
                   "--option", "rest_min_s=30", "--option", "rest_max_s=40",
                   "--out", str(path)])
    assert rc == 0
    return path


def _count(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, Any]:
    capsys.readouterr()
    rc = cli.main(["count", "--json", str(path), *extra])
    out = capsys.readouterr().out
    assert rc == 0
    result: dict[str, Any] = json.loads(out)
    return result


def test_count_json_finds_every_hold_within_0_3_s(
        plank: Path, capsys: pytest.CaptureFixture[str]) -> None:
    truth = [lab for lab in RecordingReader(plank).labels() if lab["label"] == "hold"]
    assert len(truth) == 4
    result = _count(plank, capsys)
    holds = result["holds"]
    assert len(holds) == len(truth)
    for h, t in zip(holds, truth, strict=True):
        assert set(h) >= {"start_s", "end_s", "duration_s", "side", "sway_deg", "hip_dips"}
        assert abs(h["duration_s"] - t["duration_s"]) <= 0.3, (h, t)
        assert abs(h["start_s"] - t["start_s"]) <= 0.3
        assert h["side"] == "left"
        assert h["hip_dips"] == t["hip_dips"]
    assert [s["holds"] for s in result["sets"]] == [2, 2]


def test_target_hold_flags_holds_outside_it(
        plank: Path, capsys: pytest.CaptureFixture[str]) -> None:
    durations = [h["duration_s"] for h in _count(plank, capsys)["holds"]]
    # From just below the second shortest: the shortest hold falls outside.
    lo = round(sorted(durations)[1] - 0.01, 2)
    result = _count(plank, capsys, "--target-hold", f"{lo}-999")
    flags = [h["outside_target"] for h in result["holds"]]
    assert flags == [d < lo for d in durations] and sum(flags) == 1
    assert sum(s["holds_outside_target"] for s in result["sets"]) == 1
    assert all(s["target_hold"] == f"{lo:g}-999" for s in result["sets"])


def test_a_bad_target_hold_is_one_line(plank: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    capsys.readouterr()
    rc = cli.main(["count", str(plank), "--target-hold", "thirty"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 1 and len(err) == 1 and "--target-hold 'thirty'" in err[0]


def test_hold_events_validate_against_the_mqtt_contract(
        plank: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # What a replay publishes (its ids carry the run id, as the schemas require).
    capsys.readouterr()
    rc = cli.main(["replay", "--json", "--run-id", "t1", "--target-hold", "10-30", str(plank)])
    assert rc == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    holds = [e for e in events if e["type"] == "hold"]
    sets = [e for e in events if e["type"] == "set"]
    assert holds and sets
    topics = Topics.build("eccentric", "anna")
    for ev in holds:
        payload = wrap_event(ev, athlete="anna", sensor="witmotion")
        value = contract.validate(topics.for_event_type("hold") or "", encode(payload))
        assert value["type"] == "hold" and isinstance(value["outside_target"], bool)
    for ev in sets:
        contract.validate(topics.set, encode(wrap_event(ev, athlete="anna", sensor="w")))
    # The schema is not a rubber stamp: a hold without its duration fails.
    bad = dict(holds[0])
    del bad["duration_s"]
    with pytest.raises(AssertionError):
        contract.validate(topics.hold, encode(wrap_event(bad, athlete="anna", sensor="w")))
