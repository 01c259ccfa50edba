"""Session plan parsing and following, in-set alert rules, and watch's alert view."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from eccentric.app.commands.watch import WatchState
from eccentric.core.chunk import iter_chunks
from eccentric.session.alerts import AlertRules
from eccentric.session.pipeline import Pipeline, PipelineConfig
from eccentric.session.plan import PlanError, PlanTracker, load_plan, parse_plan
from eccentric.session.tempo import parse_tempo
from tests.synthetic import imu_from_angle, nordic_angle

ROOT = Path(__file__).resolve().parents[2]


def rep(n: int, ecc: float, angle: float = 40.0, ok: bool | None = None,
        set_no: int = 1) -> dict[str, object]:
    ev: dict[str, object] = {"type": "rep", "id": f"s@r:{set_no}:{n}", "set": set_no,
                             "exercise": "nordic_curl", "eccentric_s": ecc,
                             "break_angle_deg": angle, "decided_s": 10.0 * n}
    if ok is not None:
        ev["within_target_tempo"] = ok
    return ev


def test_drop_alert_fires_once_past_the_share_and_rearms() -> None:
    rules = AlertRules(0.2)
    assert rules.observe(rep(1, 4.0)) == [] and rules.observe(rep(2, 4.2)) == []
    assert rules.observe(rep(3, 3.3)) == []  # 19.5 % below 4.1: within 20 %
    (alert,) = rules.observe(rep(4, 3.2))
    assert alert["kind"] == "eccentric_drop" and alert["trigger"] == "s@r:1:4"
    assert alert["baseline"] == 4.1 and alert["drop_pct"] == pytest.approx(22.0, abs=0.1)
    assert rules.observe(rep(5, 3.0)) == []  # still low: no second alert
    assert rules.observe(rep(6, 4.0)) == []  # back: re-armed
    assert [a["kind"] for a in rules.observe(rep(7, 3.0))] == ["eccentric_drop"]
    assert rules.observe(rep(1, 1.0, set_no=2)) == []  # a new set has a new baseline


def test_break_angle_and_hold_drops_and_a_looser_share() -> None:
    rules = AlertRules(0.2)
    rules.observe(rep(1, 4.0, 40.0))
    rules.observe(rep(2, 4.0, 40.0))
    assert [a["metric"] for a in rules.observe(rep(3, 4.0, 30.0))] == ["break_angle_deg"]
    loose = AlertRules(0.5)
    for n, d in enumerate((30.0, 30.0, 20.0), start=1):
        out = loose.observe({"type": "hold", "id": f"h{n}", "set": 1, "duration_s": d,
                             "exercise": "side_plank"})
    assert out == []  # 33 % below: under a 50 % share
    assert loose.observe({"type": "hold", "id": "h4", "set": 1, "duration_s": 14.0,
                          "exercise": "side_plank"})[0]["kind"] == "hold_drop"


def test_two_tempo_misses_in_a_row() -> None:
    rules = AlertRules(None)
    target = parse_tempo("4-1-1-0")
    assert rules.observe(rep(1, 4.0, ok=False), target) == []
    assert rules.observe(rep(2, 4.0, ok=True), target) == []
    assert rules.observe(rep(3, 4.0, ok=False), target) == []
    (alert,) = rules.observe(rep(4, 4.0, ok=False), target)
    assert alert["kind"] == "tempo_missed" and alert["target_tempo"] == "4-1-1-0"
    assert rules.observe(rep(5, 4.0, ok=False), target) == []


@pytest.mark.parametrize(("text", "message"), [
    ("", "no [[block]]"),
    ("[[block]]\nsets = 2\n", "block 1: exercise is required"),
    ("[[block]]\nexercise = 'yoga'\nsets = 2\n", "block 1: exercise 'yoga' is unknown"),
    ("[[block]]\nexercise = 'nordic_curl'\n", "block 1: sets is required"),
    ("[[block]]\nexercise = 'nordic_curl'\nsets = 0\n", "block 1: sets must be"),
    ("[[block]]\nexercise = 'nordic_curl'\nsets = 2\n[[block]]\nexercise = 'nordic_curl'\n"
     "sets = 1\nreps = 'six'\n", "block 2: reps must be"),
    ("[[block]]\nexercise = 'nordic_curl'\nsets = 2\ntempo = '4-1-1-0'\n",
     "block 1: unknown field 'tempo'"),
    ("[[block]]\nexercise = 'nordic_curl'\nsets = 2\ntarget_tempo = '4-1'\n",
     "block 1: tempo '4-1' is not coach notation"),
    ("[[block]]\nexercise = 'side_plank'\nsets = 2\ntarget_hold = '30-20'\n",
     "block 1: target_hold"),
    ("[[block]\n", "not valid TOML"),
])
def test_bad_plans_name_file_block_and_field(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "p.toml"
    path.write_text(text)
    with pytest.raises(PlanError) as info:
        load_plan(path)
    assert str(info.value).startswith(f"plan {path}" if "TOML" in message else str(path))
    assert message in str(info.value) and "\n" not in str(info.value)


def test_sample_plan_loads() -> None:
    plan = load_plan(ROOT / "examples" / "plan.toml")
    assert len(plan.blocks) >= 2 and plan.blocks[0].exercise == "nordic_curl"


def test_tracker_counts_flags_and_moves_on() -> None:
    plan = parse_plan({"block": [
        {"exercise": "nordic_curl", "sets": 2, "reps": 5, "rest_s": 60},
        {"exercise": "side_plank", "sets": 1, "target_hold": "20-30"}]})
    tracker = PlanTracker(plan)
    (start,) = tracker.start(0.0)
    assert start["state"] == "next_up" and start["current"]["exercise"] == "nordic_curl"
    s1 = {"type": "set", "exercise": "nordic_curl", "reps": 5, "start_s": 0.0, "end_s": 50.0}
    assert tracker.on_set(s1, 55.0) == [] and s1["plan"]["flags"] == []
    # Rested 30 s of 60, one rep short, and the recogniser said another exercise.
    s2 = {"type": "set", "exercise": "ball_leg_curl", "reps": 4, "start_s": 80.0,
          "end_s": 120.0}
    (moved,) = tracker.on_set(s2, 125.0)
    assert s2["exercise"] == "nordic_curl" and s2["recognised_exercise"] == "ball_leg_curl"
    assert s2["plan"]["flags"] == ["plan_mismatch", "reps_short", "rest_short"]
    assert moved["block"] == 2 and moved["reason"] == "block_done"
    (done,) = tracker.next_block(130.0)
    assert done["state"] == "done"


def test_watch_lists_alerts_once() -> None:
    state = WatchState("eccentric")
    alert = {"type": "alert", "id": "a1", "set": 2, "athlete": "ana",
             "message": "eccentric time down 25 %"}
    assert state.feed("eccentric/ana/alert", json.dumps(alert).encode()) == [alert]
    assert state.feed("eccentric/ana/alert", json.dumps(alert).encode()) == []
    console = Console(record=True, width=120)
    console.print(state.render())
    assert "eccentric time down 25 %" in console.export_text()


def test_cut_after_ends_a_piece_at_the_first_sample_at_or_after_each_time() -> None:
    import numpy as np

    from eccentric.core.chunk import ImuChunk
    from eccentric.session.drive import cut_after

    t = np.arange(0.0, 3.0, 0.01)
    zeros = np.zeros((len(t), 3))
    whole = ImuChunk(t, zeros, zeros)
    for size in (7, 50, 300):
        chunks = [whole.slice(i, i + size) for i in range(0, len(t), size)]
        pieces = list(cut_after(chunks, [0.5, 0.5, 1.234, 2.999, 9.0]))
        ends = {round(float(p.t_s[-1]), 3) for p in pieces}
        assert {0.5, 1.24, 2.99} <= ends  # 2.999: no sample after 2.99, none cut
        assert np.array_equal(np.concatenate([p.t_s for p in pieces]), t)  # nothing lost


@pytest.mark.parametrize(("line", "message"), [
    ("{not json", ":1: not JSON"),
    ('{"command": "stop_set"}', ":1: t_s (stream seconds, >= 0) is required"),
    ('{"t_s": -1, "command": "stop_set"}', ":1: t_s"),
    ('{"t_s": 3, "command": "fly"}', ":1: 'command' must be one of"),
    ('{"t_s": 3, "command": "set_exercise", "exercise": "yoga"}', ":1: unknown exercise"),
])
def test_bad_command_schedules_name_file_and_line(tmp_path: Path, line: str,
                                                  message: str) -> None:
    from eccentric.core.errors import InputFormatError
    from eccentric.mqtt.intake import load_schedule

    path = tmp_path / "c.jsonl"
    path.write_text(line + "\n")
    with pytest.raises(InputFormatError) as info:
        load_schedule(path)
    assert str(info.value).startswith(f"{path}:1: ") and message in str(info.value)


def test_a_schedule_takes_an_earlier_runs_command_events(tmp_path: Path) -> None:
    from eccentric.mqtt.commands import ChooseExercise, StopSet
    from eccentric.mqtt.intake import load_schedule

    path = tmp_path / "run.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in [
        {"type": "rep", "id": "x"},
        {"type": "command", "command": "set_exercise", "request_id": "r1", "ok": True,
         "t_s": 4.5, "args": {"exercise": "nordic_curl_band"}},
        {"type": "command", "command": "stop_set", "request_id": None, "ok": False,
         "t_s": 9.0, "error": {"code": "rejected", "message": "no set is open"}}]))
    schedule = load_schedule(path)
    assert schedule.entries == [(4.5, ChooseExercise("nordic_curl_band", "r1")),
                                (9.0, StopSet(None))]


def test_stop_set_during_a_rep_waits_for_that_rep() -> None:
    t, angle, truth = nordic_angle(100.0, 4)
    pipeline = Pipeline(PipelineConfig(exercise="nordic_curl", session_id="s"))
    mid_rep2 = truth[1]["fall_start_s"]  # deep in the second rep's lowering
    events: list[dict[str, object]] = []
    stopped: list[dict[str, object]] | None = None
    for chunk in iter_chunks(imu_from_angle(t, angle, noise=0.3, seed=5), 0.1):
        last = pipeline.last_t_s
        if stopped is None and last is not None and last >= mid_rep2:
            assert pipeline.detector.busy
            stopped = pipeline.stop_set(last)
            assert stopped == [] and pipeline.stop_pending
        events.extend(pipeline.process(chunk))
    events.extend(pipeline.finish())
    reps = [e for e in events if e["type"] == "rep"]
    sets = [e for e in events if e["type"] == "set"]
    assert [s["reps"] for s in sets] == [2, 2]  # the rep in progress stayed in set 1
    assert sets[0]["decided_s"] == reps[1]["decided_s"]
