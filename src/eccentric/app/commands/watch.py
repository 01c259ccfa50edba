"""``eccentric watch``: live reps, phases and set summaries from MQTT in the terminal.

For anyone without a dashboard: subscribes to ``<base>/#`` and redraws a table a few
times a second. Timed holds (``side_plank``) show per athlete the last hold's figures
and, while the live phase is ``hold``, a running timer. Rep, hold and set events are
de-duplicated by ``id``, as every subscriber of eccentric's at-least-once delivery
should. On start, the retained ``recent`` message of each athlete fills the rep and hold
tables with the current run's last reps and holds. The reps column
counts the current session only: it restarts when rep ids name a new session (a new run
or recording) or the live stream time starts again.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from eccentric.core.events import session_of_id
from eccentric.mqtt.args import add_connection_arguments, check_tls_files, config_from_args
from eccentric.mqtt.config import MqttConfig

if TYPE_CHECKING:  # paho and rich are imported when used, not when the CLI builds its parser
    import paho.mqtt.client as mqtt
    from rich.console import Group
    from rich.table import Table

RECENT_REPS = 8
RECENT_HOLDS = 4
# The live phase of the timed-hold detector while a hold is being timed, and the phases
# of being away from the start pose (lifting into it, or lowering out of it).
HOLD_PHASE = "hold"
AWAY_PHASES = ("away", HOLD_PHASE)
SEEN_IDS = 10_000  # de-duplication memory; a session has far fewer reps
# Live stream time going back by more than this means a new session started (s).
RESTART_S = 1.0


@dataclass
class HoldTimer:
    """A running hold timer from live samples, in stream seconds.

    The detector reports ``hold`` only once the pose has been steady for a moment
    (``steady_s``, 1 s) after the hips left the start pose; the hold's own start is where
    they passed half the lift. So the timer counts from the live sample where the
    segment left the start pose (phase ``away`` after ``rest``), or where the previous
    hold ended, which is within a sample interval or so of the hold's start."""

    left_pose_s: float | None = None
    phase: str | None = None
    t_s: float | None = None

    def feed(self, t_s: float, phase: str) -> None:
        if self.t_s is not None and t_s < self.t_s - RESTART_S:
            self.left_pose_s = self.phase = None  # a new session
        was = self.phase
        if phase in AWAY_PHASES and (was not in AWAY_PHASES or
                                     (was == HOLD_PHASE and phase != HOLD_PHASE)):
            self.left_pose_s = t_s
        elif phase not in AWAY_PHASES:
            self.left_pose_s = None
        self.phase, self.t_s = phase, t_s

    @property
    def running_s(self) -> float | None:
        """Seconds held so far while a hold is in progress, else None."""
        if self.phase != HOLD_PHASE or self.left_pose_s is None or self.t_s is None:
            return None
        return self.t_s - self.left_pose_s


@dataclass
class AthleteView:
    status: dict[str, Any] = field(default_factory=dict)
    live: dict[str, Any] = field(default_factory=dict)
    last_set: dict[str, Any] | None = None
    reps: int = 0  # the current session's count, from its rep events
    session: str | None = None  # session part of the latest rep id
    last_hold: dict[str, Any] | None = None
    timer: HoldTimer = field(default_factory=HoldTimer)
    # The latest rest event (--exercise any): a running rest timer until its "end".
    rest: dict[str, Any] | None = None

    def on_live(self, data: dict[str, Any]) -> None:
        t_new, t_old = data.get("t_s"), self.live.get("t_s")
        if isinstance(t_new, int | float) and isinstance(t_old, int | float) \
                and t_new < t_old - RESTART_S:
            self.reps, self.session = 0, None  # stream time restarted: a new session
        if isinstance(t_new, int | float):
            self.timer.feed(float(t_new), str(data.get("phase")))
        self.live = data

    def on_rep(self, data: dict[str, Any]) -> None:
        session = session_of_id(str(data.get("id")))
        if session != self.session:
            self.reps, self.session = 0, session
        self.reps = max(self.reps, int(data.get("rep") or 0))

    @property
    def shown_reps(self) -> int:
        """The live sample's count runs ahead of the rep events by a message or so."""
        live = self.live.get("reps")
        return max(self.reps, live if isinstance(live, int) else 0)


