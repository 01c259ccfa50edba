"""Packets of a DIY sensor described by a generic-driver TOML config (the inverse of
``eccentric.devices.generic.driver``): prefix, header (counter / ms stamp), N samples."""

from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import Any

import numpy as np

from eccentric.core.chunk import ImuChunk
from eccentric.devices.generic.driver import ACC_UNITS, AXES, GYRO_UNITS
from eccentric.devices.packets import Packet, packets_of, runs


def encode(chunk: ImuChunk, config: dict[str, Any], rate_hz: float) -> list[Packet]:
    pkt, scale = config["packet"], config["scale"]
    per = int(pkt.get("samples", 0)) or 4
    header = struct.Struct(pkt.get("header", "<"))
    sample = struct.Struct(pkt["sample"])
    hfields, sfields = list(pkt.get("header_fields", [])), list(pkt["sample_fields"])
    bits = int(pkt.get("counter_bits", 16))
    acc = chunk.acc_mps2 / (float(scale["acc"]) * ACC_UNITS[scale.get("acc_unit", "g")])
    gyro = chunk.gyro_rads / (float(scale["gyro"]) * GYRO_UNITS[scale.get("gyro_unit", "dps")])
    raw = np.rint(np.concatenate([acc, gyro], axis=1)).astype(np.int64)
    axes = {a: i for i, a in enumerate(AXES)}
    prefix = bytes.fromhex(pkt.get("prefix", ""))
    out: list[Packet] = []
    for a, b in runs(chunk.t_s, rate_hz):
        for i, j in packets_of(a, b, per):
            k = round(float(chunk.t_s[i]) * rate_hz)  # sample index on the device's grid
            head = {"counter": (k if pkt.get("counter_unit", "sample") == "sample"
                                else k // per) % (1 << bits),
                    "t_ms": round(float(chunk.t_s[i]) * 1000.0),
                    "t_us": round(float(chunk.t_s[i]) * 1e6), "_": 0}
            body = header.pack(*[head[f] for f in hfields])
            for r in raw[i:j]:
                body += sample.pack(*[int(r[axes[f]]) if f in axes else 0 for f in sfields])
            out.append(Packet(float(chunk.t_s[j - 1]), str(config["notify"]).lower(),
                              prefix + body))
    return out


def encode_session(chunk: ImuChunk, rate_hz: float, opts: Mapping[str, Any]) -> list[Packet]:
    """A simulated recording as the emulated DIY band of ``opts["config"]`` streams it."""
    return encode(chunk, opts["config"], rate_hz)
