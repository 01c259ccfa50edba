"""A fresh pipeline restored from a resume point (between two sets) carries the stream
on with the ids of the uninterrupted run: what a worker taking a partition over relies
on to replay only from the newest resume point (no cluster needed)."""

from __future__ import annotations

import json

import pytest

from eccentric.cluster.gateway import recording_stream
from eccentric.cluster.worker import stream_config
from eccentric.core.events import Event
from eccentric.session.pipeline import Pipeline, ResumeState
from tests.cluster.harness import RECORDINGS

DURABLE = ("rep", "set", "hold", "bout")
# What a restart of the attitude filter and detector at a rest may move (measured on
# the multi-set recordings: up to 0.21 s, a ball curl's roll-out start, whose onset fit
# follows the re-learnt gyro offset, and 0.7 deg; see docs/scale.md).
TIME_TOL_S = 0.25
ANGLE_TOL_DEG = 3.0


def _run(name: str) -> tuple[list, list[tuple[int, Event]], list[tuple[int, ResumeState]], object]:
    stream = recording_stream(RECORDINGS / f"{name}.jsonl.gz", "a1")
    stream.stream_id = "a1-resume"
    chunks = list(stream.chunks)
    config = stream_config("a1", stream.descriptor())
    pipeline = Pipeline(config)
    events: list[tuple[int, Event]] = []
    points: list[tuple[int, ResumeState]] = []
    for i, chunk in enumerate(chunks):
        out = pipeline.process(chunk)
        events.extend((i, ev) for ev in out)
        if any(ev["type"] == "set" for ev in out):
            state = pipeline.resume_state()
            assert state is not None, "no resume point right after a set closed"
            points.append((i, state))
        elif any(ev["type"] == "rep" for ev in out) and pipeline.sets.set_open:
            assert pipeline.resume_state() is None  # never inside a set
    events.extend((len(chunks), ev) for ev in pipeline.finish())
    return chunks, events, points, config


@pytest.mark.parametrize("name", ["nordic_thigh_metamotion_3sets",
                                  "ball_double_shank_movesense_3sets"])
def test_resumed_pipeline_gives_the_ids_of_the_uninterrupted_run(name: str) -> None:
    chunks, events, points, config = _run(name)
    assert len(points) >= 2, "the recording should close sets before its end"
    for at, state in points:
        # As the worker stores it: JSON in a key-value entry.
        state = ResumeState.from_dict(json.loads(json.dumps(state.as_dict())))
        resumed = Pipeline(config)  # type: ignore[arg-type]
        resumed.restore(state)
        got: list[Event] = []
        for chunk in chunks[at + 1:]:
            got.extend(resumed.process(chunk))
        got.extend(resumed.finish())
        want = [ev for i, ev in events if i > at and ev["type"] in DURABLE]
        got = [ev for ev in got if ev["type"] in DURABLE]
        assert [ev["id"] for ev in got] == [ev["id"] for ev in want]
        assert any(ev["type"] == "rep" for ev in want)
        for a, b in zip(want, got, strict=True):
            assert (a.get("set"), a.get("rep"), a.get("number")) == \
                (b.get("set"), b.get("rep"), b.get("number"))
            for key in ("start_s", "end_s", "eccentric_s", "concentric_s", "decided_s"):
                if isinstance(a.get(key), float):
                    assert abs(a[key] - b[key]) <= TIME_TOL_S, (a["id"], key)
            for key in ("rom_deg", "break_angle_deg", "bottom_angle_deg"):
                if isinstance(a.get(key), float):
                    assert abs(a[key] - b[key]) <= ANGLE_TOL_DEG, (a["id"], key)


def test_a_resume_record_that_is_not_one_is_refused() -> None:
    with pytest.raises(ValueError, match="3"):
        ResumeState.from_dict({"t_s": 1.0, "exercise": "nordic_curl", "reference": [0, 1],
                               "pose_learnt": True, "reps": 1, "holds": 0, "bouts": 0,
                               "sets": 1})
    with pytest.raises(KeyError):
        ResumeState.from_dict({"t_s": 1.0})


def test_restore_needs_a_fresh_pipeline() -> None:
    chunks, _, points, config = _run("nordic_thigh_metamotion_3sets")
    used = Pipeline(config)  # type: ignore[arg-type]
    used.process(chunks[0])
    with pytest.raises(RuntimeError, match="fresh"):
        used.restore(points[0][1])
