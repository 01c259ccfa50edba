"""The MQTT topic tree, and sanitising of topic segments built from user input.

    <base>/bridge/state                    online | offline (retained, Last Will)
    <base>/<athlete>/status                retained JSON
    <base>/<athlete>/rep                   one JSON message per rep (QoS 1)
    <base>/<athlete>/hold                  one JSON message per timed hold (QoS 1)
    <base>/<athlete>/bout                  one JSON message per bout of strokes/steps (QoS 1)
    <base>/<athlete>/set                   set summaries (QoS 1, last one retained)
    <base>/<athlete>/alert                 in-set alerts (QoS 1, not retained)
    <base>/<athlete>/rest                  rest timer between sets (start, <= 1 Hz, end;
                                           QoS 0, `--exercise any`)
    <base>/<athlete>/live                  throttled gauge stream (QoS 0)
    <base>/<athlete>/live/slow             the same at <= 1 Hz or on a phase or rep change
                                           (QoS 0; Home Assistant reads this one)
    <base>/<athlete>/recent                the last reps of this run (retained JSON)
    <base>/<athlete>/imu/<sensor>          raw IMU batches (QoS 0, off by default)
    <base>/<athlete>/command               commands in
    <base>/<athlete>/command/result        command results and errors out

The sensor and side are payload fields rather than topic levels, so a dashboard needs
one subscription per athlete whatever the hardware.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_BASE = "eccentric"

# '+' and '#' are wildcards and '/' separates levels: none may appear inside a level.
# NUL is forbidden by the MQTT spec; other control characters only cause trouble in
# dashboards and shells, so they go too.
_UNSAFE = re.compile(r"[+#/\x00-\x1f\x7f]")
_HA_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]")
MAX_SEGMENT_CHARS = 64


def sanitize_segment(text: str, fallback: str = "unknown") -> str:
    """One topic level from user input: no wildcards, separators or control characters.

    A leading ``$`` is replaced too, because brokers reserve ``$``-topics ($SYS) and do
    not match them with wildcard subscriptions, which would hide the athlete.
    """
    s = _UNSAFE.sub("_", text.strip())
    if s.startswith("$"):
        s = "_" + s[1:]
    s = s[:MAX_SEGMENT_CHARS]
    return s or fallback


def sanitize_base(text: str) -> str:
    """A base topic may have several levels (``gym/eccentric``); each is sanitised."""
    levels = [sanitize_segment(level, "") for level in text.strip().strip("/").split("/")]
    levels = [level for level in levels if level]
    return "/".join(levels) or DEFAULT_BASE


def ha_id(text: str) -> str:
    """Home Assistant node and object ids allow only ``[a-zA-Z0-9_-]``."""
    return _HA_UNSAFE.sub("_", text.strip()) or "unknown"


@dataclass(frozen=True)
class Topics:
    """All topics of one athlete under one base (arguments are sanitised here)."""

    base: str
    athlete: str

    @classmethod
    def build(cls, base: str, athlete: str) -> Topics:
        return cls(sanitize_base(base), sanitize_segment(athlete))

    @property
    def bridge_state(self) -> str:
        return f"{self.base}/bridge/state"

    def _athlete(self, leaf: str) -> str:
        return f"{self.base}/{self.athlete}/{leaf}"

    @property
    def status(self) -> str:
        return self._athlete("status")

    @property
    def rep(self) -> str:
        return self._athlete("rep")

    @property
    def hold(self) -> str:
        return self._athlete("hold")

    @property
    def bout(self) -> str:
        return self._athlete("bout")

    @property
    def set(self) -> str:
        return self._athlete("set")

    @property
    def alert(self) -> str:
        return self._athlete("alert")

    @property
    def rest(self) -> str:
        return self._athlete("rest")

    @property
    def live(self) -> str:
        return self._athlete("live")

    @property
    def live_slow(self) -> str:
        return self._athlete("live/slow")

    @property
    def recent(self) -> str:
        return self._athlete("recent")

    @property
    def command(self) -> str:
        return self._athlete("command")

    @property
    def command_result(self) -> str:
        return self._athlete("command/result")

    def imu(self, sensor: str) -> str:
        return self._athlete(f"imu/{sanitize_segment(sensor)}")

    def for_event_type(self, event_type: str) -> str | None:
        """Topic of a pipeline event type; None for types that are not published."""
        return {"rep": self.rep, "hold": self.hold, "bout": self.bout, "set": self.set,
                "rest": self.rest, "live": self.live, "status": self.status}.get(event_type)
