"""``eccentric gateway``: athlete streams -> raw IMU chunks on the NATS cluster (docs/scale.md)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

DEFAULT_NATS = "nats://127.0.0.1:4222"


def nats_servers(text: str) -> list[str]:
    """``URL[,URL...]``: any nodes of the cluster (the client finds the others)."""
    urls = [u.strip() for u in text.split(",") if u.strip()]
    bad = [u for u in urls if not u.startswith(("nats://", "tls://"))]
    if not urls or bad:
        raise argparse.ArgumentTypeError(
            f"NATS servers must be nats://HOST:PORT URLs separated by commas, not {text!r}")
    return urls


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "gateway", help="publish athlete IMU streams to the NATS cluster (docs/scale.md)",
        description="Publish raw IMU chunks (SI units, sequence numbers, gap flags) to the "
                    "JetStream cluster, spooled on disk while the broker is away. Source: "
                    "recordings replayed at a factor of real time, one athlete each "
                    "(--replay).")
    p.add_argument("--nats", type=nats_servers, default=[DEFAULT_NATS], metavar="URL[,URL]",
                   help=f"cluster nodes (default {DEFAULT_NATS})")
    p.add_argument("--spool", type=Path, default=Path("eccentric-gateway.spool"),
                   metavar="FILE", help="on-disk spool (SQLite; default ./%(default)s)")
    p.add_argument("--partitions", type=int, default=None, metavar="P",
                   help="athlete partitions; must match the workers' (default 12)")
    p.add_argument("--replay", nargs="+", type=Path, metavar="RECORDING", required=True,
                   help="recordings replayed as athlete streams, cycled over --athletes")
    p.add_argument("--athletes", type=int, default=None, metavar="N",
                   help="athlete streams (default: one per recording)")
    p.add_argument("--speed", type=float, default=1.0, metavar="X",
                   help="pace as a factor of real time (default 1)")
    p.add_argument("--run-id", default=None, metavar="ID",
                   help="this gateway run's id, part of every stream id (default fresh)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from eccentric.cluster.gateway import Gateway, recording_stream
    from eccentric.cluster.subjects import DEFAULT_PARTITIONS
    from eccentric.core.errors import EccentricError

    if not args.speed > 0:
        raise EccentricError("--speed must be positive")
    n = args.athletes or len(args.replay)
    streams = [recording_stream(args.replay[i % len(args.replay)], f"a{i + 1:03d}")
               for i in range(n)]
    gateway = Gateway(args.nats, args.spool, partitions=args.partitions or DEFAULT_PARTITIONS,
                      run_id=args.run_id)
    asyncio.run(gateway.run_replay(streams, speed=args.speed))
    print(f"gateway: {gateway.sent} chunks of {n} athletes sent")
    return 0
