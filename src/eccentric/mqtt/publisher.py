"""The connection: one paho client at a time, reconnects with backoff, nothing lost.

Three kinds of outgoing message:

* durable (reps, sets): appended to the :class:`DiskQueue` by the caller and removed
  only once the broker acknowledged them (QoS 1). After every (re)connect, and after a
  restart of the process, sending starts again from the oldest unacknowledged message,
  so order is kept and nothing is lost; a message whose PUBACK was lost is sent twice,
  which subscribers absorb by de-duplicating on the event ``id``.
* state (bridge availability, athlete status, discovery): only the latest value per
  topic matters; it is remembered and published again on every connect.
* volatile (live gauges, raw IMU, command results): sent only while connected, from
  small bounded buffers, and dropped first when the link is down or slow.

All paho calls happen on one sender thread (plus paho's own network thread), so the
caller - the detection loop - only appends to a queue and never waits for the network.
A fresh paho client is built for every connection attempt, with paho's own reconnect
off: paho would otherwise resend its in-memory copies after a reconnect while this
class resends from disk, and the two could interleave out of order.
"""

from __future__ import annotations

import errno
import logging
import random
import socket
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.reasoncodes import ReasonCode

from eccentric.core.errors import EccentricError
from eccentric.mqtt.client import Will, build_client
from eccentric.mqtt.config import BrokerAddress, MqttConfig
from eccentric.mqtt.queue import DiskQueue

log = logging.getLogger(__name__)

MessageHandler = Callable[[str, bytes], None]
_UNSUPPORTED_PROTOCOL = 132  # CONNACK reason code (v5) meaning "Unsupported protocol version"
_SESSION_TAKEN_OVER = 142
# CONNACK refusals of the login: v5 134/135, MQTT 3.1.1 return codes 4/5 (paho maps
# those to the same v5 names).
_LOGIN_REFUSED = {"Bad user name or password", "Not authorized"}


def connect_failure_reason(exc: BaseException, address: BrokerAddress) -> str:
    """Why a connect call failed, in words a user can act on."""
    if isinstance(exc, socket.gaierror):
        return f"unknown host {address.host!r}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (f"TLS certificate verify failed: {exc.verify_message} (--mqtt-ca names "
                "the CA that signed the broker's certificate)")
    if address.tls and isinstance(exc, ssl.SSLError | ConnectionResetError | EOFError):
        return ("TLS handshake failed: is this a plain MQTT port? (then use mqtt:// or "
                f"ws://): {exc}")
    if address.tls and isinstance(exc, TimeoutError | socket.timeout):
        return ("no answer to the TLS handshake (timed out): is this a plain MQTT port? "
                "(then use mqtt:// or ws://)")
    if isinstance(exc, ConnectionRefusedError) or getattr(exc, "errno", None) == \
            errno.ECONNREFUSED:
        return "connection refused (is the broker running and listening on that port?)"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "no answer (timed out)"
    return str(exc) or type(exc).__name__


@dataclass(frozen=True, slots=True)
class OutMessage:
    topic: str
    payload: bytes
    qos: int = 0
    retain: bool = False


@dataclass
class PublisherStats:
    connects: int = 0
    connect_failures: int = 0
    delivered: int = 0
    volatile_dropped: int = 0
    protocol: str | None = None
    # Why the latest connection attempt failed (None once connected).
    last_error: str | None = None


