"""``eccentric live``: stream BLE sensors through the pipeline, publish, capture raw.

    eccentric live --device "Polar Sense" --exercise nordic_curl --athlete ana \\
        --broker mqtt://localhost

Several ``--device`` options run several sensors in one process (one per leg, or a
team). A device may carry its own settings after commas: ``--device
'D1:60:00:00:00:02,athlete=bo,side=left,rate=100'`` (athlete, exercise, side,
placement, kind; anything else is a driver option, see ``eccentric scan --kinds``).
Ctrl-C stops each device's stream, flushes its capture, publishes ``offline``, exits 0
(1 if a device failed, or if a broker was asked for and never reached: live keeps
retrying meanwhile, with one warning per kind of failure, and keeps reps on disk).
Each device's raw notifications go to ``--capture-dir``; ``eccentric replay CAPTURE``
re-decodes one and yields the same events as the live run did.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import tomllib
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eccentric.app.commands.common import (
    add_coach_arguments,
    add_exercise_arguments,
    add_run_id_argument,
    ensure_run_id,
    load_plan_arg,
    pipeline_config,
)
from eccentric.app.commands.history_args import add_history_argument
from eccentric.core.errors import EccentricError
from eccentric.core.events import Event
from eccentric.io.jsonl_sink import JsonLinesSink
from eccentric.io.recording_format import PLACEMENTS, SIDES
from eccentric.mqtt.args import (
    add_broker_arguments,
    check_embedded_ports,
    check_tls_files,
    resolve_args,
    start_embedded_broker,
)
from eccentric.session.sink import Sink

if TYPE_CHECKING:
    import asyncio

    from eccentric.app.live_runner import DeviceRunner
    from eccentric.devices.base import DriverSpec
    from eccentric.mqtt.config import MqttConfig
    from eccentric.mqtt.sink import MqttSink

log = logging.getLogger(__name__)

SPEC_KEYS = ("athlete", "exercise", "side", "placement", "kind")


@dataclass
class DeviceArg:
    """One ``--device``: the target (name or address) and its settings."""

    target: str
    settings: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> DeviceArg:
        target, *rest = [part.strip() for part in text.split(",")]
        if not target:
            raise argparse.ArgumentTypeError("--device needs a name or an address")
        settings: dict[str, str] = {}
        for part in rest:
            key, sep, value = part.partition("=")
            if not sep or not key.strip():
                raise argparse.ArgumentTypeError(f"--device setting {part!r} is not KEY=VALUE")
            settings[key.strip()] = value.strip()
        return cls(target, settings)


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE")
    return key.strip(), value.strip()


def add_parser(sub: Any) -> None:
    p = sub.add_parser("live", help="stream BLE sensors through the pipeline",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", dest="devices", action="append", type=DeviceArg.parse,
                   required=True, metavar="NAME|ADDRESS[,KEY=VALUE...]",
                   help="a sensor to stream (repeat for several)")
    p.add_argument("--kind", default=None,
                   help="driver for devices the scan cannot recognise (see 'eccentric scan "
                        "--kinds'); default: from the advertisement")
    p.add_argument("--driver-option", dest="driver_options", action="append", default=[],
                   type=_key_value, metavar="KEY=VALUE",
                   help="driver setting for every device, e.g. rate=52 (repeatable)")
    p.add_argument("--generic-config", type=Path, default=None, metavar="FILE",
                   help="TOML description of a DIY sensor (driver 'generic')")
    add_exercise_arguments(p, default="auto")
    add_coach_arguments(p)
    p.add_argument("--capture-dir", type=Path, default=Path("captures"), metavar="DIR",
                   help="where raw captures go (default ./captures)")
    p.add_argument("--scan-timeout", type=float, default=10.0, metavar="S",
                   help="how long to look for the devices (default 10 s)")
    p.add_argument("--reply-timeout", type=float, default=5.0, metavar="S",
                   help="how long a device may take to answer a command (default 5 s)")
    p.add_argument("--data-timeout", type=float, default=10.0, metavar="S",
                   help="how long after starting the first samples may take (default 10 s)")
    p.add_argument("--pair", action="store_true", help="pair before streaming (Polar H10)")
    p.add_argument("--duration", type=float, default=None, metavar="S",
                   help="stop by itself after S seconds (default: run until Ctrl-C)")
    p.add_argument("--json", action="store_true", help="print events as JSON lines")
    p.add_argument("--stats-json", type=Path, default=None, metavar="FILE",
                   help="at exit, write per-device streaming statistics (latency, loss)")
    p.add_argument("--live-hz", type=float, default=0.0,
                   help="also emit live angle/phase events at this rate (default off)")
    add_run_id_argument(p)
    add_history_argument(p, on_by_default=True)
    add_broker_arguments(p)
    p.set_defaults(func=run)


# ------------------------------------------------------------------ configuration


@dataclass
class Planned:
    """A device resolved from the scan, with its driver and settings."""

    arg: DeviceArg
    label: str
    athlete: str
    exercise: str
    side: str | None
    placement: str
    kind: str
    options: dict[str, Any]


def generic_spec(path: Path | None) -> list[DriverSpec]:
    if path is None:
        return []
    from eccentric.devices.generic import driver as generic

    try:
        config = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise EccentricError(f"{path}: {exc}") from exc
    return [generic.spec_for(config)]


def plan(args: argparse.Namespace, found: list[Any]) -> list[Planned]:
    """Merge global and per-device settings; give each device a distinct athlete topic
    (two sensors of one athlete publish as <athlete>-<side or n>)."""
    plans: list[Planned] = []
    for arg, f in zip(args.devices, found, strict=True):
        s = dict(arg.settings)
        kind = s.pop("kind", None) or args.kind or f.kind
        if kind is None:
            raise EccentricError(f"{arg.target}: the advertisement matches no driver; "
                                 "say which with --kind or kind=…")
        side = s.pop("side", None) or args.side
        if side is not None and side not in SIDES:
            raise EccentricError(f"{arg.target}: side {side!r} is not one of {SIDES}")
        placement = s.pop("placement", None) or args.placement or "unknown"
        if placement not in PLACEMENTS:
            raise EccentricError(f"{arg.target}: placement {placement!r} is not one of "
                                 f"{', '.join(PLACEMENTS)}")
        athlete = s.pop("athlete", None) or args.athlete or "athlete"
        exercise = s.pop("exercise", None) or args.exercise or "auto"
        options: dict[str, Any] = dict(args.driver_options) | s
        if kind == "generic":
            if args.generic_config is None:
                raise EccentricError("the generic driver needs --generic-config FILE")
            options["config"] = tomllib.loads(args.generic_config.read_text())
        elif kind == "polar_pmd" and "model" not in options:
            from eccentric.devices.polar_pmd.driver import model_from_name

            options["model"] = model_from_name(f.name)
        label = f.name or f.address
        plans.append(Planned(arg, label, athlete, exercise, side, placement, kind, options))
    seen: dict[str, int] = {}
    for p in plans:
        seen[p.athlete] = seen.get(p.athlete, 0) + 1
    for i, p in enumerate(plans):
        if seen[p.athlete] > 1:
            p.athlete = f"{p.athlete}-{p.side or i + 1}"
    if len({p.athlete for p in plans}) < len(plans):
        raise EccentricError("two devices would publish as the same athlete; set "
                             "athlete=… per device")
    return plans


# ------------------------------------------------------------------ running


class Mqtt:
    """One broker connection per device stream (topics are per athlete); an embedded
    broker, when asked for, is started once and shared."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.config: MqttConfig | None = None
        self._broker: Any = None
        config, given = resolve_args(args)
        if "broker" not in given:
            return
        check_embedded_ports(args, config)
        check_tls_files(args, config)
        if config.is_embedded:
            self._broker, config = start_embedded_broker(args, config, given)
            for note in self._broker.moved():
                print(f"eccentric: {note}", file=sys.stderr)
            print(f"eccentric: embedded MQTT broker on {self._broker.url} and "
                  f"{self._broker.ws_url}", file=sys.stderr)
        self.config = config

    def sink(self, athlete: str, sensor: str, index: int, many: bool) -> MqttSink | None:
        if self.config is None:
            return None
        from eccentric.mqtt.sink import MqttSink

        config = self.config
        if many and config.client_id:
            config = replace(config, client_id=f"{config.client_id}-{index + 1}")
        if many and config.queue_path:
            # One disk queue per publisher: a queue file is locked by its owner.
            q = Path(config.queue_path)
            config = replace(config, queue_path=str(q.with_name(f"{q.stem}-{athlete}{q.suffix}")))
        return MqttSink(config, athlete=athlete, sensor=sensor, accept_commands=True)

    def close(self) -> None:
        if self._broker is not None:
            self._broker.stop()


