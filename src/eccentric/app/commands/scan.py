"""``eccentric scan``: nearby supported sensors (kind, name, address, RSSI).

Sensors are recognised by their advertised services or names (each driver says
which). Devices no driver recognises are hidden unless ``--all`` is given.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from eccentric.core.errors import EccentricError


def add_parser(sub: Any) -> None:
    p = sub.add_parser("scan", help="list nearby supported BLE sensors", description=__doc__)
    p.add_argument("--timeout", type=float, default=5.0, metavar="S",
                   help="how long to listen (default 5 s)")
    p.add_argument("--all", action="store_true", help="also list unrecognised devices")
    p.add_argument("--json", action="store_true", help="one JSON object per device")
    p.add_argument("--generic-config", type=Path, default=None, metavar="FILE",
                   help="also recognise the DIY sensor this TOML file describes")
    p.add_argument("--kinds", action="store_true",
                   help="list the drivers and their options instead of scanning")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from eccentric.app.commands.live import generic_spec
    from eccentric.devices import registry

    if args.kinds:
        for spec in registry.specs().values():
            print(f"{spec.kind:10s} {spec.title}\n{'':10s} options: {spec.options_help}")
        return 0
    from eccentric.ble.scan import scan

    try:
        found = asyncio.run(scan(args.timeout, generic_spec(args.generic_config)))
    except EccentricError as exc:
        print(f"eccentric scan: {exc}", file=sys.stderr)
        return 1
    shown = [f for f in found if f.kind or args.all]
    hidden = len(found) - len(shown)
    if args.json:
        for f in shown:
            print(json.dumps(f.as_dict()))
    else:
        if shown:
            print(f"{'KIND':11s} {'NAME':28s} {'ADDRESS':18s} RSSI")
        for f in shown:
            print(f"{f.kind or '-':11s} {(f.name or '?')[:28]:28s} {f.address:18s} {f.rssi}")
        if not shown:
            print("no supported sensors found", file=sys.stderr)
    if hidden:
        print(f"{hidden} other device(s) hidden (--all lists them)", file=sys.stderr)
    return 0