@dataclass
class WatchState:
    """What the screen shows, fed from MQTT messages (thread-safe)."""

    base: str
    athlete_filter: str | None = None
    bridge: str = "unknown"
    athletes: dict[str, AthleteView] = field(default_factory=dict)
    recent: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=RECENT_REPS))
    sets: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=4))
    holds: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=RECENT_HOLDS))
    alerts: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=4))
    duplicates: int = 0
    _seen: deque[str] = field(default_factory=lambda: deque(maxlen=SEEN_IDS))
    _seen_set: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _first_time(self, event_id: str) -> bool:
        if event_id in self._seen_set:
            self.duplicates += 1
            return False
        if len(self._seen) == self._seen.maxlen:
            self._seen_set.discard(self._seen[0])
        self._seen.append(event_id)
        self._seen_set.add(event_id)
        return True

    def feed(self, topic: str, payload: bytes, retained: bool = False) -> list[dict[str, Any]]:
        """Apply one message; returns the decoded events that are new (for --json).
        ``recent`` is used only when retained (the history sent on subscribing): the
        live copies that follow each rep repeat reps that arrive on ``rep`` anyway."""
        rest = topic[len(self.base) + 1:] if topic.startswith(self.base + "/") else None
        if rest is None:
            return []
        with self._lock:
            if rest == "bridge/state":
                self.bridge = payload.decode("utf-8", "replace")
                return [{"type": "bridge", "state": self.bridge}]
            athlete, _, leaf = rest.partition("/")
            if self.athlete_filter and athlete != self.athlete_filter:
                return []
            if leaf not in ("status", "rep", "hold", "set", "live", "recent", "alert",
                            "rest") or (
                    leaf == "recent" and not retained):
                return []
            try:
                data = json.loads(payload)
            except (UnicodeDecodeError, json.JSONDecodeError):
                return []
            if not isinstance(data, dict):
                return []
            view = self.athletes.setdefault(athlete, AthleteView())
            if leaf == "status":
                view.status = data
            elif leaf == "live":
                view.on_live(data)
            elif leaf == "rep":
                return [data] if self._rep(view, data) else []
            elif leaf == "recent":
                reps, holds = data.get("reps"), data.get("holds")
                history = reps if isinstance(reps, list) else []
                new = [r for r in history if isinstance(r, dict) and self._rep(view, r)]
                held = holds if isinstance(holds, list) else []
                return new + [h for h in held if isinstance(h, dict) and self._hold(view, h)]
            elif leaf == "hold":
                return [data] if self._hold(view, data) else []
            elif leaf == "alert":
                if not self._first_time(str(data.get("id"))):
                    return []
                self.alerts.append(data)
            elif leaf == "rest":
                view.rest = data
            else:
                if not self._first_time(str(data.get("id"))):
                    return []
                view.last_set = data
                self.sets.append(data)
            return [data]

    def _rep(self, view: AthleteView, data: dict[str, Any]) -> bool:
        if not self._first_time(str(data.get("id"))):
            return False
        view.on_rep(data)
        self.recent.append(data)
        return True

    def _hold(self, view: AthleteView, data: dict[str, Any]) -> bool:
        if not self._first_time(str(data.get("id"))):
            return False
        view.last_hold = data
        self.holds.append(data)
        return True

    def render(self) -> Group:
        from rich.console import Group

        with self._lock:
            parts = [self._athlete_table()]
            if self.holds or any(v.last_hold or v.timer.running_s is not None
                                 for v in self.athletes.values()):
                parts.append(self._hold_table())
            if any(v.rest for v in self.athletes.values()):
                parts.append(self._rest_table())
            if self.alerts:
                parts.append(self._alert_table())
            return Group(*parts, self._rep_table(), self._set_table())

    def _rest_table(self) -> Table:
        from rich.table import Table

        t = Table(title="rest")
        for col in ("athlete", "resting s", "target s", "left s", "status", "after set"):
            t.add_column(col)
        for name, v in sorted(self.athletes.items()):
            r = v.rest
            if not r:
                continue
            ended = r.get("state") == "end"
            t.add_row(name, ("last " if ended else "") + _num(r.get("elapsed_s"), 0),
                      _num(r.get("target_s"), 0), _num(r.get("remaining_s"), 0),
                      str(r.get("status") or "-"), str(r.get("after_set") or "-"))
        return t

    def _alert_table(self) -> Table:
        from rich.table import Table

        t = Table(title="Alerts", title_style="bold red", expand=True)
        for col in ("athlete", "set", "alert"):
            t.add_column(col)
        for a in reversed(self.alerts):
            t.add_row(str(a.get("athlete", "")), str(a.get("set", "")),
                      str(a.get("message", a.get("kind", ""))), style="red")
        return t

    def _hold_table(self) -> Table:
        from rich.table import Table

        t = Table(title="holds")
        for col in ("athlete", "holding s", "last hold s", "side", "sway °", "hip dips",
                    "outside target"):
            t.add_column(col)
        for name, v in sorted(self.athletes.items()):
            h = v.last_hold or {}
            running = v.timer.running_s
            if not h and running is None:
                continue
            t.add_row(name, _num(running, 1) if running is not None else "-",
                      _num(h.get("duration_s"), 1), str(h.get("side") or "-"),
                      _num(h.get("sway_deg"), 1),
                      str(h["hip_dips"]) if isinstance(h.get("hip_dips"), int) else "-",
                      _yes_no(h.get("outside_target")))
        return t

    def _athlete_table(self) -> Table:
        from rich.table import Table

        t = Table(title=f"{self.base} (bridge {self.bridge})", expand=False)
        for col in ("athlete", "sensor", "online", "phase", "angle °", "reps", "battery %",
                    "stale"):
            t.add_column(col)
        for name, v in sorted(self.athletes.items()):
            s, live = v.status, v.live
            t.add_row(name, str(s.get("sensor") or live.get("sensor") or "-"),
                      _yes_no(s.get("online")), str(live.get("phase", "-")),
                      _num(live.get("angle_deg"), 1), str(v.shown_reps),
                      _num(s.get("battery_pct"), 0),
                      "yes" if s.get("stale") else "no")
        return t

    def _rep_table(self) -> Table:
        from rich.table import Table

        t = Table(title="recent reps")
        for col in ("athlete", "rep", "set", "tempo", "eccentric s", "concentric s", "ROM °",
                    "on target", "flags"):
            t.add_column(col)
        for r in self.recent:
            t.add_row(str(r.get("athlete", "")), str(r.get("rep", "")), str(r.get("set", "")),
                      str(r.get("tempo", "")), _num(r.get("eccentric_s"), 1),
                      _num(r.get("concentric_s"), 1), _num(r.get("rom_deg"), 0),
                      _yes_no(r.get("within_target_tempo")), ",".join(r.get("flags") or []))
        return t

    def _set_table(self) -> Table:
        from rich.table import Table

        t = Table(title="set summaries")
        for col in ("athlete", "set", "exercise", "reps", "eccentric s mean", "duration s",
                    "confidence"):
            t.add_column(col)
        for s in self.sets:
            start, end = s.get("start_s"), s.get("end_s")
            duration = end - start if isinstance(start, int | float) and isinstance(
                end, int | float) else None
            t.add_row(str(s.get("athlete", "")), str(s.get("set", "")),
                      str(s.get("exercise", "")), str(s.get("reps", "")),
                      _num(s.get("eccentric_s_mean"), 2), _num(duration, 1),
                      _num(s.get("exercise_confidence"), 2))
        return t


