"""Find supported sensors: scan, classify advertisements, resolve ``--device`` names."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from bleak import BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import BleakError

from eccentric.core.errors import EccentricError
from eccentric.devices import registry
from eccentric.devices.base import DriverSpec

ADDRESS_RE = re.compile(r"^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f-]{36}$")


@dataclass(frozen=True)
class Found:
    """One advertiser; ``kind`` is None for devices no driver recognises."""

    device: BLEDevice
    name: str | None
    address: str
    rssi: int
    service_uuids: tuple[str, ...]
    kind: str | None

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "name": self.name, "address": self.address,
                "rssi": self.rssi}


def classify(device: BLEDevice, adv: AdvertisementData,
             extra: list[DriverSpec] | None = None) -> Found:
    name = adv.local_name or device.name
    spec = registry.classify(name, list(adv.service_uuids), extra)
    return Found(device, name, device.address, adv.rssi, tuple(adv.service_uuids),
                 spec.kind if spec else None)


def unavailable(exc: BaseException) -> EccentricError:
    return EccentricError(f"Bluetooth is not available ({type(exc).__name__}: {exc}); is "
                          "BlueZ running and an adapter powered?")


async def scan(timeout_s: float, extra: list[DriverSpec] | None = None) -> list[Found]:
    """Every advertiser seen within ``timeout_s``, strongest signal first."""
    try:
        seen = await BleakScanner.discover(timeout=timeout_s, return_adv=True)
    except (BleakError, OSError, EOFError) as exc:
        raise unavailable(exc) from exc
    found = [classify(d, adv, extra) for d, adv in seen.values()]
    return sorted(found, key=lambda f: (-f.rssi, f.address))


def is_address(text: str) -> bool:
    return bool(ADDRESS_RE.match(text))


def matches(target: str, found: Found) -> bool:
    """An address (any case, ':' or '-'), an exact name, or a name prefix."""
    if is_address(target):
        return found.address.upper().replace("-", ":") == target.upper().replace("-", ":")
    return found.name is not None and (found.name == target or found.name.startswith(target))


async def resolve(targets: list[str], timeout_s: float,
                  extra: list[DriverSpec] | None = None) -> list[Found]:
    """Scan until every target is seen (or the timeout): one Found per target.

    Raises EccentricError naming what was not found, or a name that matches several
    devices, with what was seen instead.
    """
    hits: dict[str, Found] = {}
    done = asyncio.Event()
    seen: dict[str, Found] = {}

    def on_adv(device: BLEDevice, adv: AdvertisementData) -> None:
        f = classify(device, adv, extra)
        seen[f.address] = f
        for t in targets:
            if t not in hits and matches(t, f):
                hits[t] = f
        if len(hits) == len(targets):
            done.set()

    scanner = BleakScanner(detection_callback=on_adv)
    try:
        await scanner.start()
    except (BleakError, OSError, EOFError) as exc:
        raise unavailable(exc) from exc
    try:
        await asyncio.wait_for(done.wait(), timeout_s)
    except TimeoutError:
        pass
    finally:
        await scanner.stop()
    missing = [t for t in targets if t not in hits]
    if missing:
        shown = ", ".join(f"{f.name or '?'} ({f.address})" for f in seen.values()
                          if f.kind) or "no supported sensor"
        raise EccentricError(f"not found within {timeout_s:g} s: {', '.join(missing)} "
                             f"(seen: {shown})")
    for t in targets:
        if not is_address(t):
            same = [f for f in seen.values() if matches(t, f)]
            if len(same) > 1:
                shown = ", ".join(f"{f.name} ({f.address})" for f in same)
                raise EccentricError(f"{t!r} matches several devices: {shown}; give an "
                                     "address or a longer name")
    chosen = [hits[t] for t in targets]
    if len({f.address for f in chosen}) < len(chosen):
        raise EccentricError("two --device arguments name the same sensor")
    return chosen
