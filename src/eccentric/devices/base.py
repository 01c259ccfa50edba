"""What every BLE driver provides: scan matching, GATT write sequences, a decoder.

A driver describes one sensor family. It never touches bleak: the session
(``session.py``) performs the GATT operations it lists and hands every notification
back to :meth:`Driver.decode`, which turns bytes into :class:`Frame` objects in SI units.
Timing (device clock, counters or arrival times → ``t_s``) is done by ``timeline.py``.

Decoders must never raise on bad input: malformed, truncated or oversized packets are
counted in :class:`DecodeStats` and logged (rate-limited), and decoding goes on.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol

from eccentric.core.chunk import FloatArray
from eccentric.core.errors import EccentricError

log = logging.getLogger(__name__)


Stream = Literal["acc", "gyro", "imu", "mag"]
Timing = Literal["device", "counter", "arrival"]

# A BLE notification holds at most 512 bytes (ATT value limit); anything longer is junk.
MAX_NOTIFICATION_BYTES = 512


def uuid16(short: int) -> str:
    """A 16-bit SIG UUID on the standard Bluetooth base, lower case."""
    return f"{short:08x}-0000-1000-8000-00805f9b34fb"


# Standard (SIG) services and characteristics some sensors also expose.
HEART_RATE_SERVICE = uuid16(0x180D)
HEART_RATE_MEASUREMENT = uuid16(0x2A37)
BATTERY_SERVICE = uuid16(0x180F)
BATTERY_LEVEL = uuid16(0x2A19)  # uint8, percent


class DeviceError(EccentricError):
    """The device refused or did not answer a command (message says which and why)."""


@dataclass(frozen=True, slots=True)
class Frame:
    """Samples decoded from one notification, before timing.

    ``values``: (n, 3) m/s² for ``acc``, rad/s for ``gyro``, µT for ``mag``; (n, 6)
    acc then gyro for ``imu``. ``stamp_ns`` is the device clock (ns, any epoch) of sample
    ``stamp_index``; ``counter`` the device's sample counter of the first sample. Both
    None: the device sends no timing and ``timeline`` counts samples.
    """

    stream: Stream
    values: FloatArray
    stamp_ns: int | None = None
    stamp_index: int = 0
    counter: int | None = None

    def __len__(self) -> int:
        return int(self.values.shape[0])


@dataclass
class DecodeStats:
    """Counts per device; ``malformed`` packets were dropped, never half-decoded."""

    packets: int = 0
    samples: int = 0
    malformed: int = 0
    ignored: int = 0  # well-formed but not sensor data (command replies, other sensors)
    last_error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Reply(enum.Enum):
    """Outcome of one control-point notification for the command being waited on."""

    PENDING = "pending"  # not (yet) the answer: keep waiting
    DONE = "done"


@dataclass(frozen=True, slots=True)
class GattWrite:
    """One write. ``awaits_reply``: the session waits (bounded) for the driver to accept
    a notification as this command's answer (:meth:`Driver.on_reply`)."""

    char: str
    data: bytes
    response: bool = True
    awaits_reply: bool = False
    what: str = ""


@dataclass(frozen=True, slots=True)
class GattRead:
    """Read a characteristic; the value goes to :meth:`Driver.on_read`."""

    char: str
    what: str = ""


GattOp = GattWrite | GattRead


