"""``eccentric dashboard``: serve the live web dashboard for any broker with WebSockets."""

from __future__ import annotations

import argparse
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eccentric.app.dashboard.launch import (
    add_http_arguments,
    maybe_open_browser,
    say,
    sigterm_as_interrupt,
    start_server,
)
from eccentric.mqtt.topics import DEFAULT_BASE

if TYPE_CHECKING:
    from eccentric.app.dashboard.server import DashboardConfig

# The embedded broker's WebSocket listener (``--broker embedded`` in replay/demo).
DEFAULT_WS_URL = "ws://127.0.0.1:9001/mqtt"


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "dashboard", help="serve the live web dashboard (MQTT over WebSockets)",
        description="Serve the dashboard page on 127.0.0.1. The page connects from the "
                    "browser to the broker's WebSocket listener and subscribes to the "
                    "eccentric topic tree (docs/dashboard.md).")
    p.add_argument("--broker", default=DEFAULT_WS_URL, metavar="ws://HOST:PORT/PATH",
                   help=f"broker WebSocket URL as the browser sees it, ws:// or wss:// "
                        f"(default {DEFAULT_WS_URL}, the embedded broker's)")
    p.add_argument("--mqtt-base", default=DEFAULT_BASE, metavar="TOPIC",
                   help=f"base topic (default {DEFAULT_BASE})")
    # Credentials are handed to the browser, so they come only from these flags (never
    # from the publisher's environment or config file): give a read-only account.
    p.add_argument("--mqtt-username", metavar="NAME",
                   help="broker account for the page (make it read-only)")
    p.add_argument("--mqtt-password-file", metavar="FILE", type=Path,
                   help="password of that account; the page receives it in clear text")
    p.add_argument("--history", default="default", metavar="DB|off",
                   help="athlete history shown in the page's history view (default: "
                        "$ECCENTRIC_HISTORY or ~/.local/share/eccentric/history.sqlite; "
                        "off: no history view)")
    add_http_arguments(p)
    p.set_defaults(func=run)


def config_from_args(args: argparse.Namespace) -> DashboardConfig:
    from eccentric.app.commands.history_args import history_path
    from eccentric.app.dashboard.server import DashboardConfig, DashboardError

    password = None
    if args.mqtt_password_file is not None:
        try:
            password = args.mqtt_password_file.read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise DashboardError(f"cannot read the password file: {exc.strerror}") from None
    return DashboardConfig(broker_url=args.broker, base=args.mqtt_base,
                           username=args.mqtt_username, password=password,
                           history_db=history_path(getattr(args, "history", None)))


def run(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    server = start_server(config, args.port)
    try:
        say(f"eccentric dashboard: {server.url}  (broker {config.broker_url}, "
            f"topics under {config.base}/)")
        maybe_open_browser(server.url, args.no_browser)
        say("Press Ctrl-C to stop.")
        with sigterm_as_interrupt():
            forever = threading.Event()
            while not forever.wait(3600):
                pass
    except KeyboardInterrupt:
        say("stopped")
    finally:
        server.stop()
    return 0
