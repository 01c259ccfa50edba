"""``--exercise any``: a simulated mixed session is cut into sets, each named and
counted with its exercise's detector, with rest events between them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from eccentric.app import cli
from eccentric.core.chunk import iter_chunks
from eccentric.core.events import rest_event
from eccentric.mqtt.payloads import wrap_event
from eccentric.schemas import validator
from eccentric.session.any_pipeline import AnyPipeline
from eccentric.session.pipeline import PipelineConfig, make_pipeline
from eccentric.session.recognition import ball_variant, nordic_variant, softmax_confidence
from eccentric.sim.mixed import simulate_mixed
from eccentric.sim.recording import write_recording

SEED = 2  # a tuning-draw session: side plank, band Nordic, Nordic, single-leg deadlift


@pytest.fixture(scope="module")
def session() -> tuple[Any, list[dict[str, Any]]]:
    mixed = simulate_mixed(SEED)
    rec = mixed.recording
    pipe = make_pipeline(PipelineConfig(exercise="any", rate_hz=rec.header.rate_hz),
                         rest_target_s=60.0)
    assert isinstance(pipe, AnyPipeline)
    events: list[dict[str, Any]] = []
    for chunk in iter_chunks(rec.chunk, 0.7):
        events.extend(pipe.process(chunk))
    events.extend(pipe.finish())
    return mixed, events


def _count(labels: list[dict[str, Any]], set_no: int) -> int:
    return sum(1 for lab in labels if lab["label"] in ("rep", "hold", "bout")
               and lab["set"] == set_no)


def test_each_set_is_named_and_counted(session: tuple[Any, list[dict[str, Any]]]) -> None:
    mixed, events = session
    truth = [lab for lab in mixed.recording.labels if lab["label"] == "set"]
    sets = [e for e in events if e["type"] == "set"]
    assert [s["exercise"] for s in sets] == [t["exercise"] for t in truth]
    for s, t in zip(sets, truth, strict=True):
        assert 0.5 <= s["exercise_confidence"] <= 1.0
        n = s.get("holds", s.get("bouts", s["reps"]))
        assert n == _count(mixed.recording.labels, t["set"])
        assert abs(s["start_s"] - t["start_s"]) < 3.0
        assert abs(s["end_s"] - t["end_s"]) < 3.0
    assert [s["set"] for s in sets] == list(range(1, len(sets) + 1))


def test_a_set_closes_soon_after_the_athlete_leaves_it(
        session: tuple[Any, list[dict[str, Any]]]) -> None:
    # Before the closing rules looked at the first strides and at each posture block,
    # these sets closed 5-11 s after the athlete had got out of the pose.
    mixed, events = session
    truth = [lab for lab in mixed.recording.labels if lab["label"] == "set"]
    sets = [e for e in events if e["type"] == "set"]
    for s, t in zip(sets[:-1], truth[:-1], strict=True):  # the last closes with the stream
        assert t["end_s"] < s["decided_s"] <= t["piece_end_s"] + 3.5, (s, t)


def test_no_movement_is_counted_in_a_rest(session: tuple[Any, list[dict[str, Any]]]) -> None:
    mixed, events = session
    rests = [lab for lab in mixed.recording.labels if lab["label"] == "rest"]
    assert rests and any(a["activity"] == "walk" for r in rests for a in r["activities"])
    for ev in events:
        if ev["type"] in ("rep", "hold", "bout"):
            mid = 0.5 * (ev["start_s"] + ev["end_s"])
            assert not any(r["start_s"] < mid < r["end_s"] for r in rests), ev


def test_rest_events_start_tick_and_end_between_sets(
        session: tuple[Any, list[dict[str, Any]]]) -> None:
    _, events = session
    sets = [e for e in events if e["type"] == "set"]
    rests = [e for e in events if e["type"] == "rest"]
    starts = [e for e in rests if e["state"] == "start"]
    ends = [e for e in rests if e["state"] == "end"]
    assert len(ends) == len(sets) - 1
    # The last set may close at the end of the stream, before any rest after it.
    assert len(starts) in (len(ends), len(ends) + 1)
    ticks = [e["t_s"] for e in rests if e["state"] == "running"]
    assert ticks and min(np.diff(ticks)) >= 0.999  # at most 1 Hz of stream time
    for end in ends:
        after = next(s for s in sets if s["set"] == end["after_set"] + 1)
        assert end["elapsed_s"] == pytest.approx(after["start_s"] - end["start_s"], abs=0.1)
        assert end["target_s"] == 60.0
        assert end["status"] == ("under" if end["elapsed_s"] < 60.0 else "over")
    schema = validator("rest.schema.json")
    for ev in rests:
        payload = wrap_event(ev, athlete="anna", sensor="sim")
        assert not list(schema.iter_errors(payload))
    set_schema = validator("set.schema.json")
    for ev in sets:
        ev = dict(ev, id=ev["id"].replace("session:", "session@abc:"))
        assert not list(set_schema.iter_errors(wrap_event(ev, athlete="anna", sensor="sim")))


def test_rest_event_status_against_the_target() -> None:
    under = rest_event(session="s", state="running", start_s=10.0, t_s=40.0, target_s=45.0,
                       after_set=1)
    assert (under["elapsed_s"], under["status"], under["remaining_s"]) == (30.0, "under", 15.0)
    over = rest_event(session="s", state="running", start_s=10.0, t_s=60.0, target_s=45.0,
                      after_set=1)
    assert (over["status"], over["remaining_s"]) == ("over", -5.0)
    assert "status" not in rest_event(session="s", state="start", start_s=1.0, t_s=2.0,
                                      target_s=None, after_set=None)


def test_variants_and_confidence() -> None:
    assert nordic_variant(1.0) == "nordic_curl"
    assert nordic_variant(0.5) == "nordic_curl_band"
    assert ball_variant([2.1, 2.4, 2.2]) == "ball_leg_curl"
    assert ball_variant([3.9, 4.2, 3.5]) == "ball_leg_curl_single"
    assert ball_variant([5.0]) is None  # too few pauses to tell
    name, conf = softmax_confidence({"a": 0.0, "b": 0.0})
    assert conf == pytest.approx(0.5)
    name, conf = softmax_confidence({"a": 5.0, "b": 0.0})
    assert name == "a" and conf > 0.99


def test_count_any_on_a_mixed_recording(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    mixed = simulate_mixed(SEED)
    path = tmp_path / "mixed.jsonl.gz"
    write_recording(path, mixed.recording)
    capsys.readouterr()
    assert cli.main(["count", "--json", str(path)]) == 0  # the header says "any"
    result = json.loads(capsys.readouterr().out)
    assert result["exercise"] == "any"
    assert [s["exercise"] for s in result["sets"]] == mixed.exercises
    assert len(result["rests"]) == len(mixed.exercises) - 1


def test_live_samples_follow_the_open_set() -> None:
    mixed = simulate_mixed(SEED)
    rec = mixed.recording
    pipe = AnyPipeline(PipelineConfig(exercise="any", rate_hz=rec.header.rate_hz,
                                      live_hz=2.0))
    events: list[dict[str, Any]] = []
    for chunk in iter_chunks(rec.chunk, 1.0):
        events.extend(pipe.process(chunk))
    live = [e for e in events if e["type"] == "live"]
    duration = float(rec.chunk.t_s[-1] - rec.chunk.t_s[0])
    assert 1.5 * duration < len(live) <= 2.0 * duration + 2  # throttled to 2 Hz
    reps = [e["reps"] for e in live]
    assert reps == sorted(reps) and reps[-1] == pipe.reps  # the session's count


def test_coach_commands_are_refused_with_recognition_and_change_nothing() -> None:
    from eccentric.mqtt.commands import parse_command
    from eccentric.mqtt.intake import apply_and_record

    mixed = simulate_mixed(SEED)
    chunks = list(iter_chunks(mixed.recording.chunk, 0.7))
    plain = make_pipeline(PipelineConfig(exercise="any", rate_hz=mixed.recording.header.rate_hz))
    poked = make_pipeline(PipelineConfig(exercise="any", rate_hz=mixed.recording.header.rate_hz))
    ref: list[dict[str, Any]] = []
    got: list[dict[str, Any]] = []
    replies: list[dict[str, Any]] = []
    for i, chunk in enumerate(chunks):
        ref.extend(plain.process(chunk))
        got.extend(poked.process(chunk))
        if i == 20:
            for name in ("start_set", "stop_set", "calibrate", "next_block"):
                cmd = parse_command(json.dumps({"command": name}).encode())
                replies.extend(apply_and_record(cmd, poked, float(chunk.t_s[-1])))
    ref.extend(plain.finish())
    got.extend(poked.finish())
    assert [r["ok"] for r in replies] == [False] * 4
    assert all("--exercise any" in r["error"]["message"] for r in replies)
    assert json.dumps(got, sort_keys=True) == json.dumps(ref, sort_keys=True)


def test_plan_with_any_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text('[[block]]\nexercise = "nordic_curl"\nsets = 1\n')
    rec = tmp_path / "mixed.jsonl.gz"
    write_recording(rec, simulate_mixed(SEED).recording)
    rc = cli.main(["replay", str(rec), "--exercise", "any", "--plan", str(plan), "--json"])
    assert rc == 1
    assert "--plan and --exercise any" in capsys.readouterr().err


def test_the_wide_draw_keeps_the_default_draw_and_varies_the_sensor() -> None:
    from eccentric.sim.mixed import WIDE_SENSOR_RATES

    wide = simulate_mixed(SEED, wide=True)
    params = wide.recording.header.simulated["params"]["mixed"]
    assert params["wide"] is True
    assert (params["sensor"], wide.recording.header.rate_hz) in WIDE_SENSOR_RATES
    # Its own random stream: the exercises (and everything the default draw draws) stay.
    assert wide.exercises == simulate_mixed(SEED).exercises
    dt = np.diff(wide.recording.chunk.t_s)
    assert np.median(dt) == pytest.approx(1.0 / wide.recording.header.rate_hz, rel=0.05)
