"""An in-process MQTT 3.1.1 broker (amqtt) on 127.0.0.1 with TCP and WebSocket listeners.

It runs its own asyncio loop on a daemon thread, so synchronous code (the replay loop)
can host it. It binds to loopback only and allows anonymous clients: it is for a demo
on one machine, not for a network. amqtt >= 0.11.4 is required for the fix of
GHSA-2hjf-7455-w946 (ReDoS in wildcard topic matching); pyproject pins >= 0.12.1.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from concurrent.futures import Future
from typing import Any

from eccentric.core.errors import EccentricError

log = logging.getLogger(__name__)
HOST = "127.0.0.1"


class EmbeddedBrokerError(EccentricError):
    """The embedded broker could not start (port taken, ...)."""


def free_port(host: str = HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


class EmbeddedBroker:
    """``port``/``ws_port`` 0 pick free ports; ``ws_port`` None disables WebSockets."""

    def __init__(self, port: int = 1883, ws_port: int | None = 9001, *,
                 quiet: bool = True) -> None:
        self.port = port or free_port()
        self.ws_port = (ws_port or free_port()) if ws_port is not None else None
        self.quiet = quiet
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._broker: Any = None

    @property
    def url(self) -> str:
        return f"mqtt://{HOST}:{self.port}"

    @property
    def ws_url(self) -> str | None:
        return f"ws://{HOST}:{self.ws_port}/mqtt" if self.ws_port else None

    def _config(self) -> dict[str, Any]:
        listeners: dict[str, Any] = {"default": {"type": "tcp", "bind": f"{HOST}:{self.port}"}}
        if self.ws_port:
            listeners["ws"] = {"type": "ws", "bind": f"{HOST}:{self.ws_port}"}
        return {
            "listeners": listeners,
            # Only authentication: the default set also loads packet/event loggers and a
            # $SYS publisher, which a demo broker does not need.
            "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin":
                        {"allow_anonymous": True}},
        }

    def start(self, timeout_s: float = 10.0) -> EmbeddedBroker:
        for p in (self.port, self.ws_port):
            if p and _port_in_use(HOST, p):
                raise EmbeddedBrokerError(
                    f"port {p} on {HOST} is in use (another broker?); pass a free "
                    "--embedded-port/--embedded-ws-port or 0 for any")
        if self.quiet:
            # amqtt logs every refused MQTT 5 attempt and client disconnect.
            logging.getLogger("amqtt").setLevel(logging.ERROR)
            logging.getLogger("transitions").setLevel(logging.ERROR)
        started: Future[None] = Future()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, args=(started,),
                                        name="embedded-broker", daemon=True)
        self._thread.start()
        try:
            started.result(timeout_s)
        except Exception as exc:
            self.stop()
            raise EmbeddedBrokerError(f"embedded MQTT broker did not start: {exc}") from exc
        log.info("embedded MQTT broker on %s and %s", self.url, self.ws_url)
        return self

    def _serve(self, started: Future[None]) -> None:
        from amqtt.broker import Broker  # type: ignore[import-untyped]  # lazy: only when used

        loop = self._loop
        assert loop is not None
        asyncio.set_event_loop(loop)

        async def boot() -> None:
            self._broker = Broker(self._config())
            await self._broker.start()

        try:
            loop.run_until_complete(boot())
        except Exception as exc:
            started.set_exception(exc)
            return
        started.set_result(None)
        loop.run_forever()
        loop.close()

    def stop(self, timeout_s: float = 10.0) -> None:
        loop, broker = self._loop, self._broker
        if loop is None or self._thread is None:
            return
        if broker is not None and loop.is_running():
            fut = asyncio.run_coroutine_threadsafe(broker.shutdown(), loop)
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
