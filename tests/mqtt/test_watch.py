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
