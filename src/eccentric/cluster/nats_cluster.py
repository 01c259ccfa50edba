"""Local nats-server nodes for scripts and tests: a JetStream cluster on loopback.

Each node gets its own store directory, client port, route port, MQTT port and
WebSocket port (MQTT clients, the browser dashboard among them, keep speaking MQTT to
the cluster). Ports default to free ones picked by the OS.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from eccentric.mqtt.broker import free_port

CLUSTER_NAME = "eccentric"
NATS_CANDIDATES = ("/usr/sbin/nats-server", "/usr/bin/nats-server")


def nats_binary() -> str:
    """The nats-server executable; missing is an error naming the package."""
    for candidate in (*NATS_CANDIDATES, shutil.which("nats-server")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise RuntimeError("nats-server is not installed (apt-get install -y nats-server)")


def wait_port(port: int, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout_s} s")


@dataclass
class Node:
    """One nats-server process of the cluster."""

    name: str
    workdir: Path
    port: int = field(default_factory=free_port)
    route_port: int = field(default_factory=free_port)
    mqtt_port: int = field(default_factory=free_port)
    ws_port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        """MQTT over WebSocket, as a browser dashboard connects."""
        return f"ws://127.0.0.1:{self.ws_port}/mqtt"

    def config(self, routes: list[int]) -> str:
        store = self.workdir / "store"
        route_urls = ", ".join(f'"nats-route://127.0.0.1:{p}"' for p in routes)
        return "\n".join([
            f'server_name: "{self.name}"',
            f"listen: 127.0.0.1:{self.port}",
            # Chunk payloads are ~2-20 kB; a replaying worker pulls many at once.
            "max_payload: 2MB",
            "jetstream {",
            f'  store_dir: "{store}"',
            "  max_memory_store: 256MB",
            "  max_file_store: 4GB",
            "}",
            "cluster {",
            f"  name: {CLUSTER_NAME}",
            f"  listen: 127.0.0.1:{self.route_port}",
            f"  routes: [{route_urls}]",
            # Clients use the URLs they were given (a proxy in the tests, a load
            # balancer in a gym), not the nodes' own addresses.
            "  no_advertise: true",
            "}",
            "mqtt {",
            f"  listen: 127.0.0.1:{self.mqtt_port}",
            "}",
            # MQTT over WebSocket (path /mqtt): the browser dashboard's way in.
            "websocket {",
            f"  listen: 127.0.0.1:{self.ws_port}",
            "  no_tls: true",
            "}",
            "",
        ])

    def start(self, routes: list[int]) -> Node:
        self.workdir.mkdir(parents=True, exist_ok=True)
        conf = self.workdir / "nats.conf"
        conf.write_text(self.config(routes))
        log = (self.workdir / "nats.log").open("ab")
        self.proc = subprocess.Popen([nats_binary(), "-c", str(conf)], stdout=log,
                                     stderr=subprocess.STDOUT)
        return self

    def wait(self, timeout_s: float = 15.0) -> None:
        wait_port(self.port, timeout_s)

    def stop(self, sig: int = signal.SIGTERM, timeout_s: float = 10.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def restart(self, routes: list[int]) -> None:
        self.stop()
        self.start(routes)
        self.wait()


class LocalCluster:
    """``size`` nats-server nodes on loopback, routed to each other, JetStream on."""

    def __init__(self, workdir: Path, size: int = 3) -> None:
        self.nodes = [Node(f"n{i + 1}", workdir / f"n{i + 1}") for i in range(size)]

    @property
    def urls(self) -> list[str]:
        return [n.url for n in self.nodes]

    def routes_for(self, node: Node) -> list[int]:
        return [n.route_port for n in self.nodes if n is not node]

    def start(self) -> LocalCluster:
        for n in self.nodes:
            n.start(self.routes_for(n))
        for n in self.nodes:
            n.wait()
        return self

    def restart(self, node: Node) -> None:
        node.restart(self.routes_for(node))

    def stop(self) -> None:
        for n in self.nodes:
            n.stop()

    def __enter__(self) -> LocalCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
