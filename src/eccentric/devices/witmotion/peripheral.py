"""The emulated WitMotion BWT901BLE: streams whenever notifications are on."""

from __future__ import annotations

import logging
from typing import Any

from eccentric.devices.emulation import NOTIFY_FLAGS, WRITE_FLAGS, GattChar, GattService, Peripheral
from eccentric.devices.packets import Packet
from eccentric.devices.witmotion.driver import (
    COMMAND,
    DEFAULT_RATE_HZ,
    KIND,
    NOTIFY,
    RATE_CODES,
    REG_RATE,
    SERVICE,
    WRITE,
)

log = logging.getLogger(__name__)

RATES = {code: rate for rate, code in RATE_CODES.items()}  # register value → Hz


class WitMotionPeripheral(Peripheral):
    """Streams whenever notifications are on; the rate register is honoured only if it
    matches the recording (the emulator cannot resample)."""

    advertised = (SERVICE,)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.on = False

    def gatt(self) -> list[GattService]:
        return [GattService(SERVICE, [GattChar(NOTIFY, NOTIFY_FLAGS),
                                      GattChar(WRITE, WRITE_FLAGS)])]

    def write(self, char: str, data: bytes) -> None:
        if char == WRITE and len(data) == 5 and data[:3] == COMMAND + bytes([REG_RATE]):
            rate = RATES.get(data[3])
            if rate != float(self.options.get("rate", DEFAULT_RATE_HZ)):
                log.warning("%s: rate %s Hz asked, the recording has %s Hz", KIND, rate,
                            self.options.get("rate"))

    def notifications(self, char: str, enabled: bool) -> None:
        if char != NOTIFY:
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
