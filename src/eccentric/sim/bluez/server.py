"""The emulator process: owns ``org.bluez`` on a private bus and plays devices.

Scenario (JSON)::

    {"devices": [{"kind": "polar_pmd", "name": "Polar Sense 0A1B2C3D",
                  "address": "A0:9E:1A:00:00:01", "rssi": -58,
                  "recording": "set.jsonl", "options": {...}, "faults": {...}}],
     "others": [{"name": "JBL Flip 5", "address": "...", "uuids": [...]}]}

Each device's recording (a simulated session) is encoded once into the device's
notification stream (``eccentric.devices.packets``). Playback time starts when the
client first starts the stream and keeps running across disconnects, like a sensor's
own clock: packets due while nobody listens are lost. ``others`` are unsupported
devices that only advertise (the scanner must hide them).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dbus_fast import BusType
from dbus_fast.aio import MessageBus

from eccentric.devices import registry
from eccentric.devices.emulation import Faults, Peripheral
from eccentric.devices.packets import Packet
from eccentric.io.recording_format import RecordingHeader
from eccentric.io.recording_reader import read_all
from eccentric.sim.bluez.objects import (
    Adapter1,
    Device1,
    GattCharacteristic1,
    GattService1,
    failed,
)

log = logging.getLogger(__name__)

ADAPTER_PATH = "/org/bluez/hci0"
ADVERTISE_EVERY_S = 0.5
SEND_BUFFER_BYTES = 8 << 20


@dataclass
class DeviceScenario:
    kind: str
    name: str
    address: str
    rssi: int = -60
    recording: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    faults: Faults = field(default_factory=Faults)
    mtu: int = 247

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> DeviceScenario:
        raw = dict(raw)
        faults = Faults.from_dict(raw.pop("faults", None))
        return cls(**raw, faults=faults)


def encode_recording(kind: str, path: str, options: dict[str, Any]
                     ) -> tuple[list[Packet], dict[str, Any]]:
    """The packets of a recording in ``kind``'s protocol, and the device options
    (ranges, LSB sizes) the emulated device answers with."""
    header, chunk = read_all(path)
    opts = {**_sensor_options(header), **options}
    return registry.encode(kind, chunk, header.rate_hz, opts), opts


def _sensor_options(header: RecordingHeader) -> dict[str, Any]:
    info = header.sensor_info
    return {"rate": header.rate_hz, "acc_lsb_g": info.get("acc_lsb_g"),
            "gyro_lsb_dps": info.get("gyro_lsb_dps"), "acc_range_g": info.get("acc_range_g"),
            "gyro_range_dps": info.get("gyro_range_dps")}


class EmulatedDevice:
    """Device1 + GATT objects of one peripheral, and its playback task."""

    def __init__(self, bus: MessageBus, scenario: DeviceScenario,
                 record: Callable[..., None]) -> None:
        self.bus = bus
        self.sc = scenario
        self.path = f"{ADAPTER_PATH}/dev_{scenario.address.upper().replace(':', '_')}"
        self._record = record
        packets: list[Packet] = []
        options = dict(scenario.options)
        if scenario.recording:
            packets, options = encode_recording(scenario.kind, scenario.recording, options)
        cls = registry.peripheral_class(scenario.kind)
        self.peripheral: Peripheral = cls(packets, options, scenario.faults, self.notify,
                                          self.record)
        self.iface = Device1(self, adapter=ADAPTER_PATH, address=scenario.address,
                             name=scenario.name, rssi=scenario.rssi,
                             uuids=self.peripheral.advertised_uuids())
        self.chars: dict[str, GattCharacteristic1] = {}
        self._gatt_paths: list[str] = []
        self.play_t0: float | None = None  # loop time at playback 0
        self.away_until: float | None = None  # playback time
        self.dropped = False
        self.sent = 0
        self._rng = random.Random(scenario.address)

    def record(self, event: str, **fields: Any) -> None:
        self._record(device=self.sc.name, event=event, **fields)

    def export(self) -> None:
        self.bus.export(self.path, self.iface)

    # --- connection (Device1 hooks) --------------------------------------------------

    def playback_s(self) -> float:
        if self.play_t0 is None:
            return 0.0
        return asyncio.get_running_loop().time() - self.play_t0

    def away(self) -> bool:
        return self.away_until is not None and self.playback_s() < self.away_until

    async def connect(self) -> None:
        if self.away():
            await asyncio.sleep(0.5)  # a connection attempt to a device out of range
            self.record("connect_refused")
            raise failed("Page Timeout")
        if self.iface.connected:
            return
        self.iface.set(connected=True)
        self._export_gatt()
        self.iface.set(services_resolved=True)
        self.record("connected")

    async def disconnect(self) -> None:
        self._drop_link()
        self.record("disconnected", by="central")

    def _drop_link(self) -> None:
        if not self.iface.connected:
            return
        for path in self._gatt_paths:
            self.bus.unexport(path)
        self._gatt_paths.clear()
        self.chars.clear()
        self.iface.set(services_resolved=False, connected=False)
        self.peripheral.disconnected()

    def _export_gatt(self) -> None:
        handle = 0x000A
        for service in self.peripheral.gatt():
            spath = f"{self.path}/service{handle:04x}"
            self.bus.export(spath, GattService1(service.uuid, self.path))
            self._gatt_paths.append(spath)
            handle += 1
            for c in service.chars:
                cpath = f"{spath}/char{handle:04x}"
                iface = GattCharacteristic1(c.uuid, spath, c.flags, self.sc.mtu,
                                            on_write=self._write, on_read=self.peripheral.read,
                                            on_notify=self._notifications)
                self.bus.export(cpath, iface)
                self._gatt_paths.append(cpath)
                self.chars[c.uuid] = iface
                handle += 2  # leave room for the CCC descriptor handle, as BlueZ does

    async def _write(self, char: str, data: bytes) -> None:
        self.record("write", char=char, hex=data.hex())
        # Answers go out after the write's own reply, as an ATT indication would.
        asyncio.get_running_loop().call_soon(self._apply_write, char, data)

    def _apply_write(self, char: str, data: bytes) -> None:
        self.peripheral.write(char, data)
        self._maybe_start_clock()

    def _notifications(self, char: str, enabled: bool) -> None:
        self.peripheral.notifications(char, enabled)
        self._maybe_start_clock()

    def _maybe_start_clock(self) -> None:
        """Playback time starts with the first stream start and never stops."""
        if self.peripheral.playing and self.play_t0 is None:
            self.play_t0 = asyncio.get_running_loop().time()
            # loop.time() is time.monotonic(): other processes can line up with it.
            self.record("playback_started", monotonic=self.play_t0)

    def notify(self, char: str, data: bytes) -> None:
        iface = self.chars.get(char)
        if iface is not None and iface.notifying:
            iface.notify(data)

    # --- playback -------------------------------------------------------------------

    async def play(self) -> None:
        """Send each packet at its time while its stream runs; apply faults."""
        loop = asyncio.get_running_loop()
        packets = self.peripheral.packets
        faults = self.sc.faults
        i = 0
        late: list[float] = []  # how late each packet went out (the emulator's own lag)
        while i < len(packets):
            if self.play_t0 is None:
                await asyncio.sleep(0.01)
                continue
            p = packets[i]
            delay = self.play_t0 + p.t_s - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if (faults.drop_at_s is not None and not self.dropped
                    and self.playback_s() >= faults.drop_at_s):
                self.dropped = True
                self.away_until = faults.drop_at_s + faults.away_s
                self._drop_link()
                self.record("dropped_link", playback_s=round(self.playback_s(), 3))
            if self.iface.connected and self.peripheral.sends(p):
                if faults.garbage_every and self.sent % faults.garbage_every == 0:
                    junk = bytes(self._rng.randrange(256)
                                 for _ in range(self._rng.randrange(0, 40)))
                    self.notify(p.char, junk)
                self.notify(p.char, self.peripheral.payload(p))
                self.sent += 1
                late.append(loop.time() - (self.play_t0 + p.t_s))
            i += 1
        late.sort()
        self.record("playback_done", sent=self.sent,
                    late_p99_s=round(late[int(0.99 * (len(late) - 1))], 4) if late else None,
                    late_max_s=round(late[-1], 4) if late else None)

    async def advertise(self) -> None:
        """While the adapter discovers, refresh RSSI (what an advertisement does)."""
        if not self.iface.connected and not self.away():
            self.iface.set(rssi=self.sc.rssi + self._rng.randint(-2, 2))


class Emulator:
    """The adapter, its devices, discovery, and the event log."""

    def __init__(self, bus: MessageBus, devices: list[DeviceScenario],
                 others: list[dict[str, Any]], log_path: Path | None = None) -> None:
        self.bus = bus
        self.adapter = Adapter1(self)
        self._log = log_path.open("a", encoding="utf-8") if log_path else None
        self.devices = [EmulatedDevice(bus, d, self.record) for d in devices]
        self.others = [
            (f"{ADAPTER_PATH}/dev_{o['address'].upper().replace(':', '_')}",
             Device1(_Inert(), adapter=ADAPTER_PATH, address=o["address"], name=o["name"],
                     rssi=int(o.get("rssi", -70)), uuids=list(o.get("uuids", []))))
            for o in others]
        self._advertiser: asyncio.Task[None] | None = None

    def record(self, **fields: Any) -> None:
        if self._log is not None:
            self._log.write(json.dumps({"t": round(time.time(), 6), **fields}) + "\n")
            self._log.flush()

    def start_discovery(self) -> None:
        if self._advertiser is None or self._advertiser.done():
            self._advertiser = asyncio.ensure_future(self._advertise())

    def stop_discovery(self) -> None:
        if self._advertiser is not None:
            self._advertiser.cancel()

    async def _advertise(self) -> None:
        while self.adapter.discovering:
            for d in self.devices:
                await d.advertise()
            for _, o in self.others:
                o.set(rssi=o.rssi)
            await asyncio.sleep(ADVERTISE_EVERY_S)

    async def run(self, stop: asyncio.Event) -> None:
        self.bus.export(ADAPTER_PATH, self.adapter)
        for d in self.devices:
            d.export()
        for path, o in self.others:
            self.bus.export(path, o)
        tasks = [asyncio.ensure_future(d.play()) for d in self.devices]
        self.record(event="ready")
        await stop.wait()
        for t in tasks:
            t.cancel()
        if self._log is not None:
            self._log.close()


class _Inert:
    """Hooks of an advertising-only device: it accepts no connection."""

    async def connect(self) -> None:
        raise failed("Page Timeout")

    async def disconnect(self) -> None:
        return None


def load_scenario(path: Path) -> tuple[list[DeviceScenario], list[dict[str, Any]]]:
    raw = json.loads(path.read_text())
    return ([DeviceScenario.from_dict(d) for d in raw.get("devices", [])],
            list(raw.get("others", [])))


async def serve(bus_address: str, scenario: Path, log_path: Path | None,
                stop: asyncio.Event, ready: Callable[[], None] | None = None) -> None:
    devices, others = load_scenario(scenario)
    bus = await MessageBus(bus_address=bus_address, bus_type=BusType.SYSTEM).connect()
    # dbus-fast drops the connection if a send would block (EAGAIN is not retried, seen
    # with 20 devices on a loaded 2-core machine); a deep socket buffer absorbs the
    # moments dbus-daemon is not scheduled.
    sock = getattr(bus, "_sock", None)
    if isinstance(sock, socket.socket):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)
    try:
        await bus.request_name("org.bluez")
        emulator = Emulator(bus, devices, others, log_path)
        runner = asyncio.ensure_future(emulator.run(stop))
        await asyncio.sleep(0)
        if ready is not None:
            ready()
        await runner
    finally:
        bus.disconnect()
