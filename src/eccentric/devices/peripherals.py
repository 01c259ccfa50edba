"""How each emulated device behaves: its GATT table, its answers to commands, and which
of its pre-encoded packets it sends while streaming.

The behaviour follows the same protocol notes as the drivers (firmware_notes/), but is
written from the device's side: e.g. the Polar emulation answers ``01``/``02``/``03``
control-point commands with ``F0`` indications, keeps measuring across a dropped link
(so a restart gets ALREADY_IN_STATE, as the H10 does), and sends FACTOR in its start
answer; the Movesense emulation drops its subscriptions on disconnect.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from eccentric.devices.packets import Packet

log = logging.getLogger(__name__)

Notify = Callable[[str, bytes], None]

NOTIFY = ["notify"]
WRITE = ["write", "write-without-response"]


@dataclass
class Faults:
    """Misbehaviour for fault tests. Times are playback seconds since streaming began."""

    drop_at_s: float | None = None  # the device drops the link …
    away_s: float = 3.0  # … and refuses connections for this long
    garbage_every: int = 0  # a junk notification before every N-th packet
    silent_start: bool = False  # never act on (or answer) the start command

    @classmethod
    def from_dict(cls, raw: dict[str, Any] | None) -> Faults:
        return cls(**(raw or {}))


@dataclass
class GattChar:
    uuid: str
    flags: list[str]


@dataclass
class GattService:
    uuid: str
    chars: list[GattChar] = field(default_factory=list)


class Peripheral:
    """Base: override the GATT table, ``write``, ``read`` and ``sends``."""

    kind = ""
    advertised: ClassVar[tuple[str, ...]] = ()

    def __init__(self, packets: list[Packet], options: dict[str, Any], faults: Faults,
                 notify: Notify, record: Callable[..., None]) -> None:
        self.packets = packets
        self.options = options
        self.faults = faults
        self._notify = notify
        self.record = record  # emulator event log (tests read it)
        self.playing = False  # the playback clock runs from the first start

    def gatt(self) -> list[GattService]:
        raise NotImplementedError

    def advertised_uuids(self) -> list[str]:
        return list(self.advertised)

    def write(self, char: str, data: bytes) -> None:
        return None

    def read(self, char: str) -> bytes:
        return b""

    def notifications(self, char: str, enabled: bool) -> None:
        return None

    def sends(self, packet: Packet) -> bool:
        """Whether this packet goes out now (its stream is running)."""
        return False

    def payload(self, packet: Packet) -> bytes:
        return packet.data

    def disconnected(self) -> None:
        return None

    def notify(self, char: str, data: bytes) -> None:
        self._notify(char, data)


# ------------------------------------------------------------------ Polar PMD

PMD_SERVICE = "fb005c80-02e7-f387-1cad-8acd2d8df0c8"
PMD_CP = "fb005c81-02e7-f387-1cad-8acd2d8df0c8"
PMD_DATA = "fb005c82-02e7-f387-1cad-8acd2d8df0c8"
HEART_RATE_SERVICE = "0000180d-0000-1000-8000-00805f9b34fb"
BATTERY_SERVICE = "0000180f-0000-1000-8000-00805f9b34fb"
BATTERY_LEVEL = "00002a19-0000-1000-8000-00805f9b34fb"


class PolarPeripheral(Peripheral):
    """A Verity Sense in normal mode: ACC and GYRO at 52 Hz, delta frames with FACTOR."""

    kind = "polar_pmd"
    advertised = (HEART_RATE_SERVICE,)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rate = int(self.options.get("rate", 52))
        self.factor = {2: float(self.options["acc_lsb_g"]),
                       5: float(self.options["gyro_lsb_dps"])}
        self.ranges = {2: int(self.options.get("acc_range_g", 8)),
                       5: int(self.options.get("gyro_range_dps", 2000))}
        self.measuring: set[int] = set()  # survives a dropped link (H10 known issue)

    def gatt(self) -> list[GattService]:
        return [GattService(HEART_RATE_SERVICE, [GattChar(
                    "00002a37-0000-1000-8000-00805f9b34fb", NOTIFY)]),
                GattService(BATTERY_SERVICE, [GattChar(BATTERY_LEVEL, ["read", "notify"])]),
                GattService(PMD_SERVICE, [GattChar(PMD_CP, ["read", "write", "indicate"]),
                                          GattChar(PMD_DATA, NOTIFY)])]

    def read(self, char: str) -> bytes:
        if char == BATTERY_LEVEL:
            return bytes([int(self.options.get("battery_pct", 87))])
        return bytes([0x0F, 0x6E, 0x00]) if char == PMD_CP else b""

    def _settings(self, kind: int) -> bytes:
        out = struct.pack("<BBH", 0, 1, self.rate) + struct.pack("<BBH", 1, 1, 16)
        out += struct.pack("<BBH", 2, 1, self.ranges.get(kind, 8)) + bytes([4, 1, 3])
        return out

    def write(self, char: str, data: bytes) -> None:
        if char != PMD_CP or len(data) < 2:
            return
        op, kind = data[0], data[1]
        if op == 0x01:
            self._answer(op, kind, 0, self._settings(kind) if kind in self.factor else b"")
        elif op == 0x02:
            if self.faults.silent_start:
                self.record("ignored_start", hex=data.hex())
                return
            if kind not in self.factor:
                self._answer(op, kind, 3)  # NOT_SUPPORTED
            elif kind in self.measuring:
                self._answer(op, kind, 6)  # ALREADY_IN_STATE
            elif struct.unpack_from("<H", data, 4)[0] != self.rate:
                self._answer(op, kind, 8)  # INVALID_SAMPLE_RATE
            else:
                self.measuring.add(kind)
                self.playing = True
                self._answer(op, kind, 0, bytes([5, 1]) + struct.pack("<f", self.factor[kind]))
        elif op == 0x03:
            was = kind in self.measuring
            self.measuring.discard(kind)
            self.record("stopped", measurement=kind)
            self._answer(op, kind, 0 if was else 6)
        else:
            self._answer(op, kind, 1)  # INVALID_OP_CODE

    def _answer(self, op: int, kind: int, status: int, params: bytes = b"") -> None:
        self.notify(PMD_CP, bytes([0xF0, op, kind, status, 0]) + params)

    def sends(self, packet: Packet) -> bool:
        return packet.data[0] in self.measuring


# ------------------------------------------------------------------ MetaWear

MW_SERVICE = "326a9000-85cb-9195-d9dd-464cfbbae75a"
MW_COMMAND = "326a9001-85cb-9195-d9dd-464cfbbae75a"
MW_NOTIFY = "326a9006-85cb-9195-d9dd-464cfbbae75a"


class MetaWearPeripheral(Peripheral):
    """A MetaMotion: register writes switch the accelerometer and gyro streams."""

    kind = "metawear"
    advertised = (MW_SERVICE,)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.powered: set[int] = set()
        self.subscribed: set[int] = set()
        self.config: dict[int, bytes] = {}
        chip = self.options.get("chip", "bmi160")
        self.data_regs = {0x03: (0x04, 0x1C if chip == "bmi160" else 0x05),
                          0x13: (0x05, 0x07) if chip == "bmi160" else (0x04, 0x05)}

    def gatt(self) -> list[GattService]:
        return [GattService(MW_SERVICE, [GattChar(MW_COMMAND, WRITE),
                                         GattChar(MW_NOTIFY, NOTIFY)])]

    def write(self, char: str, data: bytes) -> None:
        if char != MW_COMMAND or len(data) < 3:
            return
        module, reg, value = data[0], data[1], data[2]
        if module not in self.data_regs:
            return
        if reg == 0x03:
            self.config[module] = data[2:]
        elif reg in self.data_regs[module]:
            (self.subscribed.add if value else self.subscribed.discard)(module)
        elif reg == 0x01:
            if value and self.faults.silent_start:
                self.record("ignored_start", hex=data.hex())
                return
            if value:
                self.powered.add(module)
                self.playing = True
            else:
                self.powered.discard(module)
                self.record("stopped", module=module)

    def sends(self, packet: Packet) -> bool:
        module = packet.data[0]
        return module in self.powered and module in self.subscribed


# ------------------------------------------------------------------ Movesense (GSP)

GSP_SERVICE = "34802252-7185-4d5d-b431-630e7050e8f0"
GSP_COMMAND = "34800001-7185-4d5d-b431-630e7050e8f0"
GSP_DATA = "34800002-7185-4d5d-b431-630e7050e8f0"


class MovesensePeripheral(Peripheral):
    """The gatt_sensordata_app sample: subscriptions by resource path and reference;
    all of them end when the link drops (so the sensor does not stay on)."""

    kind = "movesense"
    advertised = (GSP_SERVICE,)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.resource = f"/Meas/IMU6/{round(float(self.options.get('rate', 104)))}"
        self.ref: int | None = None

    def gatt(self) -> list[GattService]:
        return [GattService(GSP_SERVICE, [GattChar(GSP_COMMAND, WRITE),
                                          GattChar(GSP_DATA, NOTIFY)])]

    def write(self, char: str, data: bytes) -> None:
        if char != GSP_COMMAND or len(data) < 2:
            return
        cmd, ref = data[0], data[1]
        if cmd == 1:
            if self.faults.silent_start:
                self.record("ignored_start", hex=data.hex())
                return
            path = data[2:].decode("ascii", "replace")
            if path != self.resource:
                self._result(ref, 404)
                return
            self.ref = ref
            self.playing = True
            self._result(ref, 200)
        elif cmd == 2:
            if self.ref == ref:
                self.ref = None
                self.record("stopped", ref=ref)
            self._result(ref, 200)
        elif cmd == 0:
            self.notify(GSP_DATA, bytes([1, ref]) + b"Hello")

    def _result(self, ref: int, status: int) -> None:
        self.notify(GSP_DATA, bytes([1, ref]) + status.to_bytes(2, "little"))

    def sends(self, packet: Packet) -> bool:
        return self.ref is not None

    def payload(self, packet: Packet) -> bytes:
        return packet.data[:1] + bytes([self.ref or 0]) + packet.data[2:]

    def disconnected(self) -> None:
        self.ref = None


# ------------------------------------------------------------------ WitMotion

WIT_SERVICE = "0000ffe5-0000-1000-8000-00805f9a34fb"
WIT_NOTIFY = "0000ffe4-0000-1000-8000-00805f9a34fb"
WIT_WRITE = "0000ffe9-0000-1000-8000-00805f9a34fb"
WIT_RATES = {0x03: 1.0, 0x05: 5.0, 0x06: 10.0, 0x08: 50.0, 0x09: 100.0, 0x0B: 200.0}


class WitMotionPeripheral(Peripheral):
    """Streams whenever notifications are on; the rate register is honoured only if it
    matches the recording (the emulator cannot resample)."""

    kind = "witmotion"
    advertised = (WIT_SERVICE,)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.on = False

    def gatt(self) -> list[GattService]:
        return [GattService(WIT_SERVICE, [GattChar(WIT_NOTIFY, NOTIFY),
                                          GattChar(WIT_WRITE, WRITE)])]

    def write(self, char: str, data: bytes) -> None:
        if char == WIT_WRITE and len(data) == 5 and data[:3] == b"\xff\xaa\x03":
            rate = WIT_RATES.get(data[3])
            if rate != float(self.options.get("rate", 100)):
                log.warning("witmotion: rate %s Hz asked, the recording has %s Hz", rate,
                            self.options.get("rate"))

    def notifications(self, char: str, enabled: bool) -> None:
        if char != WIT_NOTIFY:
            return
        if enabled and self.faults.silent_start:
            self.record("ignored_start")
            return
        self.on = enabled
        if enabled:
            self.playing = True
        else:
            self.record("stopped")

    def sends(self, packet: Packet) -> bool:
        return self.on

    def disconnected(self) -> None:
        self.on = False


# ------------------------------------------------------------------ generic (DIY)


class GenericPeripheral(Peripheral):
    """A DIY band as its TOML config describes it: start/stop writes, or streaming as
    soon as notifications are on when the config lists no start command."""

    kind = "generic"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cfg = self.options["config"]
        self.cfg = cfg
        self.start_cmds = [bytes.fromhex(h) for h in cfg.get("start", [])]
        self.stop_cmds = [bytes.fromhex(h) for h in cfg.get("stop", [])]
        self.on = False

    def advertised_uuids(self) -> list[str]:
        return [str(u).lower() for u in self.cfg.get("match_services", [])]

    def gatt(self) -> list[GattService]:
        chars = [GattChar(str(self.cfg["notify"]).lower(), NOTIFY)]
        if self.cfg.get("write"):
            chars.append(GattChar(str(self.cfg["write"]).lower(), WRITE))
        service = str(self.cfg.get("service", "0000fff0-0000-1000-8000-00805f9b34fb"))
        return [GattService(service.lower(), chars)]

    def write(self, char: str, data: bytes) -> None:
        if data in self.start_cmds and not self.faults.silent_start:
            self.on = self.playing = True
        elif data in self.stop_cmds:
            self.on = False
            self.record("stopped")

    def notifications(self, char: str, enabled: bool) -> None:
        if not self.start_cmds and enabled and not self.faults.silent_start:
            self.on = self.playing = True

    def sends(self, packet: Packet) -> bool:
        return self.on

    def disconnected(self) -> None:
        self.on = False


KINDS: dict[str, type[Peripheral]] = {
    cls.kind: cls for cls in (PolarPeripheral, MetaWearPeripheral, MovesensePeripheral,
                              WitMotionPeripheral, GenericPeripheral)
}