def _print_error(message: str) -> None:
    print(f"eccentric live: {message}", file=sys.stderr)


async def _main(args: argparse.Namespace, stop: asyncio.Event) -> int:
    import asyncio

    from eccentric.app.commands.history_args import open_history
    from eccentric.app.live_runner import DeviceRunner, default_capture_path
    from eccentric.ble.capture import CaptureWriter, capture_header
    from eccentric.ble.link import HostClock, LinkOptions
    from eccentric.ble.scan import resolve
    from eccentric.devices import registry
    from eccentric.history.sink import TRACE_HZ
    from eccentric.io.console_sink import ConsoleSink

    config, given = resolve_args(args)
    if "broker" in given:  # bad MQTT settings are reported before the scan, not after
        check_embedded_ports(args, config)
        check_tls_files(args, config)
    session_plan = load_plan_arg(args)  # a bad plan is reported before the scan
    extra = generic_spec(args.generic_config)
    found = await resolve([d.target for d in args.devices], args.scan_timeout, extra)
    plans = plan(args, found)
    drivers = [registry.create(p.kind, p.options) for p in plans]
    for p, d in zip(plans, drivers, strict=True):
        if "gyro" not in d.streams and "imu" not in d.streams:
            raise EccentricError(f"{p.label}: this {d.sensor} streams no gyroscope; eccentric "
                                 "needs angular rate")
    clock = HostClock()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    created = datetime.now(UTC).isoformat(timespec="seconds")
    link_opts = LinkOptions(pair=args.pair, reply_timeout_s=args.reply_timeout,
                            first_data_timeout_s=args.data_timeout)
    mqtt = Mqtt(args)
    runners: list[DeviceRunner] = []
    out: Sink = JsonLinesSink(sys.stdout) if args.json else ConsoleSink()
    try:
        for i, (p, f, d) in enumerate(zip(plans, found, drivers, strict=True)):
            path = default_capture_path(args.capture_dir, p.athlete, p.label, stamp)
            header = capture_header(d, exercise=p.exercise, athlete=p.athlete,
                                    placement=p.placement, side=p.side or "unknown",
                                    device_name=f.name, address=f.address,
                                    created_utc=created,
                                    host_monotonic_t0=clock.monotonic_t0)
            ns = argparse.Namespace(exercise=p.exercise, side=p.side, athlete=p.athlete,
                                    target_tempo=args.target_tempo, run_id=args.run_id,
                                    target_hold=args.target_hold,
                                    target_bout=getattr(args, "target_bout", None),
                                    alert_drop=args.alert_drop, plan_loaded=session_plan)
            mq = mqtt.sink(p.athlete, d.sensor, i, len(plans) > 1)
            sinks: list[Sink] = [_Tagged(out, p.athlete if len(plans) > 1 else None)]
            if mq is not None:
                sinks.append(mq)
            live_hz = args.live_hz or (mq.config.live_hz if mq is not None else 0.0)
            session = pipeline_config(ns, header, path, live_hz=live_hz)
            history = open_history(args, session, command="live", sensor=d.sensor,
                                   source=str(path))
            if history is not None:
                sinks.append(history)
                if not live_hz:  # the history's rep curves need the angle; not shown
                    session = replace(session, live_hz=TRACE_HZ)
                    sinks[0] = _Tagged(out, p.athlete if len(plans) > 1 else None,
                                       hide_live=True)
            runners.append(DeviceRunner(
                device=f.device, driver=d, label=p.label, clock=clock,
                capture=CaptureWriter(path, header),
                pipeline_config=session,
                sinks=sinks, mqtt=mq, link_options=link_opts,
                on_event=_ble_printer(args.json, p.label),
                rest_target_s=getattr(args, "rest", None)))
            print(f"eccentric live: {p.label} ({d.sensor}, {f.address}) → {path}",
                  file=sys.stderr)
        if args.duration is not None:
            asyncio.get_running_loop().call_later(args.duration, stop.set)
        results = await asyncio.gather(*(_run_reporting(r, stop) for r in runners))
    finally:
        for r in runners:
            r.finish()
            for s in r.drive.sinks:
                s.close()
        out.close()
        mqtt.close()
    failed = [ok for ok in results if not ok]
    for r in runners:
        # Retrying forever was right while running; having delivered nothing is a failure.
        problem = r.mqtt.never_connected() if r.mqtt is not None else None
        if problem:
            _print_error(problem)
            failed.append(False)
    for r in runners:
        log.info("%s: rep latency %s, queue max %d", r.label, r.latency.summary(), r.max_queue)
    if args.stats_json is not None:
        args.stats_json.write_text(json.dumps([r.report() for r in runners], indent=1))
    return 1 if failed else 0


