"""``eccentric watch`` shows reps, phases and set summaries, de-duplicated by id."""

from __future__ import annotations

import json
import threading
import time

import pytest
from rich.console import Console

from eccentric.app.commands import watch
from eccentric.mqtt.payloads import encode, wrap_event
from tests.mqtt.brokers import Mosquitto
from tests.mqtt.conftest import SinkFactory
from tests.mqtt.events import live, rep, set_summary
from tests.mqtt.plank import plank_events


def _msg(event: dict[str, object]) -> bytes:
    return encode(wrap_event(event, athlete="anna", sensor="mw1"))


def test_state_deduplicates_and_renders() -> None:
    state = watch.WatchState("eccentric")
    state.feed("eccentric/bridge/state", b"online")
    for n in (1, 2, 2, 3):  # rep 2 arrives twice (at-least-once delivery)
        state.feed("eccentric/anna/rep", _msg(rep(n)))
    state.feed("eccentric/anna/live", _msg(live(20.0, reps=3)))
    state.feed("eccentric/anna/set", _msg(set_summary(1, 3)))
    state.feed("eccentric/anna/set", _msg(set_summary(1, 3)))
    state.feed("eccentric/anna/rep", b"garbage")  # ignored, not fatal
    state.feed("other/anna/rep", _msg(rep(9)))  # other base: ignored
    assert [r["rep"] for r in state.recent] == [1, 2, 3]
    assert len(state.sets) == 1 and state.duplicates == 2
    console = Console(record=True, width=140)
    console.print(state.render())
    text = console.export_text()
    assert "bridge online" in text and "eccentric" in text and "3-0-1-0" in text
    assert "12.5" in text  # live angle


def _run_watch(argv: list[str]) -> int:
    from eccentric.app.cli import build_parser

    args = build_parser().parse_args(argv)
    return int(args.func(args))


def test_cli_registers_watch() -> None:
    from eccentric.app.cli import build_parser

    args = build_parser().parse_args(["watch", "--duration", "1"])
    assert args.func is watch.run


