"""A loopback-only static file server for the dashboard page, plus its ``config.json``.

The page is plain files shipped in the package (``static/``); everything it needs, the
MQTT client included, comes from here, so it works offline. The only dynamic resource
is ``/config.json``, which tells the page which WebSocket broker and base topic to use.
Standard library only: a dashboard should not pull in a web framework.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from eccentric import __version__
from eccentric.core.errors import EccentricError
from eccentric.mqtt.config import parse_broker_url
from eccentric.mqtt.topics import DEFAULT_BASE, sanitize_base, sanitize_segment

log = logging.getLogger(__name__)
HOST = "127.0.0.1"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".md": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}
# Everything the page loads is same-origin; only the MQTT WebSocket may go elsewhere
# (the broker may be another host). No inline script or style is needed, so none is
# allowed: a hostile athlete name cannot become code.
# mqtt.js runs its keepalive timers in a blob: worker, because browsers throttle timers
# in background tabs so hard that the broker would drop the connection.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self' ws: wss:; worker-src blob:; base-uri 'none'; "
       "form-action 'none'; frame-ancestors 'none'")


class DashboardError(EccentricError):
    """Bad dashboard settings, or the server could not start."""


@dataclass(frozen=True)
class DashboardConfig:
    """What the page is told: broker WebSocket URL, base topic, optional credentials.

    Credentials given here are readable by anyone who can open the page: use a
    read-only broker account. ``password`` stays out of ``repr`` so it is never logged.
    """

    broker_url: str
    base: str = DEFAULT_BASE
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    # Three missed status heartbeats (30 s each) minus a little: then "stale".
    stale_after_s: float = 65.0
    # The athlete history the page's history view reads (``/history.json``); None: no view.
    history_db: Path | None = None

    def __post_init__(self) -> None:
        try:
            address = parse_broker_url(self.broker_url)
        except EccentricError as exc:
            raise DashboardError(str(exc)) from None
        if address.transport != "websockets":
            raise DashboardError(
                f"a browser reaches MQTT only over WebSockets: give ws://host:port/path or "
                f"wss://..., not {self.broker_url!r} (Mosquitto: 'listener 9001' + "
                "'protocol websockets'; see docs/dashboard.md)")
        if not urlsplit(self.broker_url).path:
            # Same default as the publishers' URLs (and EMQX's, HiveMQ's): /mqtt.
            object.__setattr__(self, "broker_url", self.broker_url.rstrip("/") + "/mqtt")
        object.__setattr__(self, "base", sanitize_base(self.base))

    def as_json(self) -> bytes:
        doc: dict[str, Any] = {"broker": self.broker_url, "base": self.base,
                               "stale_after_s": self.stale_after_s, "version": __version__,
                               "history": self.history_db is not None}
        if self.username:
            doc["username"] = self.username
            if self.password is not None:
                doc["password"] = self.password
        return json.dumps(doc).encode()


def load_static(root: Traversable | None = None) -> dict[str, bytes]:
    """All files under ``static/`` by URL path (``/app.js``), read once at start.

    Serving from this fixed table (not from the file system per request) rules out
    path traversal by construction.
    """
    root = root or resources.files("eccentric.app.dashboard").joinpath("static")
    files: dict[str, bytes] = {}

    def walk(node: Traversable, prefix: str) -> None:
        for child in node.iterdir():
            if child.name.startswith("."):
                continue
            if child.is_dir():
                walk(child, f"{prefix}{child.name}/")
            else:
                files[f"{prefix}{child.name}"] = child.read_bytes()

    walk(root, "/")
    if "/index.html" not in files:
        raise DashboardError(f"dashboard files missing: no index.html in {root}")
    return files


def content_type(path: str) -> str:
    dot = path.rfind(".")
    return CONTENT_TYPES.get(path[dot:] if dot >= 0 else "", "application/octet-stream")


def history_json(db: Path | None) -> tuple[HTTPStatus, bytes]:
    """The history view's data, read afresh from ``db`` per request (a few sessions per
    athlete and day: cheap); a missing, locked or corrupt file is a JSON error, so the
    page says why instead of failing."""
    if db is None:
        return HTTPStatus.NOT_FOUND, json.dumps({"error": "no history database"}).encode()
    from eccentric.history import queries, store

    if not db.exists():  # nothing recorded yet: an empty history, not an error
        return HTTPStatus.OK, json.dumps({"athletes": {}}).encode()
    try:
        with store.reading(db, timeout_s=0.5) as conn:
            doc = queries.history_doc(conn)
    except store.HistoryError as exc:
        return HTTPStatus.SERVICE_UNAVAILABLE, json.dumps({"error": str(exc)}).encode()
    # The page knows athletes by their topic level (``Bo/Test`` publishes as ``Bo_Test``).
    by_topic: dict[str, dict[str, object]] = {}
    for name, exercises in doc["athletes"].items():
        by_topic.setdefault(sanitize_segment(name), {}).update(exercises)
    return HTTPStatus.OK, json.dumps({"athletes": by_topic}).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a stuck browser connection must not block shutdown
    files: dict[str, bytes]
    config_json: bytes
    allowed_hosts: frozenset[str]
    history_db: Path | None


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "eccentric-dashboard"
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._respond(body=True)

    def do_HEAD(self) -> None:
        self._respond(body=False)

    def _respond(self, body: bool) -> None:
        host = (self.headers.get("Host") or "").lower()
        # DNS rebinding: a web page from elsewhere can point its own name at 127.0.0.1
        # and then read config.json (which may hold credentials). Browsers always send
        # the name they used, so anything but our loopback names is refused.
        if host and host not in self.server.allowed_hosts:
            self._send(HTTPStatus.MISDIRECTED_REQUEST, b"unknown host\n",
                       "text/plain; charset=utf-8", body)
            return
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path == "/":
            path = "/index.html"
        if path == "/config.json":
            self._send(HTTPStatus.OK, self.server.config_json, "application/json", body)
            return
        if path == "/history.json":
            status, doc = history_json(self.server.history_db)
            self._send(status, doc, "application/json", body)
            return
        data = self.server.files.get(path)
        if data is None:
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain; charset=utf-8", body)
            return
        self._send(HTTPStatus.OK, data, content_type(path), body)

    def _send(self, status: HTTPStatus, data: bytes, ctype: str, body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        # no-cache: revalidate, so a page opened after an upgrade gets the new files.
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Content-Security-Policy", CSP)
        self.end_headers()
        if body:
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)


class DashboardServer:
    """Serves the page on ``http://127.0.0.1:<port>/`` from a daemon thread.

    ``port`` 0 picks a free one (see :attr:`port` after :meth:`start`).
    """

    def __init__(self, config: DashboardConfig, port: int = 0) -> None:
        self.config = config
        self.requested_port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise DashboardError("dashboard server is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def start(self) -> DashboardServer:
        files = load_static()
        try:
            server = _Server((HOST, self.requested_port), _Handler)
        except OSError as exc:
            raise DashboardError(f"cannot serve the dashboard on {HOST}:{self.requested_port}: "
                                 f"{exc.strerror} (use --port 0 for any free port)") from None
        port = int(server.server_address[1])
        server.files = files
        server.config_json = self.config.as_json()
        server.history_db = self.config.history_db
        server.allowed_hosts = frozenset(
            {f"{name}:{port}" for name in (HOST, "localhost", "[::1]")}
            | {HOST, "localhost"})
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="dashboard-http", daemon=True)
        self._thread.start()
        log.info("dashboard on %s (broker %s)", self.url, self.config.broker_url)
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout_s)
        self._server = None
        self._thread = None

    def __enter__(self) -> DashboardServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
