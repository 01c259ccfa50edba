"""Encode a simulated recording for a device kind (the driver kinds of
``eccentric.sources.ble``). ``opts`` carries the converter LSB sizes and ranges."""

from __future__ import annotations

from typing import Any

from eccentric.chunk import ImuChunk
from eccentric.errors import EccentricError
from eccentric.simulator.packets import Packet


def encode(kind: str, chunk: ImuChunk, rate_hz: float, opts: dict[str, Any]) -> list[Packet]:
    acc_lsb, gyro_lsb = float(opts["acc_lsb_g"]), float(opts["gyro_lsb_dps"])
    if kind == "polar_pmd":
        from eccentric.simulator.packets import polar_pmd

        return polar_pmd.encode(chunk, acc_lsb_g=acc_lsb, gyro_lsb_dps=gyro_lsb,
                                rate_hz=rate_hz)
    if kind == "metawear":
        from eccentric.simulator.packets import metawear

        return metawear.encode(chunk, acc_lsb_g=acc_lsb, gyro_lsb_dps=gyro_lsb,
                               rate_hz=rate_hz, chip=str(opts.get("chip", "bmi160")))
    if kind == "movesense":
        from eccentric.simulator.packets import movesense

        return movesense.encode(chunk, rate_hz=rate_hz, ref=int(opts.get("ref", 99)))
    if kind == "witmotion":
        from eccentric.simulator.packets import witmotion

        return witmotion.encode(chunk)
    if kind == "generic":
        from eccentric.simulator.packets import generic

        return generic.encode(chunk, opts["config"], rate_hz)
    raise EccentricError(f"no packet encoder for device kind {kind!r}")