def test_watch_command_against_mosquitto(mosquitto: Mosquitto, make_sink: SinkFactory,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    sink = make_sink(mosquitto.url)

    from eccentric.app.cli import build_parser

    build_parser()  # import every command module now, not while the reps go out

    def publish() -> None:
        assert sink.publisher.wait_connected(10)
        time.sleep(1.0)  # the watcher connects and subscribes meanwhile
        for n in (1, 2, 3):
            sink.publish_event(rep(n))
        sink.publish_event(set_summary(1, 3))

    t = threading.Thread(target=publish)
    t.start()
    rc = _run_watch(["watch", "--broker", mosquitto.url, "--duration", "3", "--json"])
    t.join(10)
    assert rc == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [e["rep"] for e in lines if e.get("type") == "rep"] == [1, 2, 3], lines
    assert [e["reps"] for e in lines if e.get("type") == "set"] == [3]

    # Table mode (stdout is not a terminal here: one final table).
    rc = _run_watch(["watch", "--broker", mosquitto.url, "--duration", "1"])
    out = capsys.readouterr().out
    assert rc == 0 and "anna" in out and "set summaries" in out


def test_hold_timer_runs_while_holding_and_the_last_hold_is_shown() -> None:
    events = plank_events()
    holds = [e for e in events if e["type"] == "hold"]
    assert len(holds) == 2 and any(e["type"] == "live" and e["phase"] == "hold"
                                   for e in events)
    state = watch.WatchState("eccentric")
    longest: list[float] = []  # the timer's last value before each hold is decided
    last_running = -1.0
    for ev in events:
        if ev["type"] == "live":
            state.feed("eccentric/anna/live", _msg(ev))
            running = state.athletes["anna"].timer.running_s
            if ev["phase"] != "hold":
                assert running is None  # no timer unless a hold is in progress
            else:
                assert running is not None and running >= 0.0
                last_running = running
        elif ev["type"] == "hold":
            longest.append(last_running)
            last_running = -1.0
            state.feed("eccentric/anna/hold", _msg(ev))
            state.feed("eccentric/anna/hold", _msg(ev))  # a duplicate: ignored
    # The timer counts from leaving the start pose and stops with the detector's hold
    # phase: within a second or so of each hold's measured duration.
    for timer_s, hold in zip(longest, holds, strict=True):
        assert abs(timer_s - hold["duration_s"]) < 1.5, (timer_s, hold["duration_s"])
    print("timer at the end of each hold vs its duration:", longest,
          [h["duration_s"] for h in holds])
    assert [{k: h[k] for k in ev} for h, ev in zip(state.holds, holds, strict=True)] == holds
    assert state.duplicates == 2
    last = holds[-1]
    console = Console(record=True, width=160)
    console.print(state.render())
    text = console.export_text()
    row = next(line for line in text.splitlines() if "anna" in line and "right" in line)
    assert f"{last['duration_s']:.1f}" in row and f"{last['sway_deg']:.1f}" in row
    assert ("yes" if last["outside_target"] else "no") in row.split("│")[-2]


def test_hold_timer_midway_through_a_hold() -> None:
    events = plank_events()
    hold = next(e for e in events if e["type"] == "hold")
    state = watch.WatchState("eccentric")
    lives = [e for e in events if e["type"] == "live" and e["t_s"] <= hold["start_s"] + 10]
    for ev in lives:
        state.feed("eccentric/anna/live", _msg(ev))
    assert lives[-1]["phase"] == "hold"
    console = Console(record=True, width=160)
    console.print(state.render())
    text = console.export_text()
    timer = state.athletes["anna"].timer.running_s
    assert timer is not None and abs(timer - 10.0) < 1.5
    assert "holding s" in text and f"{timer:.1f}" in text


def test_watch_shows_holds_from_mosquitto(mosquitto: Mosquitto, make_sink: SinkFactory,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    events = plank_events()
    holds = [e for e in events if e["type"] == "hold"]
    sink = make_sink(mosquitto.url)

    from eccentric.app.cli import build_parser

    build_parser()

    def publish() -> None:
        assert sink.publisher.wait_connected(10)
        time.sleep(1.0)
        for h in holds:
            sink.publish_event(h)

    t = threading.Thread(target=publish)
    t.start()
    rc = _run_watch(["watch", "--broker", mosquitto.url, "--duration", "3", "--json"])
    t.join(10)
    assert rc == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    got = [e for e in lines if e.get("type") == "hold"]
    assert [e["id"] for e in got] == [h["id"] for h in holds]
    assert [e["duration_s"] for e in got] == [h["duration_s"] for h in holds]

    # A watcher started later still gets the holds, from the retained recent history.
    rc = _run_watch(["watch", "--broker", mosquitto.url, "--duration", "1.5"])
    out = capsys.readouterr().out
    assert rc == 0 and "holds" in out
    assert f"{holds[-1]['duration_s']:.1f}" in out


def _rests() -> list[dict[str, object]]:
    from eccentric.core.events import rest_event

    return [rest_event(session="s@abc", state=state, start_s=100.0, t_s=t, target_s=60.0,
                       after_set=2)
            for state, t in (("start", 101.0), ("running", 130.0), ("running", 175.0))]


def test_rest_timer_is_shown_with_its_target() -> None:
    state = watch.WatchState("eccentric")
    rests = _rests()
    state.feed("eccentric/anna/rest", _msg(rests[1]))
    console = Console(record=True, width=140)
    console.print(state.render())
    text = console.export_text()
    assert "rest" in text and "under" in text and " 30 " in text
    state.feed("eccentric/anna/rest", _msg(rests[2]))
    console = Console(record=True, width=140)
    console.print(state.render())
    assert "over" in console.export_text()


def test_watch_gets_rest_events_from_mosquitto(mosquitto: Mosquitto, make_sink: SinkFactory,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    rests = _rests()
    sink = make_sink(mosquitto.url)

    def publish() -> None:
        assert sink.publisher.wait_connected(10)
        time.sleep(1.0)
        for r in rests:
            sink.publish_event(r)

    t = threading.Thread(target=publish)
    t.start()
    rc = _run_watch(["watch", "--broker", mosquitto.url, "--duration", "3", "--json"])
    t.join(10)
    assert rc == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    got = [e for e in lines if e.get("type") == "rest"]
    assert [e["elapsed_s"] for e in got] == [1.0, 30.0, 75.0]
    assert [e["status"] for e in got] == ["under", "under", "over"]
