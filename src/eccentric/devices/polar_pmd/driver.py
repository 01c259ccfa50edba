"""Polar Measurement Data (PMD): Verity Sense (acc + gyro [+ mag]) and H10 (acc only).

Protocol summary (firmware_notes/polar_pmd.md has the details and sources):

* Control point (CP) ``…5c81``: write ``[op, measurement, settings…]``; the answer comes
  as an indication ``F0 op type status more params…``. Data ``…5c82``: one frame per
  notification ``type | uint64 ns (since 2000, stamps the LAST sample) | frame type |
  content``.
* Frame content is either raw little-endian integers or delta-compressed: a reference
  sample, then blocks ``bits, count, packed deltas``. Deltas are read least significant
  bit first. bleakheart reads them most significant bit first, which is only right when
  ``bits`` is a multiple of 8 (notes §1.5, checked on Polar's own 10-bit test vector).
* FACTOR (float32) arrives in the start response and scales compressed values.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from eccentric.core.units import RAD_PER_DEG, STANDARD_GRAVITY_MPS2
from eccentric.devices.base import (
    MAX_NOTIFICATION_BYTES,
    DecodeStats,
    DeviceError,
    DriverSpec,
    Frame,
    GattOp,
    GattRead,
    GattWrite,
    RateLimitedLog,
    Reply,
    Stream,
    Timing,
    option,
    reject,
)

IntArray = npt.NDArray[np.int64]

KIND = "polar_pmd"
NAME_PREFIXES = ("Polar Sense", "Polar H10", "Polar OH1")
PMD_SERVICE = "fb005c80-02e7-f387-1cad-8acd2d8df0c8"
PMD_CP = "fb005c81-02e7-f387-1cad-8acd2d8df0c8"
PMD_DATA = "fb005c82-02e7-f387-1cad-8acd2d8df0c8"

MEAS_ECG, MEAS_PPG, MEAS_ACC, MEAS_PPI, MEAS_GYRO, MEAS_MAG = 0, 1, 2, 3, 5, 6
MEAS_NAMES = {0: "ECG", 1: "PPG", 2: "ACC", 3: "PPI", 5: "GYRO", 6: "MAG", 7: "SKIN_TEMP",
              9: "SDK_MODE"}

OP_GET_SETTINGS, OP_START, OP_STOP = 0x01, 0x02, 0x03
CP_RESPONSE = 0xF0
CP_MEASUREMENT_STOPPED = 0x01  # unsolicited: the device stopped a stream by itself
FEATURE_READ = 0x0F

# Settings TLV: type → (name, bytes per value). FACTOR is float32, SECURITY 16 bytes.
SETTING_SAMPLE_RATE, SETTING_RESOLUTION, SETTING_RANGE = 0, 1, 2
SETTING_CHANNELS, SETTING_FACTOR = 4, 5
SETTING_FIELDS = {0: ("sample_rate", 2), 1: ("resolution", 2), 2: ("range", 2),
                  3: ("range_milliunit", 4), 4: ("channels", 1), 5: ("factor", 4),
                  6: ("security", 16)}

STATUS_NAMES = {
    0: "SUCCESS", 1: "INVALID_OP_CODE", 2: "INVALID_MEASUREMENT_TYPE", 3: "NOT_SUPPORTED",
    4: "INVALID_LENGTH", 5: "INVALID_PARAMETER", 6: "ALREADY_IN_STATE",
    7: "INVALID_RESOLUTION", 8: "INVALID_SAMPLE_RATE", 9: "INVALID_RANGE", 10: "INVALID_MTU",
    11: "INVALID_NUMBER_OF_CHANNELS", 12: "INVALID_STATE", 13: "DEVICE_IN_CHARGER",
    14: "DISK_FULL",
}
STATUS_ALREADY_IN_STATE = 6

MIN_MTU = 232  # old PMD spec prerequisite
MAX_FRAME_SAMPLES = 4096  # a 512-byte frame of 1-bit deltas on 3 channels holds ~1360


class PmdFormatError(ValueError):
    """A data frame that does not follow the PMD layout."""


# ----------------------------------------------------------------- frames


@dataclass(frozen=True, slots=True)
class PmdFrame:
    measurement: int
    timestamp_ns: int  # since 2000-01-01 UTC, of the last sample
    frame_type: int  # low 7 bits
    compressed: bool
    content: bytes


def parse_frame(data: bytes) -> PmdFrame:
    if len(data) < 10:
        raise PmdFormatError(f"frame of {len(data)} bytes is shorter than the 10-byte header")
    return PmdFrame(data[0] & 0x3F, int.from_bytes(data[1:9], "little"), data[9] & 0x7F,
                    bool(data[9] & 0x80), bytes(data[10:]))


def decode_raw(content: bytes, value_bytes: int, channels: int) -> IntArray:
    """Uncompressed samples: ``channels`` signed little-endian values per sample."""
    size = value_bytes * channels
    if not content or len(content) % size:
        raise PmdFormatError(f"raw content of {len(content)} bytes is not a whole number "
                             f"of {size}-byte samples")
    raw = np.frombuffer(content, dtype=np.uint8).reshape(-1, value_bytes).astype(np.int64)
    vals = raw @ (1 << (8 * np.arange(value_bytes, dtype=np.int64)))
    sign = 1 << (8 * value_bytes - 1)
    vals = np.where(vals & sign, vals - (sign << 1), vals)
    out: IntArray = vals.reshape(-1, channels)
    return out


def unpack_deltas(packed: bytes, bits: int, channels: int, count: int) -> IntArray:
    """``count`` × ``channels`` signed ``bits``-wide values, least significant bit first.

    Bit j of the stream is bit (j mod 8) of byte j // 8; the first bit read is a value's
    bit 0. Raises PmdFormatError if ``packed`` holds fewer bits than needed.
    """
    if not 1 <= bits <= 32:
        raise PmdFormatError(f"delta width {bits} bits is outside 1–32")
    total = bits * channels * count
    stream = np.unpackbits(np.frombuffer(packed, dtype=np.uint8), bitorder="little")
    if stream.size < total:
        raise PmdFormatError(f"delta block needs {total} bits, has {stream.size}")
    b = stream[:total].reshape(count * channels, bits).astype(np.int64)
    vals = b @ (1 << np.arange(bits, dtype=np.int64))
    sign = 1 << (bits - 1)
    vals = np.where(vals & sign, vals - (sign << 1), vals)
    out: IntArray = vals.reshape(count, channels)
    return out


def decode_compressed(content: bytes, channels: int, resolution_bits: int) -> IntArray:
    """Reference sample + delta blocks → (n, channels) integer samples (running sums)."""
    ref_bytes = (resolution_bits + 7) // 8
    head = ref_bytes * channels
    if len(content) < head:
        raise PmdFormatError(f"compressed content of {len(content)} bytes has no reference "
                             "sample")
    parts = [decode_raw(content[:head], ref_bytes, channels)]
    pos, n = head, 1
    while pos < len(content):
        if pos + 2 > len(content):
            raise PmdFormatError("delta block header is cut off")
        bits, count = content[pos], content[pos + 1]
        if count == 0:
            raise PmdFormatError("delta block with zero samples")
        size = (bits * channels * count + 7) // 8
        block = content[pos + 2:pos + 2 + size]
        if len(block) < size:
            raise PmdFormatError(f"delta block of {count} samples × {bits} bits is truncated")
        n += count
        if n > MAX_FRAME_SAMPLES:
            raise PmdFormatError(f"frame claims more than {MAX_FRAME_SAMPLES} samples")
        parts.append(unpack_deltas(block, bits, channels, count))
        pos += 2 + size
    out: IntArray = np.cumsum(np.concatenate(parts), axis=0)
    return out


def float_bits(values: IntArray) -> npt.NDArray[np.float64]:
    """Integer bit patterns (deltas summed modulo 2³²) → IEEE float32 values."""
    return (values & 0xFFFFFFFF).astype(np.uint32).view(np.float32).astype(np.float64)


# ----------------------------------------------------------------- control point


@dataclass(frozen=True, slots=True)
class CpResponse:
    op: int
    measurement: int
    status: int
    more: bool
    params: bytes

    @property
    def ok(self) -> bool:
        return self.status == 0

    def describe(self) -> str:
        return f"{STATUS_NAMES.get(self.status, 'UNKNOWN')} ({self.status})"


def parse_cp_response(data: bytes) -> CpResponse | None:
    if len(data) < 4 or data[0] != CP_RESPONSE:
        return None
    more = len(data) > 4 and data[4] != 0
    return CpResponse(data[1], data[2], data[3], more, bytes(data[5:]))


def parse_settings(params: bytes) -> dict[int, list[float]]:
    """Settings TLVs (type, count, values) → {type: values}. FACTOR decodes as float32."""
    out: dict[int, list[float]] = {}
    pos = 0
    while pos + 2 <= len(params):
        kind, count = params[pos], params[pos + 1]
        if kind not in SETTING_FIELDS:
            raise PmdFormatError(f"unknown setting type {kind}")
        size = SETTING_FIELDS[kind][1]
        end = pos + 2 + size * count
        if end > len(params):
            raise PmdFormatError(f"setting {kind} is cut off")
        chunk = params[pos + 2:end]
        if kind == SETTING_FACTOR:
            vals = [float(v) for (v,) in struct.iter_unpack("<f", chunk)]
        elif kind == 6:
            vals = []  # SECURITY: opaque, not needed here
        else:
            vals = [float(int.from_bytes(chunk[i:i + size], "little"))
                    for i in range(0, len(chunk), size)]
        out[kind] = vals
        pos = end
    return out


def settings_bytes(selected: list[tuple[int, int]]) -> bytes:
    """TLVs for a start request: one value per chosen setting."""
    out = bytearray()
    for kind, value in selected:
        size = SETTING_FIELDS[kind][1]
        out += bytes([kind, 1]) + int(value).to_bytes(size, "little")
    return bytes(out)


# ----------------------------------------------------------------- driver

MODELS = ("verity", "h10")
SENSORS = {"verity": "polar_verity_sense", "h10": "polar_h10"}  # the simulator's sensor keys
DEFAULT_RATES_HZ = {"verity": 52.0, "h10": 100.0}  # the Verity Sense's normal mode: 52 Hz
ACC_RANGES_G, GYRO_RANGES_DPS = (2, 4, 8, 16), (250, 500, 1000, 2000)
DEFAULT_ACC_RANGE_G, DEFAULT_GYRO_RANGE_DPS = 8, 2000


class PolarPmd:
    """A Verity Sense (acc + gyro) or H10 (acc only), streaming in online mode."""

    kind = KIND
    timing: Timing = "device"
    counter_modulus = 0
    notify_chars: tuple[str, ...] = (PMD_CP, PMD_DATA)
    min_mtu = MIN_MTU

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.model: str = option(options, "model", "verity", str, MODELS)
        self.rate_hz = float(option(options, "rate", DEFAULT_RATES_HZ[self.model], float))
        self.acc_range_g = int(option(options, "acc_range", DEFAULT_ACC_RANGE_G, int,
                                      ACC_RANGES_G))
        self.gyro_range_dps = int(option(options, "gyro_range", DEFAULT_GYRO_RANGE_DPS, int,
                                         GYRO_RANGES_DPS))
        self.sensor = SENSORS[self.model]
        self.streams: tuple[Stream, ...] = (("acc", "gyro") if self.model == "verity"
                                            else ("acc",))
        self.samples_per_packet = 36
        self.stats = DecodeStats()
        self._warn = RateLimitedLog(f"{KIND} {self.sensor}")
        self._factor: dict[int, float] = {}
        self._pending: dict[tuple[int, int], bytearray] = {}  # (op, type) → params so far
        self._retried: set[int] = set()
        self.features: int | None = None
        self.stopped_by_device = 0

    def options(self) -> dict[str, Any]:
        return {"model": self.model, "rate": self.rate_hz, "acc_range": self.acc_range_g,
                "gyro_range": self.gyro_range_dps}

    def _measurements(self) -> list[int]:
        return [MEAS_ACC, MEAS_GYRO] if self.model == "verity" else [MEAS_ACC]

    # --- GATT sequences ---------------------------------------------------------

    def configure(self) -> list[GattOp]:
        ops: list[GattOp] = [GattRead(PMD_CP, "read PMD features")]
        for m in self._measurements():
            ops.append(GattWrite(PMD_CP, bytes([OP_GET_SETTINGS, m]), awaits_reply=True,
                                 what=f"query {MEAS_NAMES[m]} settings"))
        return ops

    def start_command(self, measurement: int) -> GattWrite:
        rate = round(self.rate_hz)
        if measurement == MEAS_ACC:
            sel = [(SETTING_SAMPLE_RATE, rate), (SETTING_RESOLUTION, 16),
                   (SETTING_RANGE, self.acc_range_g)]
        else:
            sel = [(SETTING_SAMPLE_RATE, rate), (SETTING_RESOLUTION, 16),
                   (SETTING_RANGE, self.gyro_range_dps)]
        if self.model == "verity":
            sel.append((SETTING_CHANNELS, 3))
        data = bytes([OP_START, measurement]) + settings_bytes(sel)
        return GattWrite(PMD_CP, data, awaits_reply=True,
                         what=f"start {MEAS_NAMES[measurement]}")

    def stop_command(self, measurement: int) -> GattWrite:
        return GattWrite(PMD_CP, bytes([OP_STOP, measurement]), awaits_reply=True,
                         what=f"stop {MEAS_NAMES[measurement]}")

    def start(self) -> list[GattOp]:
        self._retried.clear()
        return [self.start_command(m) for m in self._measurements()]

    def stop(self) -> list[GattOp]:
        return [self.stop_command(m) for m in self._measurements()]

    def on_read(self, op: GattRead, data: bytes) -> None:
        if len(data) < 2 or data[0] != FEATURE_READ:
            raise DeviceError(f"PMD feature read returned {bytes(data).hex(' ')}, expected "
                              "0F …: is this a Polar device with PMD (firmware too old?)")
        self.features = data[1]
        for m in self._measurements():
            if not data[1] & (1 << m):
                raise DeviceError(f"this Polar device does not offer {MEAS_NAMES[m]} "
                                  f"(features 0x{data[1]:02x}); model={self.model} "
                                  "expects it — an H10 has no gyroscope")

    def on_reply(self, op: GattWrite, data: bytes) -> Reply | list[GattOp]:
        resp = parse_cp_response(data)
        if resp is None or resp.op != op.data[0] or resp.measurement != op.data[1]:
            return Reply.PENDING
        if resp.more:
            return Reply.PENDING
        what = op.what or f"PMD op {op.data[0]}"
        if resp.op == OP_START and resp.status == STATUS_ALREADY_IN_STATE:
            # Streams survive a dropped link (H10 known issue 2): stop, then start again.
            m = resp.measurement
            if m in self._retried:
                raise DeviceError(f"{what}: device still says ALREADY_IN_STATE after a stop")
            self._retried.add(m)
            return [self.stop_command(m), self.start_command(m)]
        if resp.op == OP_STOP and resp.status in (0, STATUS_ALREADY_IN_STATE, 12):
            return Reply.DONE
        if not resp.ok:
            hint = " (the link MTU is below 232)" if resp.status == 10 else ""
            raise DeviceError(f"{what} refused: {resp.describe()}{hint}")
        if resp.op == OP_GET_SETTINGS:
            self._check_offered(resp)
        return Reply.DONE

    def _check_offered(self, resp: CpResponse) -> None:
        try:
            offered = parse_settings(resp.params)
        except PmdFormatError as exc:
            raise DeviceError(f"unreadable {MEAS_NAMES.get(resp.measurement)} settings: "
                              f"{exc}") from None
        rates = offered.get(SETTING_SAMPLE_RATE, [])
        if rates and round(self.rate_hz) not in [round(r) for r in rates]:
            shown = ", ".join(f"{r:g}" for r in rates)
            raise DeviceError(f"{MEAS_NAMES.get(resp.measurement)} rate {self.rate_hz:g} Hz "
                              f"is not offered (offered: {shown} Hz; other rates need SDK "
                              "mode)")
        want = self.acc_range_g if resp.measurement == MEAS_ACC else self.gyro_range_dps
        ranges = offered.get(SETTING_RANGE, [])
        if ranges and want not in [round(r) for r in ranges]:
            shown = ", ".join(f"{r:g}" for r in ranges)
            raise DeviceError(f"{MEAS_NAMES.get(resp.measurement)} range ±{want} is not "
                              f"offered (offered: ±{shown})")

    # --- decoding ---------------------------------------------------------------

    def decode(self, char: str, data: bytes) -> list[Frame]:
        self.stats.packets += 1
        if len(data) > MAX_NOTIFICATION_BYTES:
            return reject(self.stats, self._warn, f"oversized notification ({len(data)} B)")
        if char == PMD_CP:
            self._control(bytes(data))
            return []
        if char != PMD_DATA:
            self.stats.ignored += 1
            return []
        try:
            frame = parse_frame(bytes(data))
            out = self._frame(frame)
        except PmdFormatError as exc:
            return reject(self.stats, self._warn, str(exc))
        if out is None:
            self.stats.ignored += 1
            return []
        self.stats.samples += len(out)
        return [out]

    def _control(self, data: bytes) -> None:
        """CP indications: remember FACTOR from start responses (replay needs it too)."""
        if data[:1] == bytes([CP_MEASUREMENT_STOPPED]):
            self.stopped_by_device += 1
            self._warn(f"device stopped measurement(s) {data[1:].hex(' ')} on its own")
            return
        resp = parse_cp_response(data)
        if resp is None:
            self.stats.ignored += 1
            return
        key = (resp.op, resp.measurement)
        params = self._pending.pop(key, bytearray()) + resp.params
        if resp.more:
            self._pending[key] = params
            return
        if resp.op == OP_START and resp.ok:
            try:
                factor = parse_settings(bytes(params)).get(SETTING_FACTOR)
            except PmdFormatError as exc:
                reject(self.stats, self._warn, f"start response: {exc}")
                return
            self._factor[resp.measurement] = factor[0] if factor else 1.0
        self.stats.ignored += 1

    def factor(self, measurement: int) -> float:
        return self._factor.get(measurement, 1.0)

    def _frame(self, f: PmdFrame) -> Frame | None:
        stream: Stream
        if f.measurement == MEAS_ACC:
            stream, values = "acc", self._acc(f)
        elif f.measurement == MEAS_GYRO:
            stream, values = "gyro", self._gyro(f)
        elif f.measurement == MEAS_MAG:
            stream, values = "mag", self._mag(f)
        else:
            return None
        if not np.isfinite(values).all():
            raise PmdFormatError("frame decodes to non-finite values")
        return Frame(stream, values, stamp_ns=f.timestamp_ns, stamp_index=len(values) - 1)

    def _acc(self, f: PmdFrame) -> npt.NDArray[np.float64]:
        k = self.factor(MEAS_ACC)
        if f.compressed:
            vals = decode_compressed(f.content, 3, 16).astype(np.float64)
            if f.frame_type == 0:
                return vals * (k * STANDARD_GRAVITY_MPS2)  # value × FACTOR is in g
            if f.frame_type == 1:
                return vals * (k * STANDARD_GRAVITY_MPS2 / 1000.0)  # value × FACTOR is in mg
            raise PmdFormatError(f"unknown compressed ACC frame type {f.frame_type}")
        if f.frame_type not in (0, 1, 2):
            raise PmdFormatError(f"unknown raw ACC frame type {f.frame_type}")
        vals = decode_raw(f.content, f.frame_type + 1, 3).astype(np.float64)
        if f.frame_type == 0 and self.model == "verity":
            # int8 frames are in g on the Verity Sense (notes §1.5)
            return vals * STANDARD_GRAVITY_MPS2
        return vals * (STANDARD_GRAVITY_MPS2 / 1000.0)

    def _gyro(self, f: PmdFrame) -> npt.NDArray[np.float64]:
        k = self.factor(MEAS_GYRO)
        if f.compressed and f.frame_type == 0:
            return decode_compressed(f.content, 3, 16).astype(np.float64) * (k * RAD_PER_DEG)
        if f.compressed and f.frame_type == 1:
            dps = float_bits(decode_compressed(f.content, 3, 32))
            return dps * (k * RAD_PER_DEG)  # FACTOR is 1.0 unless the start response gave one
        if not f.compressed and f.frame_type == 0:
            return decode_raw(f.content, 2, 3).astype(np.float64) * (k * RAD_PER_DEG)
        if not f.compressed and f.frame_type == 1:
            if not f.content or len(f.content) % 12:
                raise PmdFormatError("float gyro content is not whole 12-byte samples")
            dps = np.frombuffer(f.content, dtype="<f4").astype(np.float64).reshape(-1, 3)
            return dps * RAD_PER_DEG
        raise PmdFormatError(f"unknown GYRO frame type 0x{f.frame_type:02x}")

    def _mag(self, f: PmdFrame) -> npt.NDArray[np.float64]:
        k = self.factor(MEAS_MAG)
        if f.compressed and f.frame_type == 0:
            return decode_compressed(f.content, 3, 16).astype(np.float64) * (k * 100.0)
        if f.compressed and f.frame_type == 1:
            # 4 channels: x, y, z in mGauss and a calibration status we do not use.
            vals = decode_compressed(f.content, 4, 16).astype(np.float64)[:, :3]
            return vals * (k / 1000.0 * 100.0)
        raise PmdFormatError(f"unknown MAG frame type 0x{f.frame_type:02x}")


def model_from_name(name: str | None) -> str:
    """H10 straps advertise 'Polar H10 …'; everything else is treated as a Verity Sense."""
    return "h10" if name and name.startswith("Polar H10") else "verity"


DRIVER_SPEC = DriverSpec(
    kind=KIND, title="Polar Verity Sense / H10 (PMD)",
    service_uuids=(PMD_SERVICE,), name_prefixes=NAME_PREFIXES, create=PolarPmd,
    options_help="model=verity|h10, rate=52 (Hz), acc_range=8 (g), gyro_range=2000 (°/s)",
)
