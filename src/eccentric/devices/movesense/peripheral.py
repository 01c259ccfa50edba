"""The emulated Movesense (gatt_sensordata_app): subscriptions by resource path."""

from __future__ import annotations

from typing import Any

from eccentric.devices.emulation import NOTIFY_FLAGS, WRITE_FLAGS, GattChar, GattService, Peripheral
from eccentric.devices.movesense.driver import (
    CMD_HELLO,
    CMD_SUBSCRIBE,
    CMD_UNSUBSCRIBE,
    COMMAND,
    DATA,
    DEFAULT_RATE_HZ,
    MSG_RESULT,
    SERVICE,
    resource_path,
)
from eccentric.devices.packets import Packet


class MovesensePeripheral(Peripheral):
    """The gatt_sensordata_app sample: subscriptions by resource path and reference;
    all of them end when the link drops (so the sensor does not stay on)."""

    advertised = (SERVICE,)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.resource = resource_path(float(self.options.get("rate", DEFAULT_RATE_HZ)))
        self.ref: int | None = None

    def gatt(self) -> list[GattService]:
        return [GattService(SERVICE, [GattChar(COMMAND, WRITE_FLAGS),
                                      GattChar(DATA, NOTIFY_FLAGS)])]

    def write(self, char: str, data: bytes) -> None:
        if char != COMMAND or len(data) < 2:
            return
        cmd, ref = data[0], data[1]
        if cmd == CMD_SUBSCRIBE:
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
        elif cmd == CMD_UNSUBSCRIBE:
            if self.ref == ref:
                self.ref = None
                self.record("stopped", ref=ref)
            self._result(ref, 200)
        elif cmd == CMD_HELLO:
            self.notify(DATA, bytes([MSG_RESULT, ref]) + b"Hello")

    def _result(self, ref: int, status: int) -> None:
        self.notify(DATA, bytes([MSG_RESULT, ref]) + status.to_bytes(2, "little"))

    def sends(self, packet: Packet) -> bool:
        return self.ref is not None

    def payload(self, packet: Packet) -> bytes:
        return packet.data[:1] + bytes([self.ref or 0]) + packet.data[2:]

    def disconnected(self) -> None:
        self.ref = None
