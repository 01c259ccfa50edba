"""The emulated WitMotion BWT901BLE: streams whenever notifications are on."""

from __future__ import annotations

import logging
from typing import Any

from eccentric.devices.emulation import NOTIFY, WRITE, GattChar, GattService, Peripheral
from eccentric.devices.packets import Packet

log = logging.getLogger(__name__)

WIT_SERVICE = "0000ffe5-0000-1000-8000-00805f9a34fb"
WIT_NOTIFY = "0000ffe4-0000-1000-8000-00805f9a34fb"
WIT_WRITE = "0000ffe9-0000-1000-8000-00805f9a34fb"
WIT_RATES = {0x03: 1.0, 0x05: 5.0, 0x06: 10.0, 0x08: 50.0, 0x09: 100.0, 0x0B: 200.0}


class WitMotionPeripheral(Peripheral):
    """Streams whenever notifications are on; the rate register is honoured only if it
    matches the recording (the emulator cannot resample)."""

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
