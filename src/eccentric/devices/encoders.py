"""Encode a simulated recording for a device kind (the driver kinds of
``eccentric.ble``). ``opts`` carries the converter LSB sizes and ranges."""

from __future__ import annotations

from typing import Any

from eccentric.core.chunk import ImuChunk
from eccentric.core.errors import EccentricError
from eccentric.devices.packets import Packet


def encode(kind: str, chunk: ImuChunk, rate_hz: float, opts: dict[str, Any]) -> list[Packet]:
    acc_lsb, gyro_lsb = float(opts["acc_lsb_g"]), float(opts["gyro_lsb_dps"])
    if kind == "polar_pmd":
        from eccentric.devices.polar_pmd import encoder as polar_pmd

        return polar_pmd.encode(chunk, acc_lsb_g=acc_lsb, gyro_lsb_dps=gyro_lsb,
                                rate_hz=rate_hz)
    if kind == "metawear":
        from eccentric.devices.metawear import encoder as metawear

        return metawear.encode(chunk, acc_lsb_g=acc_lsb, gyro_lsb_dps=gyro_lsb,
                               rate_hz=rate_hz, chip=str(opts.get("chip", "bmi160")))
    if kind == "movesense":
        from eccentric.devices.movesense import encoder as movesense

        return movesense.encode(chunk, rate_hz=rate_hz, ref=int(opts.get("ref", 99)))
    if kind == "witmotion":
        from eccentric.devices.witmotion import encoder as witmotion

        return witmotion.encode(chunk)
    if kind == "generic":
        from eccentric.devices.generic import encoder as generic

        return generic.encode(chunk, opts["config"], rate_hz)
    raise EccentricError(f"no packet encoder for device kind {kind!r}")
