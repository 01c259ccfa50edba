"""What every emulated device shares: the :class:`Peripheral` base, its GATT table
types and the fault settings of fault tests.

Each family's ``peripheral.py`` says how its device behaves: its GATT table, its answers
to commands, and which of its pre-encoded packets it sends while streaming. The
behaviour follows the same protocol notes as the drivers (firmware_notes/), but is
written from the device's side: e.g. the Polar emulation answers ``01``/``02``/``03``
control-point commands with ``F0`` indications, keeps measuring across a dropped link
(so a restart gets ALREADY_IN_STATE, as the H10 does), and sends FACTOR in its start
answer; the Movesense emulation drops its subscriptions on disconnect. The emulated
BlueZ (``eccentric.sim.bluez``) plays them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from eccentric.devices.packets import Packet

Notify = Callable[[str, bytes], None]

NOTIFY_FLAGS = ["notify"]
WRITE_FLAGS = ["write", "write-without-response"]


@dataclass
class Faults:
    """Misbehaviour for fault tests. Times are playback seconds since streaming began."""

    drop_at_s: float | None = None  # the device drops the link …
    away_s: float = 3.0  # … and refuses connections for this long
    garbage_every: int = 0  # a junk notification before every N-th packet
    silent_start: bool = False  # never act on (or answer) the start command

    @classmethod
    def from_dict(cls, raw: dict[str, Any] | None) -> Faults:
        return cls(**(raw or {}))


@dataclass
class GattChar:
    uuid: str
    flags: list[str]


@dataclass
class GattService:
    uuid: str
    chars: list[GattChar] = field(default_factory=list)


class Peripheral:
    """Base: override the GATT table, ``write``, ``read`` and ``sends``. The family's
    ``FAMILY`` record (``family.py``) says which kind a peripheral class emulates."""

    advertised: ClassVar[tuple[str, ...]] = ()

    def __init__(self, packets: list[Packet], options: dict[str, Any], faults: Faults,
                 notify: Notify, record: Callable[..., None]) -> None:
        self.packets = packets
        self.options = options
        self.faults = faults
        self._notify = notify
        self.record = record  # emulator event log (tests read it)
        self.playing = False  # the playback clock runs from the first start

    def gatt(self) -> list[GattService]:
        raise NotImplementedError

    def advertised_uuids(self) -> list[str]:
        return list(self.advertised)

    def write(self, char: str, data: bytes) -> None:
        return None

    def read(self, char: str) -> bytes:
        return b""

    def notifications(self, char: str, enabled: bool) -> None:
        return None

    def sends(self, packet: Packet) -> bool:
        """Whether this packet goes out now (its stream is running)."""
        return False

    def payload(self, packet: Packet) -> bytes:
        return packet.data

    def disconnected(self) -> None:
        return None

    def notify(self, char: str, data: bytes) -> None:
        self._notify(char, data)
