"""The emulated DIY band a generic-driver TOML config describes."""

from __future__ import annotations

from typing import Any

from eccentric.devices.base import uuid16
from eccentric.devices.emulation import NOTIFY_FLAGS, WRITE_FLAGS, GattChar, GattService, Peripheral
from eccentric.devices.packets import Packet

DEFAULT_SERVICE = uuid16(0xFFF0)  # when the config names none


class GenericPeripheral(Peripheral):
    """A DIY band as its TOML config describes it: start/stop writes, or streaming as
    soon as notifications are on when the config lists no start command."""


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
        chars = [GattChar(str(self.cfg["notify"]).lower(), NOTIFY_FLAGS)]
        if self.cfg.get("write"):
            chars.append(GattChar(str(self.cfg["write"]).lower(), WRITE_FLAGS))
        service = str(self.cfg.get("service", DEFAULT_SERVICE))
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
