"""The emulated Movesense (gatt_sensordata_app): subscriptions by resource path."""

from __future__ import annotations

from typing import Any

from eccentric.devices.emulation import NOTIFY, WRITE, GattChar, GattService, Peripheral
from eccentric.devices.packets import Packet

GSP_SERVICE = "34802252-7185-4d5d-b431-630e7050e8f0"
GSP_COMMAND = "34800001-7185-4d5d-b431-630e7050e8f0"
GSP_DATA = "34800002-7185-4d5d-b431-630e7050e8f0"


class MovesensePeripheral(Peripheral):
    """The gatt_sensordata_app sample: subscriptions by resource path and reference;
    all of them end when the link drops (so the sensor does not stay on)."""

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
