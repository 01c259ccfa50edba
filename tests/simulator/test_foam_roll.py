"""A simulated foam-rolling session end to end: ``eccentric simulate`` writes it,
``count --json`` finds every bout with its duration and strokes, ``--target-bout`` flags
bouts, and the bout events satisfy the MQTT schema."""

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
def rolled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("roll") / "roll.jsonl.gz"
    rc = cli.main(["simulate", "--exercise", "foam_roll", "--placement", "shank",
                   "--sensor", "movesense", "--rate-hz", "104", "--seed", "11", "--sets", "1",
                   "--reps", "3", "--option", "bout_variants=\"wide\"",
                   "--option", "misalignment=\"large\"", "--out", str(path)])
    assert rc == 0
    return path


def _count(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, Any]:
    capsys.readouterr()
    rc = cli.main(["count", "--json", str(path), *extra])
    out = capsys.readouterr().out
    assert rc == 0
    result: dict[str, Any] = json.loads(out)
    return result


def test_count_json_finds_every_bout(rolled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    truth = [lab for lab in RecordingReader(rolled).labels() if lab["label"] == "bout"]
    assert len(truth) == 3
    bouts = _count(rolled, capsys)["bouts"]
    assert len(bouts) == len(truth)
    for b, t in zip(bouts, truth, strict=True):
        assert set(b) >= {"start_s", "end_s", "duration_s", "strokes", "stroke_rate_hz"}
        assert abs(b["duration_s"] - t["duration_s"]) <= 0.5, (b, t)
        assert abs(b["strokes"] - t["strokes"]) <= 2, (b, t)


def test_target_bout_flags_and_validates(rolled: Path, capsys: pytest.CaptureFixture[str]
                                         ) -> None:
    durations = [b["duration_s"] for b in _count(rolled, capsys)["bouts"]]
    lo = round(sorted(durations)[1] - 0.01, 2)
    result = _count(rolled, capsys, "--target-bout", f"{lo}-999")
    flags = [b["outside_target"] for b in result["bouts"]]
    assert flags == [d < lo for d in durations] and sum(flags) == 1
    assert sum(s["bouts_outside_target"] for s in result["sets"]) == 1
    # What a replay publishes (ids carry the run id, as the schemas require).
    capsys.readouterr()
    rc = cli.main(["replay", "--json", "--run-id", "t1", "--target-bout", f"{lo}-999",
                   str(rolled)])
    assert rc == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    bouts = [e for e in events if e["type"] == "bout"]
    sets = [e for e in events if e["type"] == "set"]
    assert len(bouts) == len(durations) and sets
    topics = Topics.build("eccentric", "anna")
    for ev in bouts:
        value = contract.validate(topics.for_event_type("bout") or "",
                                  encode(wrap_event(ev, athlete="anna", sensor="m")))
        assert value["type"] == "bout"
    for ev in sets:
        contract.validate(topics.set, encode(wrap_event(ev, athlete="anna", sensor="m")))
    bad = dict(bouts[0])
    del bad["strokes"]
    with pytest.raises(AssertionError):
        contract.validate(topics.bout, encode(wrap_event(bad, athlete="anna", sensor="m")))


def test_a_bad_target_bout_is_one_line(rolled: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    capsys.readouterr()
    rc = cli.main(["count", str(rolled), "--target-bout", "thirty"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 1 and len(err) == 1 and "--target-bout 'thirty'" in err[0]
