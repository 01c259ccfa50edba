"""A driver configured by a small TOML file, so a DIY band needs no code.

Example (firmware_notes/generic.md explains every key)::

    name = "diy_band"
    match_names = ["DIY-IMU"]
    notify = "6e400003-b5a3-f393-e0a9-e50e24dcca9e"
    write = "6e400002-b5a3-f393-e0a9-e50e24dcca9e"
    start = ["01"]
    stop = ["00"]
    rate_hz = 100

    [packet]
    header = "<H"
    header_fields = ["counter"]       # counter | t_ms | t_us | _
    sample = "<6h"
    sample_fields = ["ax", "ay", "az", "gx", "gy", "gz"]

    [scale]
    acc = 0.000244       # raw × acc → acc_unit
    acc_unit = "g"       # g | mg | m/s2
    gyro = 0.07
    gyro_unit = "dps"    # dps | rad/s
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import Any

import numpy as np

from eccentric.core.errors import EccentricError
from eccentric.core.units import RAD_PER_DEG, STANDARD_GRAVITY_MPS2
from eccentric.devices.base import (
    DecodeStats,
    DriverSpec,
    Frame,
    GattOp,
    GattRead,
    GattWrite,
    RateLimitedLog,
    Reply,
    Stream,
    Timing,
    reject,
    screen,
)

KIND = "generic"
AXES = ("ax", "ay", "az", "gx", "gy", "gz")
HEADER_FIELDS = ("counter", "t_ms", "t_us", "_")
ACC_UNITS = {"g": STANDARD_GRAVITY_MPS2, "mg": STANDARD_GRAVITY_MPS2 / 1000.0, "m/s2": 1.0}
GYRO_UNITS = {"dps": RAD_PER_DEG, "rad/s": 1.0}


def _err(message: str) -> EccentricError:
    return EccentricError(f"generic driver config: {message}")


def _struct(fmt: str, fields: list[str], what: str) -> struct.Struct:
    try:
        s = struct.Struct(fmt)
    except struct.error as exc:
        raise _err(f"{what} format {fmt!r}: {exc}") from None
    if fmt[:1] not in "<>!=@":
        raise _err(f"{what} format {fmt!r} must start with a byte order (< or >)")
    items = len(s.unpack(bytes(s.size)))
    if items != len(fields):
        raise _err(f"{what} format {fmt!r} has {items} values but {len(fields)} field names")
    return s


class Generic:
    """Decodes fixed-layout packets: optional prefix, header, then N sample records."""

    kind = KIND
    min_mtu = 23
    streams: tuple[Stream, ...] = ("imu",)

    def __init__(self, options: Mapping[str, Any]) -> None:
        cfg = options.get("config")
        if not isinstance(cfg, Mapping):
            raise _err("missing (give --generic-config FILE)")
        self.config = dict(cfg)
        try:
            self.sensor = str(cfg.get("name", "generic"))
            self.notify = str(cfg["notify"]).lower()
            self.write_char = str(cfg["write"]).lower() if cfg.get("write") else None
            self.rate_hz = float(cfg["rate_hz"])
            self._start = [bytes.fromhex(h) for h in cfg.get("start", [])]
            self._stop = [bytes.fromhex(h) for h in cfg.get("stop", [])]
            self.write_response = bool(cfg.get("write_response", True))
            pkt = dict(cfg.get("packet", {}))
            scale = dict(cfg.get("scale", {}))
            self.prefix = bytes.fromhex(str(pkt.get("prefix", "")))
            self.header_fields = [str(f) for f in pkt.get("header_fields", [])]
            self.header = _struct(str(pkt.get("header", "<")), self.header_fields, "header")
            self.sample_fields = [str(f) for f in pkt["sample_fields"]]
            self.sample = _struct(str(pkt["sample"]), self.sample_fields, "sample")
            self.samples = int(pkt.get("samples", 0))
            self.counter_unit = str(pkt.get("counter_unit", "sample"))
            counter_bits = int(pkt.get("counter_bits", 8 * self._field_size("counter")))
            acc_scale = float(scale["acc"]) * ACC_UNITS[str(scale.get("acc_unit", "g"))]
            gyro_scale = float(scale["gyro"]) * GYRO_UNITS[str(scale.get("gyro_unit", "dps"))]
        except KeyError as exc:
            raise _err(f"missing or unknown value {exc}") from None
        except (TypeError, ValueError) as exc:
            raise _err(str(exc)) from None
        if (self.write_char is None) and (self._start or self._stop):
            raise _err("start/stop commands need a 'write' characteristic")
        if not self.rate_hz > 0:
            raise _err("rate_hz must be positive")
        missing = [a for a in AXES if a not in self.sample_fields]
        if missing:
            raise _err(f"sample_fields lacks {', '.join(missing)}")
        bad = [f for f in self.header_fields if f not in HEADER_FIELDS]
        if bad:
            raise _err(f"unknown header field(s) {bad}; use {', '.join(HEADER_FIELDS)}")
        if self.counter_unit not in ("sample", "packet"):
            raise _err("counter_unit must be 'sample' or 'packet'")
        if self.counter_unit == "packet" and self.samples <= 0:
            raise _err("a packet counter needs a fixed 'samples' per packet")
        self._columns = [self.sample_fields.index(a) for a in AXES]
        self._scale = np.array([acc_scale] * 3 + [gyro_scale] * 3)
        self.timing: Timing = ("counter" if "counter" in self.header_fields else
                               "device" if {"t_ms", "t_us"} & set(self.header_fields)
                               else "arrival")
        self.counter_modulus = (1 << counter_bits) * (self.samples if self.counter_unit ==
                                                      "packet" else 1)
        self.samples_per_packet = max(self.samples, 1)
        self.notify_chars: tuple[str, ...] = (self.notify,)
        self.stats = DecodeStats()
        self._warn = RateLimitedLog(f"generic {self.sensor}")

    def _field_size(self, name: str) -> int:
        if name not in self.header_fields:
            return 2
        fmt = self.header.format
        order, codes = fmt[0], [c for c in fmt[1:] if not c.isdigit()]
        return struct.calcsize(order + codes[self.header_fields.index(name)])

    def options(self) -> dict[str, Any]:
        return {"config": self.config}

    def configure(self) -> list[GattOp]:
        return []

    def _writes(self, datas: list[bytes], what: str) -> list[GattOp]:
        assert self.write_char is not None or not datas
        return [GattWrite(self.write_char or "", d, response=self.write_response, what=what)
                for d in datas]

    def start(self) -> list[GattOp]:
        return self._writes(self._start, "start")

    def stop(self) -> list[GattOp]:
        return self._writes(self._stop, "stop")

    def on_reply(self, op: GattWrite, data: bytes) -> Reply | list[GattOp]:
        return Reply.DONE

    def on_read(self, op: GattRead, data: bytes) -> None:
        return None

    def decode(self, char: str, data: bytes) -> list[Frame]:
        if not screen(self.stats, self._warn, char, self.notify, data):
            return []
        if not data.startswith(self.prefix):
            return reject(self.stats, self._warn, "packet lacks the configured prefix")
        body = data[len(self.prefix):]
        if len(body) < self.header.size:
            return reject(self.stats, self._warn, f"{len(data)}-byte packet is too short")
        head = dict(zip(self.header_fields, self.header.unpack_from(body), strict=True))
        rest = body[self.header.size:]
        size = self.sample.size
        n = len(rest) // size if self.samples <= 0 else self.samples
        if n == 0 or len(rest) != n * size:
            return reject(self.stats, self._warn,
                          f"{len(rest)} sample bytes are not {'N' if self.samples <= 0 else n}"
                          f" × {size}-byte samples")
        raw = np.array(list(self.sample.iter_unpack(rest)), dtype=np.float64)
        values = raw[:, self._columns] * self._scale
        if not np.isfinite(values).all():
            return reject(self.stats, self._warn, "packet decodes to non-finite values")
        counter = stamp = None
        if "counter" in head:
            c = int(head["counter"])
            counter = c * n if self.counter_unit == "packet" else c
        if "t_ms" in head:
            stamp = int(head["t_ms"]) * 1_000_000
        elif "t_us" in head:
            stamp = int(head["t_us"]) * 1_000
        self.stats.samples += n
        return [Frame("imu", values, stamp_ns=stamp, stamp_index=0, counter=counter)]


def spec_for(config: Mapping[str, Any]) -> DriverSpec:
    """A scan matcher and factory for one configured DIY sensor."""
    Generic({"config": config})  # validate now, with a clear message
    names = tuple(str(n) for n in config.get("match_names", []))
    uuids = tuple(str(u).lower() for u in config.get("match_services", []))

    def match(name: str | None, advertised: list[str]) -> bool:
        if {u.lower() for u in advertised} & set(uuids):
            return True
        return name is not None and bool(names) and name.startswith(names)

    return DriverSpec(kind=KIND, title=f"generic: {config.get('title', config.get('name'))}",
                      service_uuids=uuids, name_prefixes=names,
                      create=lambda opts: Generic({"config": config, **opts}), match=match)


DRIVER_SPEC = DriverSpec(
    kind=KIND, title="any sensor described by a TOML file (--generic-config)",
    service_uuids=(), name_prefixes=(), create=Generic,
    options_help="config=<the parsed TOML> (given by --generic-config FILE)",
)
