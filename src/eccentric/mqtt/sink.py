"""MqttSink: what the pipeline calls. It wraps events, routes them to topics and hands
them to the :class:`Publisher`; no method waits for the network."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np

from eccentric.core.chunk import ImuChunk
from eccentric.core.errors import DeliveryError
from eccentric.core.events import Event
from eccentric.mqtt.client import Will
from eccentric.mqtt.commands import Command, CommandError, parse_command, result_payload
from eccentric.mqtt.config import BrokerAddress, MqttConfig
from eccentric.mqtt.discovery import discovery_messages
from eccentric.mqtt.payloads import Clock, Payload, encode, envelope, utc_now, wrap_event
from eccentric.mqtt.publisher import OutMessage, Publisher
from eccentric.mqtt.queue import DiskQueue, default_queue_path
from eccentric.mqtt.topics import Topics, sanitize_segment

log = logging.getLogger(__name__)

IMU_BATCH_SAMPLES = 200  # ~25 kB of JSON: far below broker packet limits (2 MB in Mosquitto 2.1)
STATUS_HEARTBEAT_S = 30.0
# Reps kept in the retained <base>/<athlete>/recent message (a reloaded dashboard shows
# 12 per athlete); 20 reps are ~15 kB of JSON.
RECENT_REPS = 20
# Holds kept beside them (timed-hold exercises): a hold is a set's worth of work, and a
# dashboard lists the last few; 10 holds are ~5 kB.
RECENT_HOLDS = 10
# The slow live stream (<base>/<athlete>/live/slow, what Home Assistant's angle and phase
# entities read): its recorder stores every state, so ~20 Hz would be 20 rows a second.
SLOW_LIVE_INTERVAL_S = 1.0  # at least this apart while phase and rep count stay the same
SLOW_LIVE_MIN_GAP_S = 0.25  # a change of phase or rep count goes out at once, but a
#                             flickering phase still cannot exceed 4 messages a second
_ENVELOPE_KEYS = {"schema", "type", "athlete", "sensor", "time"}


class TokenBucket:
    """Admit at most ``rate`` events per second on average, ``burst`` at once."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic):
        self.rate, self.burst, self.clock = rate, burst, clock
        self.tokens = burst
        self.last = clock()

    def take(self) -> bool:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class SlowGate:
    """Admit a live sample when phase or rep count changed (at most every ``min_gap_s``)
    or ``interval_s`` after the last admitted one. Times in seconds of ``clock``."""

    def __init__(self, interval_s: float = SLOW_LIVE_INTERVAL_S,
                 min_gap_s: float = SLOW_LIVE_MIN_GAP_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.interval_s, self.min_gap_s, self.clock = interval_s, min_gap_s, clock
        self._last_t: float | None = None
        self._last_key: tuple[Any, Any] | None = None

    def admit(self, phase: Any, reps: Any) -> bool:
        now = self.clock()
        key = (phase, reps)
        since = None if self._last_t is None else now - self._last_t
        if since is None or since >= self.interval_s or (
                key != self._last_key and since >= self.min_gap_s):
            self._last_t, self._last_key = now, key
            return True
        return False


class MqttSink:
    """Publish one athlete's events. ``accept_commands`` is for sessions that call
    :meth:`poll_commands`; otherwise valid commands are answered ``unsupported``.
    ``fail_fast``: the caller calls :meth:`require_connection` and reports a failed
    first connection itself (a replay), so it is not logged as a warning as well."""

    def __init__(self, config: MqttConfig, *, athlete: str, sensor: str,
                 address: BrokerAddress | None = None, accept_commands: bool = False,
                 clock: Clock = utc_now, on_close: Callable[[], None] | None = None,
                 max_pending_commands: int = 32, command_rate_hz: float = 50.0,
                 fail_fast: bool = False) -> None:
        self.config = config
        self.topics = Topics.build(config.base, athlete)
        self.athlete = self.topics.athlete
        self.sensor = sanitize_segment(sensor)
        self.accept_commands = accept_commands
        self.clock = clock
        self._on_close = on_close
        self._lock = threading.Lock()
        self._status: Payload = {"online": True, "sensor_connected": None,
                                 "sample_rate_hz": None, "packet_loss_pct": None,
                                 "battery_pct": None, "stale": False, "queued_messages": 0,
                                 "dropped_messages": 0, "exercise": None, "reps": None}
        self._last_t_s: float | None = None
        self._next_live = 0.0
        self._slow_live = SlowGate()
        self._recent: deque[Payload] = deque(maxlen=RECENT_REPS)
        self._recent_holds: deque[Payload] = deque(maxlen=RECENT_HOLDS)
        self._left_after_close = 0
        self._commands: deque[Command] = deque()
        self._max_pending = max_pending_commands
        self._command_budget = TokenBucket(command_rate_hz, 2 * command_rate_hz)
        self.commands_dropped = 0
        self._closed = False
        client_id = config.resolved_client_id(self.athlete)
        queue = DiskQueue(config.queue_path or default_queue_path(client_id), config.queue_max)
        subscriptions = {self.topics.command: self._on_command}
        if config.ha_discovery:
            subscriptions[f"{config.ha_prefix.strip('/')}/status"] = self._on_ha_status
        self.publisher = Publisher(
            config, address or config.address(), client_id, queue,
            will=Will(self.topics.bridge_state, b"offline"),
            subscriptions=subscriptions, on_connected=self._on_connected,
            on_drained=self._on_drained, heartbeat=self._publish_status,
            heartbeat_s=STATUS_HEARTBEAT_S, quiet_first_failure=fail_fast)
        self.publisher.set_state(OutMessage(self.topics.bridge_state, b"online", 1, True))
        self._publish_status()
        self._publish_recent(None)  # this run's history starts empty
        if config.ha_discovery:
            for topic, payload in discovery_messages(
                    self.topics, config.ha_prefix, expire_after_s=config.ha_expire_after_s,
                    status_expire_s=int(3 * STATUS_HEARTBEAT_S)):
                self.publisher.set_state(OutMessage(topic, payload, 1, True))
        self.publisher.start()

    # --- events ----------------------------------------------------------------------

    def publish_event(self, event: Event) -> None:
        kind = event.get("type")
        if kind in ("rep", "set", "hold", "bout"):
            payload = wrap_event(event, athlete=self.athlete, sensor=self.sensor,
                                 clock=self.clock)
            topic = {"rep": self.topics.rep, "hold": self.topics.hold,
                     "bout": self.topics.bout}.get(kind, self.topics.set)
            # The last set summary is retained so a dashboard opened later shows it.
            self.publisher.put_durable(topic, encode(payload), retain=kind == "set")
            if kind == "rep":
                self._recent.append(payload)
                self._publish_recent(payload.get("t_s"))
                # Remembered for the next status message, not published now: a status
                # per rep would double the traffic for a number the rep itself carries.
                self._update_status({"reps": event.get("rep"), "exercise": event.get("exercise"),
                                     "t_s": payload.get("t_s")}, publish=False)
            elif kind == "hold":
                self._recent_holds.append(payload)
                self._publish_recent(payload.get("t_s"))
        elif kind == "rest":
            # A timer: the next tick replaces a lost one, so QoS 0 and no queueing.
            payload = wrap_event(event, athlete=self.athlete, sensor=self.sensor,
                                 clock=self.clock)
            self.publisher.put_volatile(OutMessage(self.topics.rest, encode(payload)))
        elif kind == "live":
            if self.config.live_hz <= 0:
                return
            slow = self._slow_live.admit(event.get("phase"), event.get("reps"))
            now = time.monotonic()
            fast = now >= self._next_live
            if not (fast or slow):
                return
            payload = wrap_event(event, athlete=self.athlete, sensor=self.sensor,
                                 clock=self.clock)
            body = encode(payload)
            if slow:
                self.publisher.put_volatile(OutMessage(self.topics.live_slow, body))
            if fast:
                self._next_live = now + 1.0 / self.config.live_hz
                self.publisher.put_volatile(OutMessage(self.topics.live, body))
        elif kind == "alert":
            payload = wrap_event(event, athlete=self.athlete, sensor=self.sensor,
                                 clock=self.clock)
            self.publisher.put_durable(self.topics.alert, encode(payload), retain=False)
        elif kind == "plan":
            # Where the plan stands is state, like the rest of the retained status.
            plan = {k: v for k, v in event.items() if k != "type"}
            self._update_status({"plan": plan, "t_s": event.get("t_s")})
        elif kind == "status":
            fields = {k: v for k, v in event.items() if k not in _ENVELOPE_KEYS}
            self._update_status(fields)

    def set_status(self, *, sensor_connected: bool | None = None,
                   sample_rate_hz: float | None = None, packet_loss_pct: float | None = None,
                   battery_pct: float | None = None, **extra: Any) -> None:
        """Update the retained status; arguments left as None keep their last value."""
        given = {"sensor_connected": sensor_connected, "sample_rate_hz": sample_rate_hz,
                 "packet_loss_pct": packet_loss_pct, "battery_pct": battery_pct}
        self._update_status({k: v for k, v in given.items() if v is not None} | extra)

    def publish_imu(self, chunk: ImuChunk) -> None:
        """Raw samples in batches (QoS 0), only when enabled with ``raw_imu``."""
        if not self.config.raw_imu or len(chunk) == 0:
            return
        topic = self.topics.imu(self.sensor)
        for start in range(0, len(chunk), IMU_BATCH_SAMPLES):
            part = chunk.slice(start, start + IMU_BATCH_SAMPLES)
            payload = envelope("imu", athlete=self.athlete, sensor=self.sensor,
                               t_s=float(part.t_s[0]), clock=self.clock)
            payload["samples_t_s"] = np.round(part.t_s, 6).tolist()
            payload["acc_mps2"] = np.round(part.acc_mps2, 4).tolist()
            payload["gyro_rads"] = np.round(part.gyro_rads, 5).tolist()
            self.publisher.put_volatile(OutMessage(topic, encode(payload)))

    # --- status ----------------------------------------------------------------------

    def _update_status(self, fields: dict[str, Any], publish: bool = True) -> None:
        with self._lock:
            t_s = fields.pop("t_s", None)
            if isinstance(t_s, int | float):
                self._last_t_s = float(t_s)
            for key, value in fields.items():
                if key not in _ENVELOPE_KEYS:
                    self._status[key] = value
        if publish:
            self._publish_status()

    def _status_message(self) -> OutMessage:
        with self._lock:
            self._status["queued_messages"] = len(self.publisher.queue)
            self._status["dropped_messages"] = self.publisher.queue.dropped
            payload = envelope("status", athlete=self.athlete, sensor=self.sensor,
                               t_s=self._last_t_s, clock=self.clock)
            payload.update(self._status)
        return OutMessage(self.topics.status, encode(payload), 1, True)

    def _publish_status(self) -> None:
        self.publisher.set_state(self._status_message())

    def _publish_recent(self, t_s: Any) -> None:
        """The retained history of this run: the last RECENT_REPS reps and RECENT_HOLDS
        holds, oldest first, so a dashboard opened or reloaded mid-session can fill its
        rep and hold tables."""
        payload = envelope("recent", athlete=self.athlete, sensor=self.sensor,
                           t_s=t_s if isinstance(t_s, int | float) else None,
                           clock=self.clock)
        payload["reps"] = list(self._recent)
        payload["holds"] = list(self._recent_holds)
        self.publisher.set_state(OutMessage(self.topics.recent, encode(payload), 1, True))

    def _on_connected(self, backlog: int) -> None:
        # Messages held back during an outage arrive late: tell dashboards so.
        with self._lock:
            self._status["stale"] = backlog > 0
        self._publish_status()

    def _on_drained(self) -> None:
        with self._lock:
            self._status["stale"] = False
        self._publish_status()

    # --- commands --------------------------------------------------------------------

    def _on_command(self, topic: str, raw: bytes) -> None:
        """Runs on paho's network thread: cheap checks only, never touches the pipeline."""
        if not self._command_budget.take():
            self.commands_dropped += 1  # a flood: shed load without even parsing
            return
        try:
            command = parse_command(raw)
        except CommandError as exc:
            self._reply(False, exc.request_id, exc.command, error_code=exc.code,
                        message=exc.message)
            return
        if not self.accept_commands:
            self._reply(False, command.request_id, command.name, error_code="unsupported",
                        message="this session does not take commands (e.g. a replay)")
            return
        with self._lock:
            if len(self._commands) >= self._max_pending:
                busy = True
            else:
                busy = False
                self._commands.append(command)
        if busy:
            self._reply(False, command.request_id, command.name, error_code="busy",
                        message="too many pending commands; try again")

    def poll_commands(self, max_n: int = 16) -> list[Command]:
        """Valid commands received since the last call (non-blocking), oldest first."""
        out: list[Command] = []
        with self._lock:
            while self._commands and len(out) < max_n:
                out.append(self._commands.popleft())
        return out

    def reply(self, command: Command, ok: bool, *, detail: dict[str, Any] | None = None,
              error_code: str | None = None, message: str | None = None,
              t_s: float | None = None) -> None:
        """Publish the outcome of a command returned by :meth:`poll_commands`; ``t_s``:
        the stream time the session applied it at."""
        self._reply(ok, command.request_id, command.name, detail=detail,
                    error_code=error_code, message=message, t_s=t_s)

    def _reply(self, ok: bool, request_id: str | None, command: str | None, *,
               detail: dict[str, Any] | None = None, error_code: str | None = None,
               message: str | None = None, t_s: float | None = None) -> None:
        payload = result_payload(athlete=self.athlete, sensor=self.sensor, ok=ok,
                                 request_id=request_id, command=command, detail=detail,
                                 error_code=error_code, error_message=message,
                                 t_s=t_s if t_s is not None else self._last_t_s,
                                 clock=self.clock)
        self.publisher.put_transient(
            OutMessage(self.topics.command_result, encode(payload), 1, False))

    def _on_ha_status(self, topic: str, raw: bytes) -> None:
        if raw.strip().lower() == b"online":
            log.info("MQTT: Home Assistant is online; announcing entities again")
            self.publisher.announce_again()

    # --- delivery outcome --------------------------------------------------------------

    @property
    def broker_name(self) -> str:
        """``host:port`` of the broker, for messages."""
        address = self.publisher.address
        return f"{address.host}:{address.port}"

    def require_connection(self, timeout_s: float | None = None) -> None:
        """Wait for the first connection attempt to end; :class:`DeliveryError` naming the
        broker and the reason when it failed (for runs that cannot wait, e.g. a replay)."""
        if timeout_s is None:  # an MQTT 5 attempt that times out, then the 3.1.1 one
            timeout_s = 2 * self.config.connack_timeout_s + 5.0
        if self.publisher.wait_first_outcome(timeout_s):
            return
        reason = self.publisher.stats.last_error or f"no connection within {timeout_s:g} s"
        raise DeliveryError(f"cannot deliver to MQTT broker {self.broker_name}: {reason}")

    def never_connected(self) -> str | None:
        """After :meth:`close`: a one-line problem when no connection was ever made."""
        if self.publisher.stats.connects:
            return None
        reason = self.publisher.stats.last_error or "no connection attempt finished"
        kept = (f"; {self._left_after_close} messages kept in {self.publisher.queue.path} "
                "for the next run" if self._left_after_close else "")
        return f"never connected to MQTT broker {self.broker_name}: {reason}{kept}"

    def undelivered(self) -> str | None:
        """After :meth:`close`: a one-line problem when messages were left undelivered."""
        problem = self.never_connected()
        if problem or not self._left_after_close:
            return problem
        reason = self.publisher.stats.last_error or "not acknowledged in time"
        return (f"{self._left_after_close} messages not delivered to MQTT broker "
                f"{self.broker_name} ({reason}); kept in {self.publisher.queue.path} for "
                "the next run")

    # --- life cycle ------------------------------------------------------------------

    def close(self, drain_timeout_s: float = 5.0) -> None:
        """Deliver what is queued (bounded), mark offline, disconnect cleanly."""
        if self._closed:
            return
        self._closed = True
        with self._lock:
            self._status["online"] = False
        def goodbye() -> list[OutMessage]:  # built after draining: final queue length
            return [self._status_message(),
                    OutMessage(self.topics.bridge_state, b"offline", 1, True)]

        self.publisher.close(final=goodbye, drain_timeout_s=drain_timeout_s)
        left = self._left_after_close = len(self.publisher.queue)
        # Never connected: the connection warnings and never_connected() say it already.
        if left and self.publisher.stats.connects:
            log.warning("MQTT: %d messages not delivered yet; kept in %s for the next run",
                        left, self.publisher.queue.path)
        self.publisher.queue.close()
        if self._on_close is not None:
            self._on_close()

    def __enter__(self) -> MqttSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
