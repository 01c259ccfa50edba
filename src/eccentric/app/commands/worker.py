"""``eccentric worker``: detection on the NATS cluster's athlete partitions (docs/scale.md)."""

from __future__ import annotations

import argparse
from typing import Any

from eccentric.app.commands.gateway import DEFAULT_NATS, nats_servers, positive_int


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "worker", help="run detection for a share of the cluster's athletes (docs/scale.md)",
        description="Take a fair share of the athlete partitions (leases in JetStream), run "
                    "the pipeline on their raw IMU and publish the events of 'live'. Runs "
                    "until interrupted; a stopped or lost worker's athletes move to others.")
    p.add_argument("--nats", type=nats_servers, default=[DEFAULT_NATS], metavar="URL[,URL]",
                   help=f"cluster nodes (default {DEFAULT_NATS})")
    p.add_argument("--id", default=None, metavar="NAME",
                   help="worker name (default <host>-<pid>)")
    p.add_argument("--partitions", type=positive_int, default=None, metavar="P",
                   help="athlete partitions; must match the gateways' (default 12)")
    p.add_argument("--replicas", type=positive_int, default=3, metavar="R",
                   help="stream replicas when this worker creates them (default 3)")
    p.add_argument("--live-hz", type=float, default=5.0, metavar="HZ",
                   help="live gauge events per athlete (default 5; 0 = off)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio
    import signal

    from eccentric.cluster.subjects import DEFAULT_PARTITIONS
    from eccentric.cluster.worker import Worker

    worker = Worker(args.nats, worker_id=args.id,
                    partitions=args.partitions or DEFAULT_PARTITIONS,
                    live_hz=args.live_hz, replicas=args.replicas)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await worker.run(stop)

    asyncio.run(main())
    print(f"worker {worker.worker_id}: {worker.chunks} chunks, {worker.published} events "
          f"published, {worker.duplicates} duplicates dropped")
    return 0
