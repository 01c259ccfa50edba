"""An in-process MQTT 3.1.1 broker (amqtt) on 127.0.0.1 with TCP and WebSocket listeners.

It runs its own asyncio loop on a daemon thread, so synchronous code (the replay loop)
can host it. It binds to loopback only and allows anonymous clients: it is for a demo
on one machine, not for a network. amqtt >= 0.11.4 is required for the fix of
GHSA-2hjf-7455-w946 (ReDoS in wildcard topic matching); pyproject pins >= 0.12.1.

The listening sockets are bound here, before the broker starts, so a port that is taken
is known at once and named (:class:`ListenPort`). How clients are served, and why the
listeners are ours rather than amqtt's: :mod:`eccentric.mqtt.broker_clients`.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from eccentric.core.errors import EccentricError

log = logging.getLogger(__name__)
HOST = "127.0.0.1"
DEFAULT_PORT = 1883
DEFAULT_WS_PORT = 9001
# A default port that is taken moves up one at a time, this many times, then to any
# free port.
PORT_SEARCH = 50


class EmbeddedBrokerError(EccentricError):
    """The embedded broker could not start (port taken, ...)."""


def free_port(host: str = HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class ListenPort:
    """The port a listener is to use; ``number`` 0 is any free port.

    A port the user chose is used as given, and a taken one is an error naming
    ``flag``, how it was chosen (``--mqtt-port``, an environment variable, ...). A
    ``default`` that is taken moves up to the next free port instead.
    """

    number: int
    flag: str | None = None
    default: bool = False

    @classmethod
    def choose(cls, value: int | None, default: int, flag: str | None) -> ListenPort:
        """``value`` as given by ``flag``, or ``default`` when not given (None)."""
        return cls(default, default=True) if value is None else cls(value, flag)

    def candidates(self) -> list[int]:
        if not (self.default and self.number):
            return [self.number]
        return [p for p in range(self.number, self.number + PORT_SEARCH) if p <= 65535] + [0]


DEFAULT_LISTEN = ListenPort(DEFAULT_PORT, default=True)
DEFAULT_WS_LISTEN = ListenPort(DEFAULT_WS_PORT, default=True)


def _as_listen(port: int | ListenPort) -> ListenPort:
    return port if isinstance(port, ListenPort) else ListenPort(port)


def listen_socket(want: ListenPort, kind: str) -> socket.socket:
    """A socket listening on 127.0.0.1 as ``want`` says; :class:`EmbeddedBrokerError`
    (one line, naming the port and how it was asked for) when that cannot be had."""
    for port in want.candidates():
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            # As asyncio's servers do: a port left in TIME_WAIT by an earlier run can be
            # reused; Linux still refuses a port that another socket listens on.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((HOST, port))
            sock.listen(100)  # at once: two sockets may share a port until one listens
        except OSError as exc:
            sock.close()
            if want.default and exc.errno == errno.EADDRINUSE:
                continue
            why = ("is in use (another broker?)" if exc.errno == errno.EADDRINUSE
                   else f"cannot be used ({exc.strerror})")
            fix = (f"give {want.flag} a free port, or 0 for any" if want.flag
                   else "choose a free port, or 0 for any")
            raise EmbeddedBrokerError(f"{kind} port {port} on {HOST} {why}: {fix}") from None
        sock.setblocking(False)
        return sock
    raise EmbeddedBrokerError(f"no free port for the {kind} listener on {HOST}")


class EmbeddedBroker:
    """``port``/``ws_port``: a :class:`ListenPort`, or a number to use as given (0 = any
    free port); ``ws_port`` None disables WebSockets. The defaults are 1883 and 9001,
    or the next free ports above them."""

    def __init__(self, port: int | ListenPort = DEFAULT_LISTEN,
                 ws_port: int | ListenPort | None = DEFAULT_WS_LISTEN, *,
                 quiet: bool = True) -> None:
        self.want = _as_listen(port)
        self.want_ws = None if ws_port is None else _as_listen(ws_port)
        # Requested until start(), then the ports actually listened on.
        self.port = self.want.number
        self.ws_port = self.want_ws.number if self.want_ws is not None else None
        self.quiet = quiet
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._broker: Any = None
        self._servers: list[Any] = []

    @property
    def url(self) -> str:
        return f"mqtt://{HOST}:{self.port}"

    @property
    def ws_url(self) -> str | None:
        return f"ws://{HOST}:{self.ws_port}/mqtt" if self.ws_port else None

    def moved(self) -> list[str]:
        """Default ports that were taken, e.g. ``["MQTT port 1883 is in use; using 1884"]``."""
        notes = []
        for kind, want, got in (("MQTT", self.want, self.port),
                                ("WebSocket", self.want_ws, self.ws_port)):
            if want is not None and want.default and want.number and got != want.number:
                notes.append(f"{kind} port {want.number} is in use; using {got}")
        return notes

    def _config(self) -> dict[str, Any]:
        from eccentric.mqtt.broker_clients import TCP_LISTENER, WS_LISTENER

        # "external": amqtt binds nothing; our servers hand it the connections.
        listeners: dict[str, Any] = {TCP_LISTENER: {"type": "external"}}
        if self.ws_port:
            listeners[WS_LISTENER] = {"type": "external"}
        return {
            "listeners": listeners,
            # Only authentication: the default set also loads packet/event loggers and a
            # $SYS publisher, which a demo broker does not need.
            "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin":
                        {"allow_anonymous": True}},
        }

    def start(self, timeout_s: float = 10.0) -> EmbeddedBroker:
        tcp = listen_socket(self.want, "MQTT")
        try:
            ws = listen_socket(self.want_ws, "WebSocket") if self.want_ws is not None else None
        except EmbeddedBrokerError:
            tcp.close()
            raise
        self.port = int(tcp.getsockname()[1])
        self.ws_port = int(ws.getsockname()[1]) if ws is not None else None
        if self.quiet:
            # amqtt logs every refused MQTT 5 attempt at WARNING, and much at INFO.
            logging.getLogger("amqtt").setLevel(logging.ERROR)
            logging.getLogger("transitions").setLevel(logging.ERROR)
        started: Future[None] = Future()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, args=(started, tcp, ws),
                                        name="embedded-broker", daemon=True)
        self._thread.start()
        try:
            started.result(timeout_s)
        except Exception as exc:
            self.stop()
            for sock in (tcp, ws):
                if sock is not None:
                    sock.close()
            raise EmbeddedBrokerError(f"embedded MQTT broker did not start: {exc}") from exc
        log.info("embedded MQTT broker on %s and %s", self.url, self.ws_url)
        return self

    def _serve(self, started: Future[None], tcp: socket.socket,
               ws: socket.socket | None) -> None:
        from websockets.asyncio.server import serve
        from websockets.typing import Subprotocol

        from eccentric.mqtt.broker_clients import ClientBroker, handshake_logger

        loop = self._loop
        assert loop is not None
        asyncio.set_event_loop(loop)

        async def boot() -> None:
            broker = ClientBroker(self._config())
            self._broker = broker
            await broker.start()
            self._servers.append(await asyncio.start_server(broker.tcp_client, sock=tcp))
            if ws is not None:
                self._servers.append(await serve(
                    broker.ws_client, sock=ws, subprotocols=[Subprotocol("mqtt")],
                    # Loopback: compressing every message would only cost CPU.
                    compression=None, close_timeout=2, logger=handshake_logger()))

        try:
            loop.run_until_complete(boot())
        except Exception as exc:
            started.set_exception(exc)
            return
        started.set_result(None)
        loop.run_forever()
        loop.close()

    async def _shutdown(self) -> None:
        for server in self._servers:
            server.close()  # no new clients (websockets also closes its connections)
        await self._broker.shutdown()  # ends every session and closes its connection
        for server in self._servers:
            try:
                await asyncio.wait_for(server.wait_closed(), 5)
            except TimeoutError:
                log.debug("embedded broker: a listener did not close in time")
        self._servers.clear()

    def connected_clients(self) -> list[str]:
        """Client ids of the sessions the broker holds as connected (for tests)."""
        loop, broker = self._loop, self._broker
        if loop is None or broker is None or not loop.is_running():
            return []

        async def ids() -> list[str]:
            return sorted(str(cid) for cid, (session, _) in broker._sessions.items()
                          if session.transitions.state == "connected")

        return asyncio.run_coroutine_threadsafe(ids(), loop).result(5)

    def stop(self, timeout_s: float = 10.0) -> None:
        loop, broker = self._loop, self._broker
        if loop is None or self._thread is None:
            return
        if broker is not None and loop.is_running():
            fut = asyncio.run_coroutine_threadsafe(self._shutdown(), loop)
            try:
                fut.result(timeout_s)
            except Exception:
                log.debug("embedded broker shutdown failed", exc_info=True)
        if loop.is_running():
            loop.call_soon_threadsafe(loop.stop)
        self._thread.join(timeout_s)
        self._broker = None
        self._thread = None

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
