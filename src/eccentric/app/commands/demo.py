"""``eccentric demo``: the whole system in one command, no hardware and no broker needed.

It starts the embedded MQTT broker (TCP and WebSockets, 127.0.0.1 only), replays bundled
simulated recordings for two or three athletes in real time (looping), serves the web
dashboard and prints its URL. Ctrl-C (or SIGTERM) stops everything cleanly: players,
publishers (which mark themselves offline), the web server, then the broker.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eccentric.app.commands.common import add_coach_arguments, load_plan_arg
from eccentric.app.commands.history_args import add_history_argument, history_path
from eccentric.app.commands.replay import parse_speed
from eccentric.app.dashboard.launch import (
    add_http_arguments,
    maybe_open_browser,
    say,
    sigterm_as_interrupt,
    start_server,
)
from eccentric.app.demo.roster import RECORDINGS_DIR, ROSTER, resolve
from eccentric.core.events import Event
from eccentric.mqtt.args import add_embedded_port_arguments, given_flag
from eccentric.mqtt.topics import DEFAULT_BASE

if TYPE_CHECKING:
    from eccentric.app.demo.player import AthletePlayer
    from eccentric.mqtt.broker import EmbeddedBroker
    from eccentric.mqtt.sink import MqttSink


def positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, not {text!r}") from None
    if not v > 0:
        raise argparse.ArgumentTypeError("must be positive")
    return v


def count(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return v


def live_rate(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a rate in Hz, not {text!r}") from None
    if not 0 <= v <= 100:
        raise argparse.ArgumentTypeError("live rate must be 0 (off) to 100 Hz")
    return v


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "demo", help="simulated athletes, embedded broker and web dashboard in one command",
        description=__doc__.split("\n\n")[1] if __doc__ else None)
    p.add_argument("--athletes", type=int, choices=range(1, len(ROSTER) + 1),
                   default=len(ROSTER), metavar="N",
                   help=f"how many simulated athletes (1-{len(ROSTER)}, default {len(ROSTER)})")
    p.add_argument("--speed", type=parse_speed, default=1.0, metavar="X|max",
                   help="pace as a factor of real time (default 1 = as recorded)")
    p.add_argument("--loops", type=count, default=0, metavar="N",
                   help="play each athlete's recordings N times, then stop (default 0 = "
                        "loop until Ctrl-C)")
    p.add_argument("--duration", type=positive_float, default=None, metavar="S",
                   help="stop after S seconds of wall-clock time")
    p.add_argument("--recordings", type=Path, default=RECORDINGS_DIR, metavar="DIR",
                   help="folder with the bundled recordings (default: the repository's)")
    p.add_argument("--mqtt-base", default=DEFAULT_BASE, metavar="TOPIC",
                   help=f"base topic (default {DEFAULT_BASE})")
    add_embedded_port_arguments(p, dest="mqtt_port", ws_dest="ws_port",
                                what="the embedded broker")
    p.add_argument("--live-hz", type=live_rate, default=20.0, metavar="HZ",
                   help="live angle samples per second of recording (default 20; at most "
                        "100 per second of wall time are sent; 0 = off)")
    p.add_argument("--quiet", action="store_true", help="do not print reps and sets")
    add_coach_arguments(p)
    add_history_argument(p, on_by_default=False)
    add_http_arguments(p)
    p.set_defaults(func=run)


def start_broker(args: argparse.Namespace) -> EmbeddedBroker:
    """On the ports asked for, exactly; else on 1883 and 9001 (so ``eccentric watch``
    and ``eccentric dashboard`` find it without flags) or the next free ports above."""
    from eccentric.mqtt.broker import DEFAULT_PORT, DEFAULT_WS_PORT, EmbeddedBroker, ListenPort

    return EmbeddedBroker(
        ListenPort.choose(args.mqtt_port, DEFAULT_PORT, given_flag(args, "mqtt_port")),
        ListenPort.choose(args.ws_port, DEFAULT_WS_PORT, given_flag(args, "ws_port"))).start()


def sink_live_hz(live_hz: float, speed: float | None) -> float:
    """The sink's wall-clock cap on live samples: the pipeline's rate (stream time) times
    the speed, plus a margin so that pacing jitter does not drop samples; at most 100/s
    (the sink's limit), which also bounds the traffic when sped up."""
    if live_hz <= 0:
        return 0.0
    return min(100.0, 1.25 * live_hz * (speed if speed is not None else 100.0))


def open_sink(broker: EmbeddedBroker, base: str, name: str, run_id: str,
              queue_dir: Path, live_hz: float) -> MqttSink:
    from eccentric.mqtt.config import MqttConfig
    from eccentric.mqtt.sink import MqttSink

    # The queue lives in a temporary folder: demo reps must not linger in the user's
    # state directory and be re-sent by a later real session.
    config = MqttConfig(broker=broker.url, base=base, protocol="3.1.1",
                        client_id=f"eccentric-demo-{run_id}-{name}",
                        queue_path=str(queue_dir / f"{name}.sqlite3"), live_hz=live_hz,
                        reconnect_min_s=0.2, reconnect_max_s=2.0).validate()
    return MqttSink(config, athlete=name, sensor="simulated", accept_commands=True)


class RepPrinter:
    """One line per rep and per set, so the terminal shows the demo working too."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __call__(self, athlete: str, ev: Event) -> None:
        kind = ev.get("type")
        if kind == "rep":
            ok = ev.get("within_target_tempo")
            mark = "" if ok is None else ("  on target" if ok else "  off target")
            line = (f"  {athlete:<8} rep {ev['rep']:>2} (set {ev['set']}, "
                    f"{ev['exercise'].replace('_', ' ')})  eccentric {ev['eccentric_s']:.2f} s"
                    f"  tempo {ev['tempo']}{mark}")
        elif kind == "alert":
            line = f"  {athlete:<8} ALERT set {ev['set']}: {ev['message']}"
        elif kind == "command":
            line = (f"  {athlete:<8} coach {ev['command']} "
                    + ("applied" if ev["ok"] else f"refused: {ev['error']['message']}"))
        elif kind == "set":
            line = (f"  {athlete:<8} set {ev['set']} done: {ev['reps']} reps"
                    + (f", {ev['reps_outside_target']} off target {ev['target_tempo']}"
                       if ev.get("target_tempo") else ""))
        else:
            return
        with self._lock:
            say(line)


def run(args: argparse.Namespace) -> int:
    from eccentric.app.dashboard.server import DashboardConfig
    from eccentric.app.demo.player import AthletePlayer
    from eccentric.mqtt.intake import SinkCommands

    cast = resolve(args.recordings, args.athletes)
    session_plan = load_plan_arg(args)
    run_id = secrets.token_hex(3)
    stop = threading.Event()
    players: list[AthletePlayer] = []
    interrupted = False
    with ExitStack() as stack:
        queue_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="eccentric-demo-")))
        broker = start_broker(args)
        stack.callback(broker.stop)
        assert broker.ws_url is not None  # the demo always asks for WebSockets
        history = history_path(args.history)
        server = start_server(DashboardConfig(broker_url=broker.ws_url, base=args.mqtt_base,
                                              history_db=history), args.port)
        stack.callback(server.stop)
        printer = None if args.quiet else RepPrinter()
        for athlete, paths in cast:
            sink = open_sink(broker, args.mqtt_base, athlete.name, run_id, queue_dir,
                             sink_live_hz(args.live_hz, args.speed))
            # Closed before the server and broker (ExitStack unwinds in reverse), so the
            # final "offline" status still reaches the broker and the open dashboards.
            stack.callback(sink.close, drain_timeout_s=2.0)
            players.append(AthletePlayer(athlete, paths, sink, stop=stop, run_id=run_id,
                                         speed=args.speed, loops=args.loops,
                                         live_hz=args.live_hz, on_event=printer,
                                         alert_drop=args.alert_drop, plan=session_plan,
                                         commands=SinkCommands(sink), history=history))
        pace = ("as fast as possible" if args.speed is None else
                "in real time" if args.speed == 1 else f"at {args.speed:g}x real time")
        say(f"eccentric demo: {len(players)} simulated athletes, replayed {pace}"
            + (", looping" if args.loops == 0 else f", {args.loops} time(s)"))
        say(f"  Dashboard:  {server.url}")
        say(f"  MQTT:       {broker.url} and {broker.ws_url} (topics under "
            f"{server.config.base}/)")
        for note in broker.moved():
            say(f"              ({note})")
        say(f"  Terminal:   eccentric watch --broker {broker.url}")
        if history is not None:
            say(f"  History:    {history} (eccentric history --db {history})")
        for athlete, paths in cast:
            say(f"  {athlete.name}: {', '.join(p.name for p in paths)} "
                f"(target tempo {athlete.target_tempo})")
        maybe_open_browser(server.url, args.no_browser)
        say("Press Ctrl-C to stop.")
        deadline = None if args.duration is None else time.monotonic() + args.duration
        try:
            with sigterm_as_interrupt():
                for player in players:
                    player.start()
                wait_for_players(players, stop, deadline)
        except KeyboardInterrupt:
            interrupted = True
        finally:
            stop.set()
            for player in players:
                player.join(5.0)
        say("stopping…" if interrupted else "demo finished; stopping…")
    failed = [p for p in players if p.error is not None]
    for p in failed:
        print(f"eccentric demo: {p.athlete.name} failed: {p.error}", file=sys.stderr)
    say("stopped")
    return 1 if failed else 0


def wait_for_players(players: list[AthletePlayer], stop: threading.Event,
                     deadline: float | None) -> None:
    """Until every player is done, one fails, or the deadline passes. Short waits keep
    the main thread responsive to Ctrl-C."""
    while any(p.is_alive() for p in players):
        if any(p.error is not None for p in players):
            return
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            return
        stop.wait(0.2 if left is None else min(0.2, left))
