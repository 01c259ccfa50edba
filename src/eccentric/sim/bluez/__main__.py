"""``python -m eccentric.sim.bluez SCENARIO.json [--log FILE]``

Serves the emulated BlueZ on the bus named by DBUS_SYSTEM_BUS_ADDRESS (a private one:
see ``bus.PrivateBus``) until SIGINT/SIGTERM. Prints ``ready`` once devices exist.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

from eccentric.sim.bluez.server import serve


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eccentric.sim.bluez")
    p.add_argument("scenario", type=Path)
    p.add_argument("--log", type=Path, default=None, help="JSON lines of emulator events")
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING)
    address = os.environ.get("DBUS_SYSTEM_BUS_ADDRESS")
    if not address:
        print("DBUS_SYSTEM_BUS_ADDRESS must name a private bus", file=sys.stderr)
        return 2

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(address, args.scenario, args.log, stop,
                    ready=lambda: print("ready", flush=True))

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
