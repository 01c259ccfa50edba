"""The eccentric recording format, version 1 (see docs/recording-format.md).

A recording is JSON Lines, optionally gzip-compressed (``.jsonl.gz``). Every line is an
object with a ``kind``:

* ``header`` (first line, exactly once): who, what, which sensor, units, provenance.
* ``imu``: one chunk of samples: ``t_s``, and ``acc_mps2``/``gyro_rads`` interleaved
  x, y, z. Either plain JSON number arrays, or with ``"enc": "b64le"`` base64 of
  little-endian float64 (t) and float32 (acc, gyro), which is what writers produce.
  Writers keep chunks at most ~1 s long and flush after each one, so a crash loses at
  most the last second.
* ``label``: optional ground truth (``label`` is ``set``, ``rep``, ``nonrep`` or ``gap``).

Readers skip unknown kinds (counted), so later versions can add kinds without breaking
older readers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from eccentric.core.errors import InputFormatError

FORMAT_NAME = "eccentric-recording"
FORMAT_VERSION = 1
UNITS = {"t": "s", "acc": "m/s2", "gyro": "rad/s"}
PLACEMENTS = ("thigh", "trunk", "shank", "ankle", "wrist", "upper_arm", "pelvis", "foot", "unknown")
SIDES = ("left", "right", "both", "unknown")


@dataclass(slots=True)
class RecordingHeader:
    """Self-description of a recording. ``rate_hz`` is the nominal sample rate."""

    sensor: str
    placement: str
    rate_hz: float
    exercise: str = "auto"
    athlete: str = "athlete"
    side: str = "unknown"
    created_utc: str | None = None
    simulated: dict[str, Any] | None = None
    sensor_info: dict[str, Any] = field(default_factory=dict)
    notes: str = ""

    def to_line(self) -> dict[str, Any]:
        d = asdict(self)
        return {"kind": "header", "format": FORMAT_NAME, "version": FORMAT_VERSION,
                "units": dict(UNITS), **d}

    @classmethod
    def from_line(cls, obj: dict[str, Any], source: str) -> RecordingHeader:
        if obj.get("kind") != "header" or obj.get("format") != FORMAT_NAME:
            raise InputFormatError(
                f"{source}: line 1 is not an {FORMAT_NAME} header "
                "(is this a plain CSV? use 'eccentric count FILE.csv ...')"
            )
        version = obj.get("version")
        if version != FORMAT_VERSION:
            raise InputFormatError(
                f"{source}: recording format version {version!r} is not supported "
                f"(this build reads version {FORMAT_VERSION})"
            )
        if obj.get("units") != UNITS:
            raise InputFormatError(f"{source}: header units {obj.get('units')!r} must be {UNITS}")
        try:
            rate = float(obj["rate_hz"])
            header = cls(
                sensor=str(obj["sensor"]),
                placement=str(obj["placement"]),
                rate_hz=rate,
                exercise=str(obj.get("exercise", "auto")),
                athlete=str(obj.get("athlete", "athlete")),
                side=str(obj.get("side", "unknown")),
                created_utc=obj.get("created_utc"),
                simulated=obj.get("simulated"),
                sensor_info=dict(obj.get("sensor_info") or {}),
                notes=str(obj.get("notes", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputFormatError(
                f"{source}: header is missing or has a bad field: {exc}") from exc
        if not rate > 0:
            raise InputFormatError(f"{source}: header rate_hz must be positive, got {rate}")
        if header.placement not in PLACEMENTS:
            raise InputFormatError(
                f"{source}: placement {header.placement!r} is not one of {', '.join(PLACEMENTS)}"
            )
        if header.side not in SIDES:
            raise InputFormatError(f"{source}: side {header.side!r} is not one of {SIDES}")
        return header