async def _run_reporting(runner: DeviceRunner, stop: asyncio.Event) -> bool:
    """Run one device; report its failure at once (the others keep streaming)."""
    try:
        await runner.run(stop)
    except EccentricError as exc:
        _print_error(str(exc))
        return False
    except Exception as exc:  # a bug or an unexpected bleak error: name the device
        log.exception("%s failed", runner.label)
        _print_error(f"{runner.label}: {exc!r}")
        return False
    return True


class _Tagged:
    """The terminal sink, with the athlete named when several devices share it."""

    def __init__(self, inner: Sink, athlete: str | None, hide_live: bool = False) -> None:
        self.inner = inner
        self.athlete = athlete
        self.hide_live = hide_live

    def publish_event(self, event: Event) -> None:
        if self.hide_live and event.get("type") == "live":
            return
        self.inner.publish_event({**event, "athlete": self.athlete} if self.athlete else event)

    def close(self) -> None:
        return None  # shared: closed once by run()


def _ble_printer(as_json: bool, label: str) -> Any:
    def on_event(ev: Event) -> None:
        if ev.get("type") != "ble":
            return
        if as_json:
            sys.stdout.write(json.dumps(ev, separators=(",", ":")) + "\n")
            sys.stdout.flush()
        else:
            print(f"eccentric live: {label}: {ev['event']}", file=sys.stderr)
    return on_event


def run(args: argparse.Namespace) -> int:
    import asyncio

    ensure_run_id(args)

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        return await _main(args, stop)

    try:
        return asyncio.run(main())
    except EccentricError as exc:
        _print_error(str(exc))
        return 1