class Driver(Protocol):
    """One connected sensor. Attributes are fixed after construction."""

    kind: str  # registry key, e.g. "polar_pmd"
    sensor: str  # recording header sensor key, e.g. "polar_verity_sense"
    rate_hz: float  # nominal output rate of the stream(s) the pipeline uses
    streams: tuple[Stream, ...]  # ("acc", "gyro") when they arrive separately, or ("imu",)
    timing: Timing
    counter_modulus: int  # for timing == "counter": the counter wraps at this value
    samples_per_packet: int  # typical, for gap thresholds of arrival timing
    notify_chars: tuple[str, ...]  # start_notify on each, in order, before configure()
    min_mtu: int  # ATT MTU the device needs (23 = BLE default)
    stats: DecodeStats

    def configure(self) -> list[GattOp]:
        """Queries and settings, run once per connection before :meth:`start`."""
        ...

    def start(self) -> list[GattOp]:
        """Commands that start streaming."""
        ...

    def stop(self) -> list[GattOp]:
        """Commands that stop streaming (sent before disconnecting)."""
        ...

    def on_reply(self, op: GattWrite, data: bytes) -> Reply | list[GattOp]:
        """A control notification while ``op`` waits: DONE, PENDING, or ops to run instead
        (e.g. stop-then-start). Raises :class:`DeviceError` when the device refuses."""
        ...

    def on_read(self, op: GattRead, data: bytes) -> None:
        """The value of a read listed in configure()/start()."""
        ...

    def decode(self, char: str, data: bytes) -> list[Frame]:
        """Frames in one notification; control replies update state and return []."""
        ...

    def options(self) -> dict[str, Any]:
        """Everything needed to rebuild an identical driver (stored in capture headers)."""
        ...


@dataclass(frozen=True)
class DriverSpec:
    """How the registry finds a driver module; ``create`` takes the options dict."""

    kind: str
    title: str
    service_uuids: tuple[str, ...]  # advertised services that identify the family
    name_prefixes: tuple[str, ...]  # advertised local names that identify it
    create: Callable[[Mapping[str, Any]], Driver]
    options_help: str = ""
    match: Callable[[str | None, list[str]], bool] | None = None  # overrides the above

    def matches(self, name: str | None, service_uuids: list[str]) -> bool:
        if self.match is not None:
            return self.match(name, service_uuids)
        advertised = {u.lower() for u in service_uuids}
        if advertised & {u.lower() for u in self.service_uuids}:
            return True
        return name is not None and name.startswith(self.name_prefixes)


@dataclass
class RateLimitedLog:
    """Log the first few bad packets per device, then one line per ``every``."""

    prefix: str
    first: int = 5
    every: int = 1000
    count: int = field(default=0)

    def __call__(self, message: str) -> None:
        self.count += 1
        if self.count <= self.first or self.count % self.every == 0:
            log.warning("%s: %s (bad packets so far: %d)", self.prefix, message, self.count)


def reject(stats: DecodeStats, warn: RateLimitedLog, message: str) -> list[Frame]:
    """Count and log a malformed packet; decoders ``return reject(...)``."""
    stats.malformed += 1
    stats.last_error = message
    warn(message)
    return []


def screen(stats: DecodeStats, warn: RateLimitedLog, char: str, expected: str,
           data: bytes | bytearray, min_bytes: int = 0) -> bool:
    """Count a notification and say whether the decoder should parse it.

    A notification from another characteristic is counted as ignored; one that is
    oversized or shorter than ``min_bytes`` is counted and logged as malformed.
    """
    stats.packets += 1
    if char != expected:
        stats.ignored += 1
        return False
    if len(data) > MAX_NOTIFICATION_BYTES:
        reject(stats, warn, f"oversized notification ({len(data)} B)")
        return False
    if len(data) < min_bytes:
        reject(stats, warn, f"{len(data)}-byte notification")
        return False
    return True


def option(options: Mapping[str, Any], key: str, default: Any, cast: Callable[[Any], Any],
           choices: tuple[Any, ...] | None = None) -> Any:
    """A driver option with a clear error for a bad value."""
    raw = options.get(key, default)
    try:
        value = cast(raw)
    except (TypeError, ValueError):
        raise EccentricError(f"driver option {key}={raw!r} is not valid") from None
    if choices is not None and value not in choices:
        shown = ", ".join(str(c) for c in choices)
        raise EccentricError(f"driver option {key}={raw!r} must be one of {shown}")
    return value


def parse_bool(value: Any) -> bool:
    """true/false, yes/no, on/off, 1/0 (options may come from the command line)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(value)
