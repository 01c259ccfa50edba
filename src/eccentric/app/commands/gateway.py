"""``eccentric gateway``: athlete streams -> raw IMU chunks on the NATS cluster (docs/scale.md)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eccentric.app.commands.common import add_exercise_arguments
from eccentric.app.commands.live import DeviceArg, _key_value

if TYPE_CHECKING:
    import asyncio

    from eccentric.cluster.gateway import Gateway

DEFAULT_NATS = "nats://127.0.0.1:4222"


def nats_servers(text: str) -> list[str]:
    """``URL[,URL...]``: any nodes of the cluster (the client finds the others)."""
    urls = [u.strip() for u in text.split(",") if u.strip()]
    bad = [u for u in urls if not u.startswith(("nats://", "tls://"))]
    if not urls or bad:
        raise argparse.ArgumentTypeError(
            f"NATS servers must be nats://HOST:PORT URLs separated by commas, not {text!r}")
    return urls


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, not {value}")
    return value


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "gateway", help="publish athlete IMU streams to the NATS cluster (docs/scale.md)",
        description="Publish raw IMU chunks (SI units, sequence numbers, gap flags) to the "
                    "JetStream cluster, spooled on disk while the broker is away. Source: "
                    "BLE sensors (--device, as in 'eccentric live'), or recordings replayed "
                    "at a factor of real time, one athlete each (--replay).")
    p.add_argument("--nats", type=nats_servers, default=[DEFAULT_NATS], metavar="URL[,URL]",
                   help=f"cluster nodes (default {DEFAULT_NATS})")
    p.add_argument("--spool", type=Path, default=Path("eccentric-gateway.spool"),
                   metavar="FILE", help="on-disk spool (SQLite; default ./%(default)s)")
    p.add_argument("--partitions", type=positive_int, default=None, metavar="P",
                   help="athlete partitions; must match the workers' (default 12)")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--device", dest="devices", action="append", type=DeviceArg.parse,
                        metavar="NAME|ADDRESS[,KEY=VALUE...]",
                        help="a BLE sensor to stream (repeat for several; settings as in "
                             "'eccentric live': athlete, exercise, side, placement, kind)")
    source.add_argument("--replay", nargs="+", type=Path, metavar="RECORDING",
                        help="recordings replayed as athlete streams, cycled over --athletes")
    p.add_argument("--kind", default=None, help="driver for devices the scan cannot recognise")
    p.add_argument("--driver-option", dest="driver_options", action="append", default=[],
                   type=_key_value, metavar="KEY=VALUE", help="driver setting for every device")
    p.add_argument("--generic-config", type=Path, default=None, metavar="FILE",
                   help="TOML description of a DIY sensor (driver 'generic')")
    p.add_argument("--scan-timeout", type=float, default=10.0, metavar="S",
                   help="how long to look for the devices (default 10 s)")
    p.add_argument("--duration", type=float, default=None, metavar="S",
                   help="BLE: stop by itself after S seconds (default: until Ctrl-C)")
    add_exercise_arguments(p, default="auto")
    p.add_argument("--athletes", type=positive_int, default=None, metavar="N",
                   help="athlete streams (default: one per recording)")
    p.add_argument("--speed", type=float, default=1.0, metavar="X",
                   help="pace as a factor of real time (default 1)")
    p.add_argument("--replicas", type=positive_int, default=3, metavar="R",
                   help="stream replicas when this gateway creates the streams (default 3)")
    p.add_argument("--run-id", default=None, metavar="ID",
                   help="this gateway run's id, part of every stream id (default fresh)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio
    import signal

    from eccentric.cluster.gateway import Gateway, recording_stream
    from eccentric.cluster.subjects import DEFAULT_PARTITIONS
    from eccentric.core.errors import EccentricError

    if not args.speed > 0:
        raise EccentricError("--speed must be positive")
    gateway = Gateway(args.nats, args.spool, partitions=args.partitions or DEFAULT_PARTITIONS,
                      run_id=args.run_id, replicas=args.replicas)

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        if args.devices:
            return await _ble(args, gateway, stop)
        n = args.athletes or len(args.replay)
        streams = [recording_stream(args.replay[i % len(args.replay)], f"a{i + 1:03d}")
                   for i in range(n)]
        await gateway.run_replay(streams, speed=args.speed, stop=stop)
        return n

    n = asyncio.run(main())
    print(f"gateway: {gateway.sent} chunks of {n} athletes sent")
    return 0


async def _ble(args: argparse.Namespace, gateway: Gateway, stop: asyncio.Event) -> int:
    """Scan for the devices, then stream each into the gateway until ``stop``."""
    import asyncio
    from datetime import UTC, datetime

    from eccentric.app.commands.live import generic_spec, plan
    from eccentric.ble.link import HostClock
    from eccentric.ble.scan import resolve
    from eccentric.cluster.ble_source import BleSource
    from eccentric.cluster.gateway import AthleteStream
    from eccentric.devices import registry

    found = await resolve([d.target for d in args.devices], args.scan_timeout,
                          generic_spec(args.generic_config))
    plans = plan(args, found)
    clock = HostClock()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    sources = []
    for p, f in zip(plans, found, strict=True):
        driver = registry.create(p.kind, p.options)
        stream = AthleteStream(athlete=p.athlete, sensor=driver.sensor,
                               session=f"{p.athlete}-{stamp}", exercise=p.exercise,
                               rate_hz=driver.rate_hz, side=p.side,
                               target_tempo=args.target_tempo, chunks=iter(()))
        sources.append(BleSource(device=f.device, driver=driver, label=p.label, clock=clock,
                                 gateway=gateway, stream=stream))
    if args.duration is not None:
        asyncio.get_running_loop().call_later(args.duration, stop.set)

    async def stream_all() -> None:
        await asyncio.gather(*(s.run(stop) for s in sources))

    await gateway.run_source(stream_all(), stop=stop)
    return len(sources)
