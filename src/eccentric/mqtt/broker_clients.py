"""How the embedded broker serves its clients: our listeners, our connection adapters and
our per-client protocol handler, around amqtt's broker core.

Clients come and go: a browser tab is closed, a client drops in the middle of a publish,
a client falls behind. amqtt 0.12 takes only TCP's ``ConnectionResetError`` and
``BrokenPipeError`` for "the client is gone". A WebSocket that closes under it raises
``websockets.ConnectionClosed`` instead, and then:

* if that happens while the broker answers the client (CONNACK, SUBACK, ...), the error
  leaves amqtt's session loop: ``websockets.server`` logs "connection handler failed"
  with a traceback, and the session is never ended. It stays "connected" and subscribed,
  so every later message is sent to it again and fails again; its Last Will is never
  published;
* if it happens while retained messages are sent to the client (amqtt awaits those
  tasks with ``asyncio.wait`` and never takes their results), each failed task is
  reported by asyncio as "Task exception was never retrieved", with a traceback;
* a message at QoS 1 or 2 that the client never acknowledges (it went away, or it is too
  slow) fails after amqtt's 5 s with ``TimeoutError``, reported the same two ways.

So the broker's listeners are ours (amqtt's "external" listeners, fed through
``Broker.external_connected``): the adapters report a closed connection, TCP or
WebSocket, the way amqtt understands (``ConnectionResetError``), which makes amqtt end the
session as for any dropped client (Will, unsubscribe, forget); and the protocol handler
stops sending to a client that is gone, and takes a missing acknowledgement for a
dropped message. A departed client costs one debug line.

This module imports amqtt and websockets; :mod:`eccentric.mqtt.broker` loads it only when
a broker is started.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any

from amqtt.adapters import (  # type: ignore[import-untyped]
    ReaderAdapter,
    StreamReaderAdapter,
    StreamWriterAdapter,
    WriterAdapter,
)
from amqtt.broker import Broker  # type: ignore[import-untyped]
from amqtt.mqtt.protocol.broker_handler import (  # type: ignore[import-untyped]
    BrokerProtocolHandler,
)
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

log = logging.getLogger("eccentric.mqtt.broker")

# amqtt's listener names: "default" is required by its configuration.
TCP_LISTENER = "default"
WS_LISTENER = "ws"
# A client must send its CONNECT this soon after connecting (amqtt itself waits forever).
CONNECT_TIMEOUT_S = 10.0
# QoS 0 messages (live samples) waiting for one client beyond which further ones are
# dropped: about 3 s of the demo's live stream for a client that does not keep up (a
# frozen tab, a stopped process), instead of a queue that grows while it is stuck.
MAX_PENDING_QOS0 = 1000


def _peer(address: Any) -> str:
    try:
        return f"{address[0]}:{address[1]}"
    except (TypeError, IndexError):
        return "?"


class _TcpReader(StreamReaderAdapter):  # type: ignore[misc]
    """amqtt's TCP reader, handing out first the byte read before the session began."""

    def __init__(self, reader: asyncio.StreamReader, first: bytes) -> None:
        super().__init__(reader)
        self._first = first

    async def read(self, n: int = -1) -> bytes:
        if not self._first or n == 0:
            return bytes(await super().read(n))
        head, self._first = self._first, b""
        if n == 1:
            return head
        return head + bytes(await super().read(n - 1 if n > 0 else n))


class _TcpWriter(StreamWriterAdapter):  # type: ignore[misc]
    """amqtt's TCP writer; any socket error on a write means the client is gone."""

    def write(self, data: bytes) -> None:
        # Writes to a lost connection are dropped (asyncio would log a warning per write).
        if not self._writer.is_closing():
            super().write(data)

    async def drain(self) -> None:
        try:
            await super().drain()
        except OSError as exc:
            raise ConnectionResetError(str(exc) or type(exc).__name__) from None


class _WsReader(ReaderAdapter):  # type: ignore[misc]
    """MQTT bytes from WebSocket messages (as amqtt's reader; EOF when closed), starting
    with the first message, which was received before the session began."""

    def __init__(self, ws: ServerConnection, first: bytes) -> None:
        self._ws = ws
        self._buffer = bytearray(first)

    async def read(self, n: int = -1) -> bytes:
        while n > len(self._buffer):
            try:
                message = await self._ws.recv()
            except ConnectionClosed:
                break
            self._buffer += message.encode() if isinstance(message, str) else message
        size = len(self._buffer) if n < 0 else min(n, len(self._buffer))
        out = bytes(self._buffer[:size])
        del self._buffer[:size]
        return out

    def feed_eof(self) -> None:
        pass


class _WsWriter(WriterAdapter):  # type: ignore[misc]
    """MQTT bytes as WebSocket messages; a closed WebSocket is reported as amqtt expects
    a closed TCP connection to be."""

    def __init__(self, ws: ServerConnection) -> None:
        self._ws = ws
        self._out = bytearray()

    def write(self, data: bytes) -> None:
        self._out += data

    async def drain(self) -> None:
        if not self._out:
            return
        data, self._out = bytes(self._out), bytearray()
        try:
            await self._ws.send(data)
        except ConnectionClosed as exc:
            raise ConnectionResetError(f"WebSocket closed: {exc}") from None

    def get_peer_info(self) -> tuple[str, int] | None:
        address = self._ws.remote_address
        return (str(address[0]), int(address[1])) if address else None

    def get_ssl_info(self) -> None:
        return None

    async def close(self) -> None:
        await self._ws.close()