def _num(value: Any, digits: int) -> str:
    return f"{value:.{digits}f}" if isinstance(value, int | float) else "-"


def _yes_no(value: Any) -> str:
    return "-" if value is None else ("yes" if value else "no")


def add_parser(sub: Any) -> None:
    p = sub.add_parser("watch", help="show live reps, holds and sets from an MQTT broker")
    add_connection_arguments(p)
    p.add_argument("--athlete", help="only this athlete (as in the topic)")
    p.add_argument("--duration", type=float, metavar="S",
                   help="stop after S seconds (default: until Ctrl-C)")
    p.add_argument("--json", action="store_true",
                   help="print new events as JSON lines instead of a table")
    p.add_argument("--bell", action="store_true",
                   help="ring the terminal bell on every in-set alert")
    p.set_defaults(func=run)


def _config(args: argparse.Namespace) -> MqttConfig:
    config, requested = config_from_args(args)
    if not requested:
        # No broker configured anywhere: the embedded demo broker's address.
        config = replace(config, broker="mqtt://127.0.0.1:1883")
    return config


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.live import Live

    from eccentric.mqtt.client import build_client

    config = _config(args)
    check_tls_files(args, config)
    address = config.address()
    state = WatchState(config.base, args.athlete)
    out = Console(file=sys.stdout)
    err = Console(file=sys.stderr)
    connected = threading.Event()

    def on_connect(client: mqtt.Client, u: Any, f: Any, reason: Any, p: Any) -> None:
        if not reason.is_failure:
            client.subscribe(f"{config.base}/#", 1)
            connected.set()
        else:
            err.print(f"eccentric watch: broker refused the connection: {reason}")

    def on_message(client: mqtt.Client, u: Any, message: mqtt.MQTTMessage) -> None:
        for event in state.feed(message.topic, bytes(message.payload), bool(message.retain)):
            if args.json:
                print(json.dumps(event, separators=(",", ":")), flush=True)
            if args.bell and event.get("type") == "alert":
                sys.stderr.write("\a")  # the bell, on stderr so --json stays clean
                sys.stderr.flush()

    protocol = "5" if config.protocol == "5" else "3.1.1"  # both brokers speak 3.1.1
    client_id = f"eccentric-watch-{socket.gethostname()}-{os.getpid()}"
    client = build_client(config, address, client_id, protocol, reconnect=True)
    client.on_connect = on_connect
    client.on_message = on_message
    client.reconnect_delay_set(1, 10)
    client.connect_async(address.host, address.port, config.keepalive_s)
    client.loop_start()  # paho reconnects by itself; nothing here is durable
    deadline = None if args.duration is None else time.monotonic() + args.duration
    try:
        if not connected.wait(5.0 if deadline is None else min(5.0, args.duration)):
            err.print(f"eccentric watch: waiting for {address.url} ...")
        if args.json or not out.is_terminal:
            while deadline is None or time.monotonic() < deadline:
                time.sleep(0.1)
            if not args.json:
                out.print(state.render())  # piped: one final table, no redraws
        else:
            with Live(state.render(), console=out, refresh_per_second=8) as live:
                while deadline is None or time.monotonic() < deadline:
                    time.sleep(0.125)
                    live.update(state.render())
    except KeyboardInterrupt:
        pass
    finally:
        client.disconnect()
        client.loop_stop()
    return 0
