"""The emulated MetaMotion: register writes switch the accelerometer and gyro streams."""

from __future__ import annotations

from typing import Any

from eccentric.devices.emulation import NOTIFY_FLAGS, WRITE_FLAGS, GattChar, GattService, Peripheral
from eccentric.devices.metawear.driver import (
    COMMAND,
    DATA_REGS,
    DEFAULT_CHIP,
    MODULES,
    NOTIFY,
    REG_CONFIG,
    REG_POWER,
    SERVICE,
)
from eccentric.devices.packets import Packet


class MetaWearPeripheral(Peripheral):
    """A MetaMotion: register writes switch the accelerometer and gyro streams."""

    advertised = (SERVICE,)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.powered: set[int] = set()
        self.subscribed: set[int] = set()
        self.config: dict[int, bytes] = {}
        chip = self.options.get("chip", DEFAULT_CHIP)
        # module → (single, packed) data registers
        self.data_regs = {m: DATA_REGS[(chip, m)] for m in MODULES.values()}

    def gatt(self) -> list[GattService]:
        return [GattService(SERVICE, [GattChar(COMMAND, WRITE_FLAGS),
                                      GattChar(NOTIFY, NOTIFY_FLAGS)])]

    def write(self, char: str, data: bytes) -> None:
        if char != COMMAND or len(data) < 3:
            return
        module, reg, value = data[0], data[1], data[2]
        if module not in self.data_regs:
            return
        if reg == REG_CONFIG:
            self.config[module] = data[2:]
        elif reg in self.data_regs[module]:
            (self.subscribed.add if value else self.subscribed.discard)(module)
        elif reg == REG_POWER:
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