class ClientHandler(BrokerProtocolHandler):  # type: ignore[misc]
    """amqtt's protocol handler for one client, for whom a closed connection ends the
    session and nothing else: nothing more is sent to a client that is gone, and a QoS 1
    or 2 message it does not acknowledge in time is dropped, not an error."""

    def __init__(self, plugins_manager: Any) -> None:
        super().__init__(plugins_manager)
        self.gone = False
        self._pending_qos0 = 0
        self._dropping = False
        self._unacknowledged = False

    def _name(self) -> str:
        session = self.session
        return str(session.client_id) if session is not None else "?"

    async def handle_connection_closed(self) -> None:
        if not self.gone:
            self.gone = True
            log.debug("MQTT client %s: connection closed", self._name())
        await super().handle_connection_closed()

    async def wait_disconnect(self) -> Any:
        # Gone before amqtt started waiting: nothing would ever wake it.
        if self.gone:
            return None
        return await super().wait_disconnect()

    async def mqtt_publish(self, topic: str, data: bytes | bytearray, qos: int | None,
                           retain: bool, ack_timeout: int | None = None) -> Any:
        if self.gone:
            return None
        if not qos:
            if self._pending_qos0 >= MAX_PENDING_QOS0:
                if not self._dropping:
                    self._dropping = True
                    log.debug("MQTT client %s is not keeping up: dropping QoS 0 messages",
                              self._name())
                return None
            if self._dropping and self._pending_qos0 < MAX_PENDING_QOS0 // 2:
                self._dropping = False
            self._pending_qos0 += 1
        try:
            return await super().mqtt_publish(topic, data, qos, retain, ack_timeout)
        except TimeoutError:
            if not self.gone and not self._unacknowledged:
                self._unacknowledged = True
                log.debug("MQTT client %s did not acknowledge a message on %s in time; "
                          "such messages to it are dropped", self._name(), topic)
            return None
        finally:
            if not qos:
                self._pending_qos0 -= 1


class _HandshakeLog(logging.LoggerAdapter):  # type: ignore[type-arg]
    """The WebSocket server's logger. websockets reports a client that goes away during
    the opening handshake (a tab closed at once, a port probe) as "opening handshake
    failed" at ERROR with a traceback; that is one debug line here. Everything else is
    logged as websockets logs it."""

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        # Each connection wraps this adapter in one of its own, which calls log().
        if level == logging.ERROR and msg == "opening handshake failed" and _client_left():
            self.logger.debug("WebSocket client left during the opening handshake")
            return
        super().log(level, msg, *args, **kwargs)


def _client_left() -> bool:
    """Whether the exception being handled comes from the peer closing the connection."""
    exc: BaseException | None = sys.exc_info()[1]
    for _ in range(10):  # a chain of causes, not followed forever
        if exc is None:
            break
        if isinstance(exc, EOFError | ConnectionError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def handshake_logger() -> logging.LoggerAdapter:  # type: ignore[type-arg]
    return _HandshakeLog(logging.getLogger("websockets.server"), {})


class _Subscriptions(dict[str, Any]):
    """amqtt's table of topic filter -> subscribers, iterated over a copy. amqtt loops
    over it across awaits (sending retained messages to a client that has just
    connected) while other clients subscribe and leave; iterating the table itself then
    fails with "dictionary changed size during iteration" and kills that client's
    session."""

    def __iter__(self) -> Any:
        return iter(list(super().__iter__()))

    def items(self) -> Any:
        return list(super().items())


class ClientBroker(Broker):  # type: ignore[misc]
    """amqtt's broker, fed by our listeners (:meth:`tcp_client`, :meth:`ws_client`) and
    serving each client with a :class:`ClientHandler`."""

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self._subscriptions = _Subscriptions()

    async def tcp_client(self, reader: asyncio.StreamReader,
                         writer: asyncio.StreamWriter) -> None:
        peer = _peer(writer.get_extra_info("peername"))
        try:
            first = await asyncio.wait_for(reader.read(1), CONNECT_TIMEOUT_S)
        except (TimeoutError, OSError) as exc:
            log.debug("MQTT client %s sent no CONNECT (%s)", peer, type(exc).__name__)
            writer.close()
            return
        if not first:
            log.debug("MQTT client %s closed its connection before CONNECT", peer)
            writer.close()
            return
        await self._serve(TCP_LISTENER, _TcpReader(reader, first), _TcpWriter(writer), peer)

    async def ws_client(self, ws: ServerConnection) -> None:
        peer = _peer(ws.remote_address)
        try:
            first = await asyncio.wait_for(ws.recv(), CONNECT_TIMEOUT_S)
        except (TimeoutError, ConnectionClosed) as exc:
            log.debug("WebSocket MQTT client %s sent no CONNECT (%s)", peer,
                      type(exc).__name__)
            return
        data = first.encode() if isinstance(first, str) else first
        await self._serve(WS_LISTENER, _WsReader(ws, data), _WsWriter(ws), peer)

    async def _serve(self, listener: str, reader: ReaderAdapter, writer: WriterAdapter,
                     peer: str) -> None:
        try:
            await self.external_connected(reader=reader, writer=writer, listener_name=listener)
        except (ConnectionError, ConnectionClosed) as exc:
            # The adapters turn these into amqtt's own signal; should one still get here,
            # the client is gone all the same.
            log.debug("MQTT client %s: connection lost (%s)", peer, exc)

    async def _handle_client_session(self, reader: Any, writer: Any, client_session: Any,
                                     handler: Any, server: Any, listener_name: str) -> None:
        # amqtt made ``handler`` from the CONNECT and has neither attached nor started it:
        # one of ours takes its place.
        await super()._handle_client_session(reader, writer, client_session,
                                             ClientHandler(self.plugins_manager), server,
                                             listener_name)