class Publisher:
    """Owns the broker connection on a background thread; see the module docstring."""

    def __init__(
        self,
        config: MqttConfig,
        address: BrokerAddress,
        client_id: str,
        queue: DiskQueue,
        *,
        will: Will | None = None,
        subscriptions: Mapping[str, MessageHandler] | None = None,
        on_connected: Callable[[int], None] | None = None,
        on_drained: Callable[[], None] | None = None,
        heartbeat: Callable[[], None] | None = None,
        heartbeat_s: float = 30.0,
        window: int = 50,
        volatile_max: int = 64,
        volatile_max_pending: int = 32,
        quiet_first_failure: bool = False,
    ) -> None:
        """``quiet_first_failure``: the caller reports a failed first attempt itself
        (:meth:`wait_first_outcome`), so it is not logged as a warning too."""
        self.config = config
        self.address = address
        self.client_id = client_id
        self.queue = queue
        self.will = will
        self.subscriptions = dict(subscriptions or {})
        self.on_connected = on_connected
        self.on_drained = on_drained
        self.heartbeat = heartbeat
        self.heartbeat_s = heartbeat_s
        self.window = window
        self.volatile_max_pending = volatile_max_pending
        self.stats = PublisherStats()
        self._protocol = "5" if config.protocol in ("auto", "5") else "3.1.1"
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._volatile: deque[OutMessage] = deque(maxlen=volatile_max)
        self._transient: deque[OutMessage] = deque(maxlen=1000)
        self._states: dict[str, OutMessage] = {}
        self._dirty: set[str] = set()
        self._final: Callable[[], list[OutMessage]] | None = None
        self._drain_deadline = 0.0
        self._generation = 0
        self._lost_generation = -1
        self._connack: ReasonCode | None = None
        self._connack_event = threading.Event()
        self._first_outcome = threading.Event()  # connected, or one attempt failed
        self._warned: str | None = None  # the failure last reported at warning level
        self._failed_in_a_row = 0
        self._quiet_first_failure = quiet_first_failure
        self._thread = threading.Thread(target=self._run, name="mqtt-publisher", daemon=True)

    # --- API for the caller (any thread) -------------------------------------------

    def start(self) -> None:
        self._thread.start()

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    @property
    def protocol(self) -> str:
        return self._protocol

    def wait_connected(self, timeout_s: float) -> bool:
        return self._connected.wait(timeout_s)

    def wait_first_outcome(self, timeout_s: float) -> bool:
        """Wait until the first attempt connected or failed; True if connected."""
        self._first_outcome.wait(timeout_s)
        return self._connected.is_set()

    def put_durable(self, topic: str, payload: bytes, retain: bool = False) -> None:
        """Append to the disk queue (fast, no network) and wake the sender."""
        self.queue.put(topic, payload, qos=1, retain=retain)
        self._wake.set()

    def put_volatile(self, message: OutMessage) -> bool:
        """Queue a live/raw message; dropped (False) while disconnected."""
        if not self._connected.is_set():
            self.stats.volatile_dropped += 1
            return False
        if len(self._volatile) == self._volatile.maxlen:
            self.stats.volatile_dropped += 1  # deque drops the oldest
        self._volatile.append(message)
        self._wake.set()
        return True

    def put_transient(self, message: OutMessage) -> bool:
        """Like volatile (not kept across disconnects) but never crowded out by gauges."""
        if not self._connected.is_set():
            return False
        self._transient.append(message)
        self._wake.set()
        return True

    def set_state(self, message: OutMessage) -> None:
        """Remember the latest value of a state topic; publish it now and on reconnects."""
        with self._lock:
            self._states[message.topic] = message
            self._dirty.add(message.topic)
        self._wake.set()

    def announce_again(self) -> None:
        """Re-publish every state topic (e.g. Home Assistant came back online)."""
        with self._lock:
            self._dirty.update(self._states)
        self._wake.set()

    def wait_drained(self, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if len(self.queue) == 0:
                return True
            time.sleep(0.01)
        return len(self.queue) == 0

    def close(self, final: Callable[[], list[OutMessage]] | None = None,
              drain_timeout_s: float = 5.0) -> None:
        """Deliver what is queued (up to the timeout), publish what ``final`` returns then
        (e.g. offline states), disconnect cleanly so the Last Will is not sent, stop."""
        self._final = final
        self._drain_deadline = time.monotonic() + drain_timeout_s
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(drain_timeout_s + 10.0)

    # --- paho callbacks (paho's network thread) ------------------------------------

    def _on_connect(self, client: mqtt.Client, generation: Any, flags: Any,
                    reason: ReasonCode, properties: Any) -> None:
        if generation != self._generation:
            return
        self._connack = reason
        if not reason.is_failure and self.subscriptions:
            client.subscribe([(topic, 1) for topic in self.subscriptions])
        self._connack_event.set()

    def _on_disconnect(self, client: mqtt.Client, generation: Any, flags: Any,
                       reason: ReasonCode, properties: Any) -> None:
        if generation != self._generation:
            return
        if reason.value == _SESSION_TAKEN_OVER:
            log.error("MQTT: another client connected with the same client id %r; give "
                      "each publisher its own --mqtt-client-id", self.client_id)
        self._lost_generation = generation
        self._connected.clear()
        self._connack_event.set()
        self._wake.set()

    def _on_publish(self, client: mqtt.Client, generation: Any, mid: int,
                    reason: ReasonCode, properties: Any) -> None:
        self._wake.set()

    def _on_message(self, client: mqtt.Client, generation: Any,
                    message: mqtt.MQTTMessage) -> None:
        handler = self.subscriptions.get(message.topic)
        if handler is None:
            return
        try:
            handler(message.topic, bytes(message.payload))
        except Exception:  # a bad handler must not kill paho's network thread
            log.exception("MQTT: handler for %s failed", message.topic)

    # --- sender thread ---------------------------------------------------------------

    def _run(self) -> None:
        delay = self.config.reconnect_min_s
        while not self._stop.is_set():
            try:
                client = self._connect_once()
            except EccentricError as exc:  # e.g. TLS files that cannot be loaded
                self.stats.last_error = str(exc)
                client = None
            except Exception:
                log.exception("MQTT: unexpected error while connecting")
                client = None
            if client is None:
                self.stats.connect_failures += 1
                self._failed_in_a_row += 1
                self._report_failure()
                self._first_outcome.set()
                if self._stop.wait(delay * random.uniform(0.75, 1.0)):
                    break
                delay = min(delay * 2.0, self.config.reconnect_max_s)
                continue
            delay = self.config.reconnect_min_s
            self._first_outcome.set()
            try:
                self._serve(client)
            except Exception:
                log.exception("MQTT: unexpected error while sending; reconnecting")
            finally:
                self._connected.clear()
                self._shutdown_client(client)

    def _connect_once(self) -> mqtt.Client | None:
        self._generation += 1
        generation = self._generation
        client = build_client(self.config, self.address, self.client_id, self._protocol,
                              self.will)
        client.user_data_set(generation)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        client.on_message = self._on_message
        self._connack = None
        self._connack_event.clear()
        try:
            if self._protocol == "5":
                client.connect(self.address.host, self.address.port, self.config.keepalive_s,
                               clean_start=True)
            else:
                client.connect(self.address.host, self.address.port, self.config.keepalive_s)
        except Exception as exc:  # OSError, TLS and WebSocket handshake errors alike
            self.stats.last_error = connect_failure_reason(exc, self.address)
            return None
        client.loop_start()
        self._connack_event.wait(self.config.connack_timeout_s)
        reason = self._connack
        if reason is not None and not reason.is_failure and self._lost_generation != generation:
            self.stats.connects += 1
            self.stats.protocol = self._protocol
            self._connected.set()
            if self._warned is not None:
                log.warning("MQTT: connected to %s after %d failed attempts",
                            self.address.url, self._failed_in_a_row)
            else:
                log.info("MQTT: connected to %s (MQTT %s) as %s", self.address.url,
                         self._protocol, self.client_id)
            self.stats.last_error = None
            self._warned = None
            self._failed_in_a_row = 0
            return client
        self._shutdown_client(client)
        # Brokers without MQTT 5 refuse it in the CONNACK, or fail to parse the v5
        # CONNECT and close the connection or never answer (amqtt 0.12 with a Will).
        # A broker that accepted MQTT 5 once is not downgraded when it dies mid-handshake.
        refused_v5 = reason is None or reason.value == _UNSUPPORTED_PROTOCOL
        if refused_v5 and self._protocol == "5" and self.config.protocol == "auto" \
                and self.stats.connects == 0:
            log.info("MQTT: %s does not speak MQTT 5; using 3.1.1", self.address.url)
            self._protocol = "3.1.1"
            return self._connect_once()
        if reason is None:
            self.stats.last_error = (f"no MQTT answer within {self.config.connack_timeout_s:g} s"
                                     " (not an MQTT port, or one that expects TLS?)")
        elif str(reason) in _LOGIN_REFUSED:
            self.stats.last_error = (f"the broker refused the login: {reason} (check "
                                     "--mqtt-username and the password)")
        else:
            self.stats.last_error = f"the broker refused the connection: {reason}"
        return None

    def _report_failure(self) -> None:
        """One warning per kind of failure, not one per attempt: retries of the same
        failure go to the debug log (a broker that is down would otherwise flood it)."""
        reason = self.stats.last_error or "unknown error"
        where = f"{self.address.host}:{self.address.port}"
        first = self.stats.connects == 0 and self.stats.connect_failures == 1
        if reason == self._warned or (first and self._quiet_first_failure):
            self._warned = reason
            log.debug("MQTT: cannot connect to %s: %s", where, reason)
            return
        self._warned = reason
        log.warning("MQTT: cannot connect to %s: %s; retrying in the background (up to "
                    "every %g s), reps and sets kept on disk meanwhile", where, reason,
                    self.config.reconnect_max_s)

    def _shutdown_client(self, client: mqtt.Client) -> None:
        try:
            if client.is_connected():
                client.disconnect()
            client.loop_stop()
        except Exception:
            log.debug("MQTT: error while discarding a client", exc_info=True)

    def _serve(self, client: mqtt.Client) -> None:
        generation = self._generation
        inflight: deque[tuple[int, mqtt.MQTTMessageInfo]] = deque()
        pending_volatile: deque[mqtt.MQTTMessageInfo] = deque()
        last_seq = 0
        backlog = len(self.queue)
        if self.on_connected is not None:
            self.on_connected(backlog)
        self.announce_again()
        draining = backlog > 0
        next_beat = time.monotonic() + self.heartbeat_s
        while True:
            self._wake.clear()
            if self._lost_generation == generation or not client.is_connected():
                log.warning("MQTT: connection to %s lost; %d messages queued",
                            self.address.url, len(self.queue))
                return
            # Acknowledged durable messages leave the disk queue, oldest first.
            done: list[int] = []
            while inflight and inflight[0][1].is_published():
                done.append(inflight.popleft()[0])
            if done:
                self.queue.remove(done)
                self.stats.delivered += len(done)
            for message in self._take_dirty_states():
                client.publish(message.topic, message.payload, message.qos, message.retain)
            while self._transient:
                m = self._transient.popleft()
                client.publish(m.topic, m.payload, m.qos, m.retain)
            room = self.window - len(inflight)
            if room > 0:
                for row in self.queue.peek(last_seq, room):
                    last_seq = row.seq
                    try:
                        info = client.publish(row.topic, row.payload, row.qos, row.retain)
                    except ValueError as exc:  # a row that can never be sent: drop it
                        log.error("MQTT: dropping unsendable message on %r: %s", row.topic, exc)
                        self.queue.remove([row.seq])
                        continue
                    if info.rc != mqtt.MQTT_ERR_SUCCESS:
                        break
                    inflight.append((row.seq, info))
            self._send_volatile(client, pending_volatile)
            if draining and not inflight and len(self.queue) == 0:
                draining = False
                if self.on_drained is not None:
                    self.on_drained()
            if self.heartbeat is not None and time.monotonic() >= next_beat:
                next_beat = time.monotonic() + self.heartbeat_s
                self.heartbeat()
            drained = not inflight and len(self.queue) == 0
            if self._stop.is_set() and (drained or time.monotonic() > self._drain_deadline):
                self._say_goodbye(client)
                return
            self._wake.wait(0.25)

    def _take_dirty_states(self) -> list[OutMessage]:
        with self._lock:
            out = [self._states[t] for t in self._states if t in self._dirty]
            self._dirty.clear()
        return out

    def _send_volatile(self, client: mqtt.Client,
                       pending: deque[mqtt.MQTTMessageInfo]) -> None:
        while pending and pending[0].is_published():
            pending.popleft()
        while self._volatile:
            m = self._volatile.popleft()
            # QoS 0 messages still waiting for the socket mean the link is slow:
            # drop gauges rather than let them pile up in memory.
            if len(pending) >= self.volatile_max_pending:
                self.stats.volatile_dropped += 1
                continue
            pending.append(client.publish(m.topic, m.payload, m.qos, m.retain))

    def _say_goodbye(self, client: mqtt.Client) -> None:
        final = self._final() if self._final is not None else []
        infos = [client.publish(m.topic, m.payload, m.qos, m.retain) for m in final]
        for info in infos:
            try:
                info.wait_for_publish(2.0)
            except (RuntimeError, ValueError):
                break
