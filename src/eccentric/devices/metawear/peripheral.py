"""The emulated MetaMotion: register writes switch the accelerometer and gyro streams."""

from __future__ import annotations

from typing import Any

from eccentric.devices.emulation import NOTIFY, WRITE, GattChar, GattService, Peripheral
from eccentric.devices.packets import Packet

MW_SERVICE = "326a9000-85cb-9195-d9dd-464cfbbae75a"
MW_COMMAND = "326a9001-85cb-9195-d9dd-464cfbbae75a"
MW_NOTIFY = "326a9006-85cb-9195-d9dd-464cfbbae75a"


class MetaWearPeripheral(Peripheral):
    """A MetaMotion: register writes switch the accelerometer and gyro streams."""

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
