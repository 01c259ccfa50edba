"""Starting the dashboard from the command line: ports, the browser, waiting for Ctrl-C."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING

from eccentric.mqtt.args import port_arg

if TYPE_CHECKING:  # the CLI imports this module to build its parser: http.server loads later
    from eccentric.app.dashboard.server import DashboardConfig, DashboardServer

DEFAULT_HTTP_PORT = 8080


def add_http_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", type=port_arg, default=None, metavar="PORT",
                   help=f"HTTP port on 127.0.0.1 (default {DEFAULT_HTTP_PORT}, or any free "
                        "one if that is taken; 0 = any free)")
    p.add_argument("--no-browser", action="store_true",
                   help="do not open a web browser (it is opened only on a desktop anyway)")


def start_server(config: DashboardConfig, port: int | None) -> DashboardServer:
    """Serve on ``port``; with None try the default and fall back to any free port, so
    a demo does not fail because something else uses 8080. An explicit port that is
    taken is an error: the user asked for that one."""
    from eccentric.app.dashboard.server import DashboardError, DashboardServer

    if port is not None:
        return DashboardServer(config, port).start()
    try:
        return DashboardServer(config, DEFAULT_HTTP_PORT).start()
    except DashboardError:
        return DashboardServer(config, 0).start()


def has_desktop() -> bool:
    """Whether a graphical browser can be expected. Without a display, Python's
    ``webbrowser`` falls back to text browsers (lynx, w3m) that would take over the
    terminal, so on Linux a display is required."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def maybe_open_browser(url: str, disabled: bool) -> bool:
    if disabled or not has_desktop() or not sys.stdout.isatty():
        return False
    import webbrowser

    # Some browser launchers block until the browser exits: never on the main thread.
    threading.Thread(target=webbrowser.open, args=(url,), name="open-browser",
                     daemon=True).start()
    return True


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (``kill``, service managers) stops as cleanly as Ctrl-C, and Ctrl-C stops
    even when the process was started with SIGINT ignored (a background job of a
    non-interactive shell inherits that, and the banner promises Ctrl-C works)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def say(text: str) -> None:
    """Status lines on stdout, flushed at once: scripts and tests read them live."""
    print(text, flush=True)
